/**
 * Unit tests of the backend session (one-time keystore confirmation, SecretStorage passphrase,
 * reopen on settings change), the key inventory and QuickPick ordering, and the key explorer
 * actions against a real embedded keystore.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { encryptFiles } from '../../extension/src/commands/encrypt-files.js';
import { FIRST_KEY_ALIAS } from '../../extension/src/commands/pick-key.js';
import { inspectFile } from '../../extension/src/file-crypto.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDefaultKms, rootCaller } from '@envelope/core';
import { BackendSession, passphraseSecretKey } from '../../extension/src/backend-session.js';
import type { KmsApi } from '../../extension/src/core-adapter.js';
import {
  copyArnAction, createAliasAction, createKeyAction, rotateNowAction, scheduleDeletionAction, setKeyEnabledAction,
} from '../../extension/src/key-actions.js';
import { KEYSTORE_FILE, KeystoreCreationDeclined, openKeyBackend } from '../../extension/src/key-backend.js';
import { buildKeyChoices, lastUsedKeys, rememberKey } from '../../extension/src/key-choices.js';
import { listAllKeys, loadKeyInventory, loadRotationInfo, type KeyEntry } from '../../extension/src/key-inventory.js';
import type { EnvelopeSettings } from '../../extension/src/settings.js';
import { commandEnv, FakeUi, MemoryMemento, settingsFor } from './helpers/fake-ui.js';
import { tempKeystore, type TempKeystore } from './helpers/temp-keystore.js';

class MemorySecrets {
  readonly map = new Map<string, string>();
  async get(k: string) {
    return this.map.get(k);
  }
  async store(k: string, v: string) {
    this.map.set(k, v);
  }
  async delete(k: string) {
    this.map.delete(k);
  }
}

describe('extension: backend session', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-ext-session-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('asks once before creating the embedded keystore; declining creates nothing', async () => {
    const home = join(dir, 'home');
    const asked: string[] = [];
    const declining = new BackendSession(() => settingsFor(home), new MemorySecrets(), async (h) => (asked.push(h), false));
    await assert.rejects(declining.get(), KeystoreCreationDeclined);
    assert.equal(existsSync(join(home, KEYSTORE_FILE)), false);
    const accepting = new BackendSession(() => settingsFor(home), new MemorySecrets(), async (h) => (asked.push(h), true));
    const b = await accepting.get();
    assert.equal(b.kind, 'embedded');
    await b.api.CreateKey({});
    assert.equal(existsSync(join(home, KEYSTORE_FILE)), true);
    assert.deepEqual(asked, [home, home]);
    const again = new BackendSession(() => settingsFor(home), new MemorySecrets(), async () => assert.fail('must not ask again'));
    await again.get();
  });

  it('a workspace with no configuration: the first Encrypt asks once, creates the keystore and a first key, and encrypts', async () => {
    const home = join(dir, 'fresh-home');
    const ui = new FakeUi();
    const session = new BackendSession(() => settingsFor(home), new MemorySecrets(), (h) => ui.confirm(`create ${h}?`, '', 'Create Keystore'));
    ui.confirmAnswers.push(true);
    ui.inputAnswers.push(FIRST_KEY_ALIAS, '');
    const env = { ...commandEnv(ui, undefined as never, () => settingsFor(home)), backend: () => session.get() };
    const plain = join(dir, 'first.txt');
    writeFileSync(plain, 'first secret');
    const res = await encryptFiles(env, [plain]);
    assert.equal(res?.keyId, FIRST_KEY_ALIAS);
    assert.equal(existsSync(join(home, KEYSTORE_FILE)), true);
    assert.match(ui.seenInputs[0]!.prompt, /no enabled key/);
    const { header } = await inspectFile(`${plain}.enc`);
    const described = await (await session.get()).api.DescribeKey({ KeyId: FIRST_KEY_ALIAS });
    assert.equal(header.encryptedDataKeys[0]!.keyId, described.KeyMetadata?.Arn);
  });

  it('envelope.createKeystoreWithoutAsking skips the question', async () => {
    const home = join(dir, 'home');
    const s = new BackendSession(() => settingsFor(home, { createKeystoreWithoutAsking: true }), new MemorySecrets(), async () => assert.fail('asked'));
    await (await s.get()).api.CreateKey({});
    assert.equal(existsSync(join(home, KEYSTORE_FILE)), true);
  });

  it('a passphrase-protected keystore opens with the SecretStorage passphrase and fails with KeystoreException without it', async () => {
    const home = join(dir, 'pp-home');
    const seeded = openDefaultKms({ home, region: 'us-east-1', passphrase: 'open sesame' });
    await seeded.CreateKey({}, rootCaller(undefined, 'us-east-1'));
    const secrets = new MemorySecrets();
    const session = new BackendSession(() => settingsFor(home), secrets, async () => assert.fail('the keystore exists'));
    await assert.rejects(async () => (await session.get()).api.ListKeys({}), (e: Error) => e.name === 'KeystoreException');
    await session.setPassphrase(home, 'open sesame');
    const keys = await (await session.get()).api.ListKeys({});
    assert.equal(keys.Keys?.length, 1);
  });

  it('passes the SecretStorage passphrase to the keystore and reopens when settings change', async () => {
    const secrets = new MemorySecrets();
    let settings: EnvelopeSettings = settingsFor(join(dir, 'one'), { createKeystoreWithoutAsking: true });
    const seen: (string | undefined)[] = [];
    const session = new BackendSession(() => settings, secrets, async () => true, async (s, hooks) => {
      seen.push(await hooks.passphrase());
      return openKeyBackend(s, hooks);
    });
    await session.setPassphrase(join(dir, 'one'), 'correct horse');
    assert.equal(secrets.map.get(passphraseSecretKey(join(dir, 'one'))), 'correct horse');
    const first = await session.get();
    assert.equal(await session.get(), first, 'cached while settings are unchanged');
    settings = settingsFor(join(dir, 'two'), { createKeystoreWithoutAsking: true });
    const second = await session.get();
    assert.notEqual(second, first);
    assert.equal(second.location, join(dir, 'two'));
    assert.deepEqual(seen, ['correct horse', undefined]);
    await session.setPassphrase(join(dir, 'one'), undefined);
    assert.equal(secrets.map.size, 0);
  });
});

describe('extension: key inventory, choices and actions', () => {
  let ks: TempKeystore;
  before(async () => {
    ks = await tempKeystore();
  });
  after(() => ks.cleanup());

  it('follows NextMarker pages', async () => {
    const pages = [
      { Keys: [{ KeyId: 'k1', KeyArn: 'arn:1' }], Truncated: true, NextMarker: 'm1' },
      { Keys: [{ KeyId: 'k2', KeyArn: 'arn:2' }], Truncated: false },
    ];
    const markers: (string | undefined)[] = [];
    const api = { ListKeys: async (r: { Marker?: string }) => (markers.push(r.Marker), pages.shift()!) } as unknown as KmsApi;
    assert.deepEqual((await listAllKeys(api)).map((k) => k.KeyId), ['k1', 'k2']);
    assert.deepEqual(markers, [undefined, 'm1']);
  });

  it('orders choices: last used, then the default key, then aliases, then bare keys; only enabled symmetric keys', () => {
    const e = (id: string, aliases: string[], over: Record<string, unknown> = {}): KeyEntry => ({
      keyId: id,
      arn: `arn:aws:kms:us-east-1:111122223333:key/${id}`,
      aliases,
      metadata: { KeyId: id, KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', ...over },
    });
    const entries = [e('k1', ['alias/a']), e('k2', ['alias/b']), e('k3', []), e('k4', ['alias/off'], { KeyState: 'Disabled' }), e('k5', ['alias/rsa'], { KeySpec: 'RSA_2048' }), e('k6', ['alias/c'])];
    const ids = (last: string[], def?: string) => buildKeyChoices(entries, last, def).map((c) => c.keyId);
    assert.deepEqual(ids([]), ['alias/a', 'alias/b', 'alias/c', 'arn:aws:kms:us-east-1:111122223333:key/k3']);
    assert.deepEqual(ids(['alias/c', 'alias/b']), ['alias/c', 'alias/b', 'alias/a', 'arn:aws:kms:us-east-1:111122223333:key/k3']);
    assert.deepEqual(ids([], 'k3').slice(0, 1), ['arn:aws:kms:us-east-1:111122223333:key/k3']);
    assert.deepEqual(ids([], 'alias/b').slice(0, 1), ['alias/b']);
  });

  it('remembers the last ten keys, most recent first', async () => {
    const m = new MemoryMemento();
    for (let i = 0; i < 12; i++) await rememberKey(m, `alias/k${i}`);
    await rememberKey(m, 'alias/k5');
    const list = lastUsedKeys(m);
    assert.equal(list.length, 10);
    assert.deepEqual(list.slice(0, 3), ['alias/k5', 'alias/k11', 'alias/k10']);
  });

  it('Create Key creates a symmetric key with an alias; Create Alias adds another', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    ui.inputAnswers.push('made by test', 'alias/created');
    const keyId = await createKeyAction(env);
    const inv = await loadKeyInventory(ks.backend.api);
    const entry = inv.find((k) => k.keyId === keyId)!;
    assert.deepEqual(entry.aliases, ['alias/created']);
    assert.equal(entry.metadata.Description, 'made by test');
    ui.inputAnswers.push('alias/second');
    await createAliasAction(env, entry);
    assert.deepEqual((await loadKeyInventory(ks.backend.api)).find((k) => k.keyId === keyId)!.aliases, ['alias/created', 'alias/second']);
  });

  it('Rotate Now adds a version; Disable/Enable change state; Copy ARN copies it', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const entry = (await loadKeyInventory(ks.backend.api)).find((k) => k.aliases.includes('alias/a'))!;
    const before = (await loadRotationInfo(ks.backend.api, entry.keyId)).rotations.length;
    await rotateNowAction(env, entry);
    assert.equal((await loadRotationInfo(ks.backend.api, entry.keyId)).rotations.length, before + 1);
    await setKeyEnabledAction(env, entry, false);
    assert.equal((await ks.backend.api.DescribeKey({ KeyId: entry.keyId })).KeyMetadata?.KeyState, 'Disabled');
    await setKeyEnabledAction(env, entry, true);
    assert.equal((await ks.backend.api.DescribeKey({ KeyId: entry.keyId })).KeyMetadata?.KeyState, 'Enabled');
    assert.equal(await copyArnAction(env, entry), entry.arn);
    assert.deepEqual(ui.clipboard, [entry.arn]);
  });

  it('Schedule Deletion needs the confirmation; declined changes nothing, accepted sets PendingDeletion', async () => {
    const ui = new FakeUi();
    const env = commandEnv(ui, ks.backend, () => settingsFor(ks.home));
    const created = await ks.backend.api.CreateKey({ Description: 'to delete' });
    const entry = (await loadKeyInventory(ks.backend.api)).find((k) => k.keyId === created.KeyMetadata?.KeyId)!;
    ui.inputAnswers.push('7');
    ui.confirmAnswers.push(false);
    assert.equal(await scheduleDeletionAction(env, entry), undefined);
    assert.equal((await ks.backend.api.DescribeKey({ KeyId: entry.keyId })).KeyMetadata?.KeyState, 'Enabled');
    ui.inputAnswers.push('7');
    ui.confirmAnswers.push(true);
    const date = await scheduleDeletionAction(env, entry);
    assert.ok(date instanceof Date);
    assert.equal((await ks.backend.api.DescribeKey({ KeyId: entry.keyId })).KeyMetadata?.KeyState, 'PendingDeletion');
    assert.match(ui.seenInputs.at(-1)!.validate!('3') ?? '', /7 to 30/);
  });
});
