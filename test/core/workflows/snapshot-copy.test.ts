// Snapshot create / export / copy (docs/WORKFLOWS.md §2, §4) within one account: full re-key and
// --rewrap, hard-linked bodies, kill-safety of staging, the audit trail with kms:ViaService.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decrypt } from '../../../packages/core/src/stream/buffer-api.js';
import { KmsKeyring } from '../../../packages/core/src/keyrings/kms-keyring.js';
import { createSnapshot } from '../../../packages/core/src/workflows/create-snapshot.js';
import { exportSnapshot } from '../../../packages/core/src/workflows/export-snapshot.js';
import { copySnapshot } from '../../../packages/core/src/workflows/copy-snapshot.js';
import { copyImage, createImage } from '../../../packages/core/src/workflows/image.js';
import { A, EAST, makeWorld, root, type WorkflowWorld } from './helpers.js';

describe('workflows: snapshot create, export and copy (one account)', () => {
  let w: WorkflowWorld;
  let data: Uint8Array;
  let file: string;
  const me = root(A);
  beforeEach(async () => {
    w = makeWorld();
    data = new Uint8Array(randomBytes(300_000));
    file = join(w.home, 'disk.img');
    await writeFile(file, data);
  });
  afterEach(() => w.cleanup());

  async function key(): Promise<string> {
    return (await w.kms.CreateKey({}, me)).KeyMetadata.Arn;
  }
  async function plaintextOf(snapshotId: string, keyArn: string): Promise<Uint8Array> {
    const out = join(w.home, `${snapshotId}.env`);
    await exportSnapshot(w.wf, { caller: me, region: EAST, snapshotId, outPath: out });
    const { plaintext } = await decrypt(new Uint8Array(await readFile(out)), { keyring: new KmsKeyring({ kms: w.kms, keyIds: [keyArn], caller: me }) });
    return plaintext;
  }

  it('creates a snapshot that exports as a standard Envelope file', async () => {
    const k = await key();
    const snap = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k, source: { path: file }, context: { disk: 'root' }, description: 'boot', tags: { env: 'dev' } });
    assert.match(snap.snapshotId, /^snap-[0-9a-f]{17}$/);
    assert.equal(snap.size, data.length);
    assert.equal(snap.keyArn, k);
    assert.deepEqual(snap.context, { disk: 'root' });
    assert.equal(snap.createdAt, '2026-01-01T00:00:00.000Z');
    assert.deepEqual(await plaintextOf(snap.snapshotId, k), data);
    const gdk = w.audit.events.find((e) => e.operation === 'GenerateDataKey');
    assert.equal(gdk?.caller.viaService, 'ec2.us-east-1.amazonaws.com');
  });

  it('full re-key: a new data key under the target key, the source key not needed to read it', async () => {
    const k1 = await key();
    const k2 = await key();
    const snap = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file } });
    const copy = await copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: k2 });
    assert.equal(copy.keyArn, k2);
    assert.deepEqual(copy.source, { kind: 'copy', snapshotId: snap.snapshotId, account: A, region: EAST, mode: 'rekey' });
    await w.kms.DisableKey({ KeyId: k1 }, me);
    assert.deepEqual(await plaintextOf(copy.snapshotId, k2), data);
    const ops = w.audit.events.filter((e) => e.caller.viaService).map((e) => e.operation);
    for (const op of ['CreateGrant', 'Decrypt', 'GenerateDataKey', 'RetireGrant']) assert.ok(ops.includes(op), `${op} audited`);
  });

  it('--rewrap: ReEncrypt of the wrapped key, a new header, the body hard-linked', async () => {
    const k1 = await key();
    const k2 = await key();
    const snap = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file } });
    const copy = await copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: k2, mode: 'rewrap' });
    const srcBody = await stat(w.wf.store.snapshotFile(snap, 'body.env'));
    const dstBody = await stat(w.wf.store.snapshotFile(copy, 'body.env'));
    assert.equal(dstBody.ino, srcBody.ino, 'the body is the same inode');
    assert.ok(w.audit.events.some((e) => e.operation === 'ReEncrypt' && e.caller.viaService === 'ec2.us-east-1.amazonaws.com'));
    await w.kms.DisableKey({ KeyId: k1 }, me);
    assert.deepEqual(await plaintextOf(copy.snapshotId, k2), data);
    // A rewrap of the rewrap reads header.env + body.env from its offset.
    const k3 = await key();
    const again = await copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: copy.snapshotId, keyId: k3, mode: 'rewrap' });
    assert.deepEqual(await plaintextOf(again.snapshotId, k3), data);
    // and a full re-key of a rewrapped snapshot
    const re = await copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: again.snapshotId, keyId: k1 === k3 ? k2 : k2 });
    assert.deepEqual(await plaintextOf(re.snapshotId, k2), data);
  });

  it('full re-key with the decryption on a worker thread: same result, tampering still detected', async () => {
    const k1 = await key();
    const k2 = await key();
    const snap = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file }, context: { a: 'b' }, frameLength: 4096 });
    const copy = await copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: k2, parallel: true });
    assert.deepEqual(await plaintextOf(copy.snapshotId, k2), data);
    // Flip one byte of the last frame of the source body: the worker's decryption must reject it.
    const body = w.wf.store.snapshotFile(snap, 'body.env');
    const bytes = new Uint8Array(await readFile(body));
    bytes[bytes.length - 20]! ^= 1;
    await writeFile(body, bytes);
    await assert.rejects(
      copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: k2, parallel: true }),
      { name: 'InvalidCiphertextException' },
    );
    assert.equal((await w.wf.store.listSnapshots({ account: A, region: EAST })).length, 2);
  });

  it('an image copy that fails on one snapshot publishes none of them', async () => {
    const k1 = await key();
    const k2 = await key();
    const s1 = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file } });
    const s2 = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file } });
    const img = await createImage(w.wf, { caller: me, region: EAST, name: 'two disks', snapshotIds: [s1.snapshotId, s2.snapshotId] });
    const body = w.wf.store.snapshotFile(s2, 'body.env');
    const bytes = new Uint8Array(await readFile(body));
    bytes[bytes.length - 20]! ^= 1;
    await writeFile(body, bytes);
    await assert.rejects(copyImage(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, imageId: img.imageId, keyId: k2, name: 'copy', concurrency: 1 }), { name: 'InvalidCiphertextException' });
    assert.deepEqual((await w.wf.store.listSnapshots({ account: A, region: EAST })).map((s) => s.snapshotId).sort(), [s1.snapshotId, s2.snapshotId].sort());
    assert.deepEqual((await w.wf.store.listImages({ account: A, region: EAST })).map((i) => i.imageId), [img.imageId]);
    assert.deepEqual(await readdir(join(w.home, 'artifacts', A, EAST, '.staging')), []);
  });

  it('a failed copy leaves nothing visible and retires its grant', async () => {
    const k1 = await key();
    const k2 = await key();
    const snap = await createSnapshot(w.wf, { caller: me, region: EAST, keyId: k1, source: { path: file } });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(copySnapshot(w.wf, { caller: me, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: k2, signal: ac.signal }), { name: 'AbortError' });
    assert.deepEqual((await w.wf.store.listSnapshots({ account: A, region: EAST })).map((s) => s.snapshotId), [snap.snapshotId]);
    assert.ok(w.audit.events.some((e) => e.operation === 'RetireGrant' && !e.errorCode));
  });
});
