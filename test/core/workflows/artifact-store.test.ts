// Artifact store (docs/WORKFLOWS.md §2): ids, staging + atomic publish, sharing lists, images.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, readFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ArtifactStore } from '../../../packages/core/src/workflows/artifact-store.js';
import { newArtifactId, assertArtifactId } from '../../../packages/core/src/workflows/ids.js';
import type { SnapshotMeta } from '../../../packages/core/src/workflows/artifact-types.js';

function seeded(seed = 1) {
  let s = seed;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

const A = { account: '111111111111', region: 'us-east-1' };
const B = { account: '222222222222', region: 'us-east-1' };

function fields(over: Partial<SnapshotMeta> = {}): Omit<SnapshotMeta, 'snapshotId' | 'ownerAccount' | 'region'> {
  return {
    source: { kind: 'file', path: '/x' },
    size: 3,
    storedSize: 3,
    keyArn: 'arn:aws:kms:us-east-1:111111111111:key/k',
    context: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    description: '',
    tags: {},
    sharedWith: [],
    layout: { header: null, body: 'body.env', bodyOffset: 0 },
    ...over,
  };
}

describe('workflows: artifact ids', () => {
  it('are EC2-shaped and come from the injected random', () => {
    const id = newArtifactId('snap', seeded(7));
    assert.match(id, /^snap-[0-9a-f]{17}$/);
    assert.equal(newArtifactId('snap', seeded(7)), id);
    assert.match(newArtifactId('ami', seeded(7)), /^ami-[0-9a-f]{17}$/);
    assert.throws(() => assertArtifactId('snap', 'snap-123'), { name: 'ValidationException', message: /17 lowercase hex/ });
  });
});

describe('workflows: artifact store', () => {
  let root: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'env-art-'));
    store = new ArtifactStore({ root, random: seeded(3) });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('publishes a snapshot only on commit, and reads its message back', async () => {
    const staged = await store.stageSnapshot(A);
    await writeFile(staged.bodyPath, 'abc');
    assert.deepEqual(await store.listSnapshots(A), []);
    await assert.rejects(store.getSnapshot(A, staged.snapshotId), { name: 'NotFoundException' });
    const meta = await staged.commit(fields());
    assert.equal(meta.ownerAccount, A.account);
    assert.deepEqual((await store.listSnapshots(A)).map((s) => s.snapshotId), [staged.snapshotId]);
    assert.equal(await text(store.openMessage(meta)), 'abc');
    assert.deepEqual(await readdir(join(root, A.account, A.region, '.staging')), []);
  });

  it('reads a split layout as header then body from its offset', async () => {
    const staged = await store.stageSnapshot(A);
    await writeFile(staged.headerPath, 'HEAD');
    await writeFile(staged.bodyPath, 'oldheaderBODY');
    const meta = await staged.commit(fields({ layout: { header: 'header.env', body: 'body.env', bodyOffset: 9 } }));
    assert.equal(await text(store.openMessage(meta)), 'HEADBODY');
  });

  it('hard-links a body into a new snapshot instead of copying it', async () => {
    const s1 = await store.stageSnapshot(A);
    await writeFile(s1.bodyPath, 'body bytes');
    const m1 = await s1.commit(fields());
    const s2 = await store.stageSnapshot(B);
    assert.equal(await store.shareBody(m1, s2), 'link');
    const m2 = await s2.commit(fields());
    await store.deleteSnapshot(A, m1.snapshotId);
    assert.equal(await text(store.openMessage(m2)), 'body bytes');
  });

  it('sweeps staging left by a dead process and never lists it', async () => {
    const dead = join(root, A.account, A.region, '.staging', 'snap-0000000000000000a.999999999');
    await mkdir(dead, { recursive: true });
    await writeFile(join(dead, 'body.env'), 'half');
    const staged = await store.stageSnapshot(A);
    assert.deepEqual(await readdir(join(root, A.account, A.region, '.staging')), [`${staged.snapshotId}.${process.pid}`]);
    await staged.abort();
    assert.deepEqual(await store.listSnapshots(A), []);
  });

  it('lists what other accounts share with an account, and updates atomically', async () => {
    const s = await store.stageSnapshot(A);
    await writeFile(s.bodyPath, 'x');
    const m = await s.commit(fields());
    assert.deepEqual(await store.listSnapshotsSharedWith(B), []);
    await store.updateSnapshot(A, m.snapshotId, (x) => ({ ...x, sharedWith: [B.account] }));
    assert.deepEqual((await store.listSnapshotsSharedWith(B)).map((x) => x.snapshotId), [m.snapshotId]);
    assert.deepEqual(await store.listSnapshotsSharedWith({ ...B, region: 'eu-west-1' }), []);
    const raw = JSON.parse(await readFile(join(store.snapshotDir(A, m.snapshotId), 'meta.json'), 'utf8'));
    assert.deepEqual(raw.sharedWith, [B.account]);
  });

  it('images: unique names, in-use snapshots cannot be deleted', async () => {
    const s = await store.stageSnapshot(A);
    await writeFile(s.bodyPath, 'x');
    const m = await s.commit(fields());
    const base = { ownerAccount: A.account, region: A.region, snapshotIds: [m.snapshotId], createdAt: 't', description: '', tags: {}, sharedWith: [] };
    const img = await store.putImage({ ...base, imageId: store.newImageId(), name: 'web' });
    await assert.rejects(store.putImage({ ...base, imageId: store.newImageId(), name: 'web' }), {
      name: 'AlreadyExistsException',
      message: /An image named 'web' already exists/,
    });
    await assert.rejects(store.deleteSnapshot(A, m.snapshotId), { message: new RegExp(`in use by image ${img.imageId}`) });
    await store.deleteImage(A, img.imageId);
    await store.deleteSnapshot(A, m.snapshotId);
    assert.deepEqual(await store.listSnapshots(A), []);
  });
});
