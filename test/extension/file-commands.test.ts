/**
 * Unit tests of the file command handlers (extension/src/commands) with a scripted Ui and a real
 * embedded keystore in a temp dir: Encrypt (QuickPick order, context, multi-select, skip,
 * overwrite, delete-original), Decrypt, Re-encrypt, Inspect, and that cancel or failure leaves no
 * output or temp file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptFiles } from '../../extension/src/commands/decrypt-files.js';
import { encryptFiles, presetFrom } from '../../extension/src/commands/encrypt-files.js';
import { inspectEnvelopeFile } from '../../extension/src/commands/inspect-file.js';
import { reencryptFiles } from '../../extension/src/commands/reencrypt-files.js';
import { inspectFile, isEnvelopeFile } from '../../extension/src/file-crypto.js';
import { spawnSync } from 'node:child_process';
import { lastUsedKeys } from '../../extension/src/key-choices.js';
import { reportError } from '../../extension/src/error-report.js';
import { openDefaultKms, rootCaller } from '@envelope/core';
import { denyDecryptPolicy } from '../e2e/fixture.js';
import { commandEnv, FakeUi, settingsFor } from './helpers/fake-ui.js';
import { tempKeystore, type TempKeystore } from './helpers/temp-keystore.js';

const MAGIC = Buffer.from([0x89, 0x45, 0x4e, 0x56]);

describe('extension: file command handlers', () => {
  let ks: TempKeystore;
  let ws: string;
  let n = 0;
  before(async () => {
    ks = await tempKeystore();
  });
  after(() => ks.cleanup());
  beforeEach(() => {
    ws = join(ks.dir, `ws${n++}`);
    mkdirSync(ws);
  });
  const file = (name: string, text: string) => {
    const p = join(ws, name);
    writeFileSync(p, text);
    return p;
  };
  const noTempFiles = () => assert.deepEqual(readdirSync(ws).filter((f) => f.includes('envelope-tmp')), []);
  const decryptText = async (ui: FakeUi, path: string) => {
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const out = path.replace(/\.enc$/, '');
    await decryptFiles(env, [path]);
    return readFileSync(out, 'utf8');
  };

  it('Encrypt asks for the key (aliases listed, last-used first) and the context, then writes x.enc for every selected file', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    await env.state.update('envelope.lastUsedKeys', ['alias/b']);
    ui.keyAnswers.push((choices) => choices[0]!.keyId);
    ui.inputAnswers.push('purpose=test, env=dev');
    const a = file('a.txt', 'secret A\n');
    const b = file('b.txt', 'secret B\n');
    const res = await encryptFiles(env, [a, b]);
    assert.deepEqual(ui.seenKeyChoices[0]!.map((c) => c.keyId), ['alias/b', 'alias/a']);
    assert.equal(res?.keyId, 'alias/b');
    for (const [p, text] of [[a, 'secret A\n'], [b, 'secret B\n']] as const) {
      const bytes = readFileSync(`${p}.enc`);
      assert.deepEqual(bytes.subarray(0, 4), MAGIC);
      assert.equal(bytes.includes(Buffer.from(text)), false);
      const { header } = await inspectFile(`${p}.enc`);
      assert.deepEqual({ ...header.context }, { purpose: 'test', env: 'dev' });
      assert.equal(header.encryptedDataKeys[0]!.keyId, ks.keyB);
      assert.equal(existsSync(p), true, 'the original is kept by default');
    }
    assert.deepEqual(env.changed.sort(), [a, `${a}.enc`, b, `${b}.enc`].sort());
    assert.deepEqual(lastUsedKeys(env.state), ['alias/b']);
    writeFileSync(a, 'edited since');
    const declining = new FakeUi();
    declining.confirmAnswers.push(false);
    assert.equal(await decryptFiles(commandEnv(declining, ks.backend, () => settingsFor(ks.home)), [`${a}.enc`]), undefined);
    assert.equal(readFileSync(a, 'utf8'), 'edited since', 'decrypt does not overwrite a.txt unless confirmed');
    noTempFiles();
  });

  it('Encrypt with envelope.deleteOriginalAfterEncrypt removes the plaintext only after success', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    const a = file('a.txt', 'to be removed\n');
    await encryptFiles(env, [a], { keyId: 'alias/a', context: {} });
    assert.equal(existsSync(a), false);
    assert.equal(await decryptText(new FakeUi(), `${a}.enc`), 'to be removed\n');
  });

  it('Encrypt skips files that already are Envelope messages, and stops when a prompt is dismissed', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const a = file('a.txt', 'x');
    await encryptFiles(env, [a], { keyId: 'alias/a', context: {} });
    assert.equal(await encryptFiles(env, [`${a}.enc`]), undefined);
    assert.match(ui.warnings[0] ?? '', /already an Envelope file/);
    const b = file('b.txt', 'y');
    ui.keyAnswers.push(undefined);
    assert.equal(await encryptFiles(env, [b]), undefined);
    assert.equal(existsSync(`${b}.enc`), false);
  });

  it('Encrypt asks before overwriting an existing .enc and leaves it alone when declined', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const a = file('a.txt', 'new');
    writeFileSync(`${a}.enc`, 'old');
    ui.confirmAnswers.push(false);
    assert.equal(await encryptFiles(env, [a], { keyId: 'alias/a', context: {} }), undefined);
    assert.equal(readFileSync(`${a}.enc`, 'utf8'), 'old');
  });

  it('a cancelled encrypt (progress Cancel) leaves no output and no temp file', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const big = join(ws, 'big.bin');
    writeFileSync(big, Buffer.alloc(12 * 1024 * 1024, 7));
    ui.onProgress = (u, controller) => {
      if (u.increment !== undefined) controller.abort(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    };
    await assert.rejects(encryptFiles(env, [big], { keyId: 'alias/a', context: {} }), (e: Error) => e.name === 'AbortError');
    assert.equal(existsSync(`${big}.enc`), false);
    noTempFiles();
    assert.ok(ui.progressUpdates.some((u) => u.increment !== undefined), 'progress was reported');
  });

  it('a failing encrypt (unknown key) leaves no output and no temp file', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const a = file('a.txt', 'x');
    await assert.rejects(encryptFiles(env, [a], { keyId: 'alias/missing', context: {} }), (e: Error) => e.name === 'NotFoundException');
    assert.equal(existsSync(`${a}.enc`), false);
    noTempFiles();
  });

  it('Decrypt writes the plaintext next to the file; non-Envelope files are skipped by magic bytes', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    const a = file('conf.json', '{"k":1}\n');
    await encryptFiles(env, [a], { keyId: 'alias/a', context: { app: 'x' } });
    const fake = file('fake.enc', 'just a name');
    const out = await decryptFiles(env, [`${a}.enc`, fake]);
    assert.deepEqual(out, [a]);
    assert.equal(readFileSync(a, 'utf8'), '{"k":1}\n');
    assert.match(ui.warnings.join('\n'), /fake\.enc is not an Envelope file/);
    assert.equal(existsSync(join(ws, 'fake')), false);
  });

  it('a failing decrypt (disabled key) leaves no plaintext and no temp file', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    const a = file('d.txt', 'locked');
    await encryptFiles(env, [a], { keyId: 'alias/b', context: {} });
    await ks.backend.api.DisableKey({ KeyId: 'alias/b' });
    try {
      await assert.rejects(decryptFiles(env, [`${a}.enc`]), (e: Error) => e.name === 'DisabledException');
      assert.equal(existsSync(a), false);
      noTempFiles();
    } finally {
      await ks.backend.api.EnableKey({ KeyId: 'alias/b' });
    }
  });

  it('AccessDeniedException keeps its explain reason (the deciding policy statement) and leaves no output', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    const created = await ks.backend.api.CreateKey({ Description: 'deny decrypt' });
    const keyId = created.KeyMetadata!.KeyId!;
    const a = file('denied.txt', 'no access');
    await encryptFiles(env, [a], { keyId, context: {} });
    const policy = denyDecryptPolicy('NoDecrypt');
    const kms = openDefaultKms({ home: ks.home, region: 'us-east-1' });
    await kms.PutKeyPolicy({ KeyId: keyId, PolicyName: 'default', Policy: policy }, rootCaller(undefined, 'us-east-1'));
    const err = await decryptFiles(env, [`${a}.enc`]).then(() => undefined, (e: unknown) => e);
    const report = reportError(err, 'Decrypt');
    assert.equal(report.name, 'AccessDeniedException');
    assert.match(report.text, /^Decrypt failed: AccessDeniedException: .*kms:Decrypt.*"NoDecrypt"/);
    assert.equal(existsSync(a), false);
    noTempFiles();
  });

  it('Re-encrypt moves a file to another key with a fresh data key and the same context', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    const a = file('r.txt', 'rotate me');
    await encryptFiles(env, [a], { keyId: 'alias/a', context: { app: 'r' } });
    const before = (await inspectFile(`${a}.enc`)).header;
    ui.keyAnswers.push('alias/b');
    await reencryptFiles(env, [`${a}.enc`]);
    const after = (await inspectFile(`${a}.enc`)).header;
    assert.equal(after.encryptedDataKeys[0]!.keyId, ks.keyB);
    assert.deepEqual({ ...after.context }, { app: 'r' });
    assert.notDeepEqual(after.messageId, before.messageId);
    assert.equal(await decryptText(ui, `${a}.enc`), 'rotate me');
  });

  it('Inspect shows the header as JSON without any key', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const a = file('i.txt', 'inspect me');
    await encryptFiles(env, [a], { keyId: 'alias/a', context: { who: 'me' } });
    const d = await inspectEnvelopeFile(env, `${a}.enc`);
    assert.deepEqual(d?.context, { who: 'me' });
    assert.equal(d?.plaintextLength, 'inspect me'.length);
    const shown = JSON.parse(ui.documents[0]!.content) as { File: string; encryptedDataKeys: { keyId: string }[] };
    assert.equal(shown.File, `${a}.enc`);
    assert.equal(shown.encryptedDataKeys[0]!.keyId, ks.keyA);
    assert.equal(ui.documents[0]!.content.includes('inspect me'), false);
  });

  it('magic-byte detection reads regular files only (a FIFO is not opened, so nothing blocks)', async () => {
    const fifo = join(ws, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    assert.equal(await isEnvelopeFile(fifo), false);
    assert.equal(await isEnvelopeFile(join(ws, 'missing')), false);
    const a = file('m.txt', 'x');
    const env = commandEnv(new FakeUi(), ks.backend, () => settingsFor(ks.home));
    await encryptFiles(env, [a], { keyId: 'alias/a', context: {} });
    assert.equal(await isEnvelopeFile(`${a}.enc`), true);
    assert.equal(await isEnvelopeFile(a), false);
  });

  it('command presets accept only a string key id and a string-valued context', () => {
    assert.deepEqual(presetFrom(undefined), {});
    assert.deepEqual(presetFrom({ keyId: 'alias/a', context: { a: '1' } }), { keyId: 'alias/a', context: { a: '1' } });
    assert.deepEqual(presetFrom({ keyId: 3, context: { a: 1 } }), {});
  });
});
