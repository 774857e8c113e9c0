// `replicate` (docs/WORKFLOWS.md §6): KMS objects re-keyed, customer-key (SSE-C) objects skipped and
// counted, plain objects encrypted, all-missing-permissions pre-check, resumable journal.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { encrypt, decrypt } from '../../../packages/core/src/stream/buffer-api.js';
import { KmsKeyring } from '../../../packages/core/src/keyrings/kms-keyring.js';
import { RawAesKeyring } from '../../../packages/core/src/keyrings/raw-aes-keyring.js';
import { replicate } from '../../../packages/core/src/workflows/replicate.js';
import { JOURNAL_FILE } from '../../../packages/core/src/workflows/replication-journal.js';
import { A, EAST, makePolicyWorld, makeWorld, root, type WorkflowWorld } from './helpers.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('workflows: replicate', () => {
  let w: WorkflowWorld;
  let from: string;
  let to: string;
  let src: string;
  let dst: string;
  const me = root(A);
  beforeEach(async () => {
    w = makeWorld();
    from = join(w.home, 'bucket-a');
    to = join(w.home, 'bucket-b');
    await mkdir(join(from, 'logs'), { recursive: true });
    src = (await w.kms.CreateKey({}, me)).KeyMetadata.Arn;
    dst = (await w.kms.CreateKey({}, me)).KeyMetadata.Arn;
    const kmsRing = new KmsKeyring({ kms: w.kms, keyIds: [src], caller: me });
    await writeFile(join(from, 'logs', 'a.log'), await encrypt(utf8('alpha'), { keyring: kmsRing, context: { o: 'a' } }));
    await writeFile(join(from, 'logs', 'b.log'), await encrypt(utf8('bravo'), { keyring: kmsRing }));
    const customer = new RawAesKeyring({ keyNamespace: 'customer', keyName: 'k1', wrappingKey: new Uint8Array(32).fill(3) });
    await writeFile(join(from, 'secret.bin'), await encrypt(utf8('sse-c'), { keyring: customer }));
    await writeFile(join(from, 'readme.txt'), 'plain object');
  });
  afterEach(() => w.cleanup());

  async function read(rel: string): Promise<string> {
    const bytes = new Uint8Array(await readFile(join(to, rel)));
    const { plaintext } = await decrypt(bytes, { keyring: new KmsKeyring({ kms: w.kms, keyIds: [dst], caller: me }) });
    return new TextDecoder().decode(plaintext);
  }

  it('re-keys KMS objects, encrypts plain ones, skips customer-key objects and counts them', async () => {
    const r = await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst, concurrency: 2 });
    assert.deepEqual(r.replicated, ['logs/a.log', 'logs/b.log', 'readme.txt']);
    assert.deepEqual(r.skippedCustomerKey, ['secret.bin']);
    assert.equal(r.alreadyDone, 0);
    const decrypts = w.audit.events.filter((e) => e.operation === 'Decrypt');
    assert.ok(decrypts.length >= 2 && decrypts.every((e) => e.caller.viaService === 's3.us-east-1.amazonaws.com'));
    assert.equal(await read('logs/a.log'), 'alpha');
    assert.equal(await read('readme.txt'), 'plain object');
    assert.deepEqual((await readdir(to)).sort(), [JOURNAL_FILE, 'logs', 'readme.txt']);
  });

  it("keeps each object's encryption context on its replica (none for a plain object)", async () => {
    await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst });
    const ring = new KmsKeyring({ kms: w.kms, keyIds: [dst], caller: me });
    const a = await decrypt(new Uint8Array(await readFile(join(to, 'logs', 'a.log'))), { keyring: ring });
    assert.deepEqual({ ...a.header.context }, { o: 'a' });
    const plain = await decrypt(new Uint8Array(await readFile(join(to, 'readme.txt'))), { keyring: ring });
    assert.deepEqual({ ...plain.header.context }, {});
  });

  it('resumes from its journal without redoing finished objects, and redoes changed ones', async () => {
    await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst, concurrency: 1 });
    const before = w.audit.events.length;
    const again = await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst });
    assert.deepEqual(again.replicated, []);
    assert.deepEqual(again.skippedCustomerKey, []);
    assert.equal(again.alreadyDone, 4);
    assert.equal(w.audit.events.filter((e, i) => i >= before && e.operation !== 'DescribeKey').length, 0);
    await writeFile(join(from, 'readme.txt'), 'changed');
    await utimes(join(from, 'readme.txt'), new Date(2030, 0, 1), new Date(2030, 0, 1));
    const third = await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst });
    assert.deepEqual(third.replicated, ['readme.txt']);
    assert.equal(await read('readme.txt'), 'changed');
  });

  it('a rerun after a killed run removes its temp files and finishes the rest', async () => {
    // What a SIGKILL mid-object leaves: a hidden temp file of a dead writer, no journal line.
    await mkdir(join(to, 'logs'), { recursive: true });
    await writeFile(join(to, 'logs', '.a.log.999999999.1.partial'), 'half an object');
    const r = await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst });
    assert.deepEqual(r.replicated, ['logs/a.log', 'logs/b.log', 'readme.txt']);
    assert.deepEqual((await readdir(join(to, 'logs'))).sort(), ['a.log', 'b.log']);
  });

  it('reports every missing permission before any object moves', async () => {
    await w.kms.DisableKey({ KeyId: src }, me);
    const other = root('333333333333');
    await assert.rejects(
      replicate(w.wf, { caller: other, region: EAST, from, to, keyId: dst }),
      (e: Error & { missing?: { what: string; reason: string }[] }) => {
        assert.equal(e.name, 'AccessDeniedException');
        const whats = (e.missing ?? []).map((m) => m.what);
        assert.ok(whats.some((x) => x.startsWith(`kms:GenerateDataKey on ${dst}`)), whats.join('\n'));
        assert.ok(whats.some((x) => x.startsWith(`kms:Decrypt on ${src}`)), whats.join('\n'));
        assert.match(e.message, /DisabledException/);
        return true;
      },
    );
    assert.deepEqual(await readdir(to).catch(() => []), [JOURNAL_FILE]);
  });
});

describe('workflows: replicate pre-check', () => {
  it("asks about kms:Decrypt with the object's encryption context, as the real Decrypt is asked", async () => {
    const w = makePolicyWorld();
    try {
      const me = root(A);
      const policy = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
          { Sid: 'tenant-a-only', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:EncryptionContext:o': 'a' } } },
        ],
      };
      const src = (await w.kms.CreateKey({ Policy: JSON.stringify(policy) }, me)).KeyMetadata.Arn;
      const dst = (await w.kms.CreateKey({}, me)).KeyMetadata.Arn;
      const from = join(w.home, 'bucket-a');
      const to = join(w.home, 'bucket-b');
      await mkdir(from, { recursive: true });
      const ring = new KmsKeyring({ kms: w.kms, keyIds: [src], caller: me });
      await writeFile(join(from, 'a.log'), await encrypt(utf8('alpha'), { keyring: ring, context: { o: 'a' } }));
      const r = await replicate(w.wf, { caller: me, region: EAST, from, to, keyId: dst });
      assert.deepEqual(r.replicated, ['a.log']);
      const out = new Uint8Array(await readFile(join(to, 'a.log')));
      const { plaintext } = await decrypt(out, { keyring: new KmsKeyring({ kms: w.kms, keyIds: [dst], caller: me }) });
      assert.equal(new TextDecoder().decode(plaintext), 'alpha');
    } finally {
      w.cleanup();
    }
  });
});
