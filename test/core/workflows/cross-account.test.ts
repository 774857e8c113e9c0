// Two accounts × two regions end to end (docs/WORKFLOWS.md §3–5): share → copy → the source revokes
// → the copy still decrypts in the target and not in the source; every missing permission reported
// at once with its reason; audit events in both accounts naming the workflow (kms:ViaService).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decrypt } from '../../../packages/core/src/stream/buffer-api.js';
import { KmsKeyring } from '../../../packages/core/src/keyrings/kms-keyring.js';
import type { CallContext } from '../../../packages/core/src/kms/call-context.js';
import { createSnapshot } from '../../../packages/core/src/workflows/create-snapshot.js';
import { exportSnapshot } from '../../../packages/core/src/workflows/export-snapshot.js';
import { copySnapshot, planSnapshotCopy } from '../../../packages/core/src/workflows/copy-snapshot.js';
import { shareSnapshot, unshareSnapshot, shareImage } from '../../../packages/core/src/workflows/share.js';
import { createImage, copyImage } from '../../../packages/core/src/workflows/image.js';
import type { MissingPermission } from '../../../packages/core/src/workflows/preflight.js';
import type { SnapshotMeta } from '../../../packages/core/src/workflows/artifact-types.js';
import { A, B, EAST, WEST, makePolicyWorld, root, type PolicyWorld } from './helpers.js';

const KMS_ALL = (resources: string[]) => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:RetireGrant', 'kms:GenerateDataKey', 'kms:Encrypt'], Resource: resources }],
});

describe('workflows: two accounts, two regions', () => {
  let w: PolicyWorld;
  let data: Uint8Array;
  let snap: SnapshotMeta;
  let kA: string;
  let kB: string;
  let kBw: string;
  const rootA = root(A);
  const rootB = root(B);
  const copier: CallContext = { principal: `arn:aws:iam::${B}:user/copier`, accountId: B, region: EAST };

  beforeEach(async () => {
    w = makePolicyWorld();
    data = new Uint8Array(randomBytes(200_000));
    const file = join(w.home, 'disk.img');
    await writeFile(file, data);
    kA = (await w.kms.CreateKey({ Description: 'A east' }, rootA)).KeyMetadata.Arn;
    kB = (await w.kms.CreateKey({ Description: 'B east' }, rootB)).KeyMetadata.Arn;
    kBw = (await w.kms.CreateKey({ Description: 'B west' }, root(B, WEST))).KeyMetadata.Arn;
    await w.iam.CreateAccount({ AccountId: A });
    await w.iam.CreateAccount({ AccountId: B });
    await w.iam.CreateUser({ UserName: 'copier', AccountId: B });
    snap = await createSnapshot(w.wf, { caller: rootA, region: EAST, keyId: kA, source: { path: file }, context: { volume: 'vol-1' } });
  });
  afterEach(() => w.cleanup());

  async function readCopy(meta: SnapshotMeta, caller: CallContext, keyArn: string): Promise<Uint8Array> {
    const out = join(w.home, `${meta.snapshotId}-${caller.accountId}.env`);
    await exportSnapshot(w.wf, { caller, region: meta.region, ownerAccount: meta.ownerAccount, snapshotId: meta.snapshotId, outPath: out });
    const ring = new KmsKeyring({ kms: w.kms, keyIds: [keyArn], caller: { ...caller, region: meta.region } });
    return (await decrypt(new Uint8Array(await readFile(out)), { keyring: ring })).plaintext;
  }

  function missingOf(e: unknown): MissingPermission[] {
    assert.equal((e as Error).name, 'AccessDeniedException');
    return (e as { missing: MissingPermission[] }).missing;
  }

  it('reports every missing permission at once, each with its reason, before any data moves', async () => {
    const input = { caller: copier, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: kB };
    const mark = w.audit.events.length;
    const err = await copySnapshot(w.wf, input).then(() => undefined, (e: unknown) => e);
    const m = missingOf(err);
    const by = (what: string) => m.find((x) => x.what.startsWith(what))?.reason ?? `(not reported: ${what})`;
    assert.match(by(`snapshot ${snap.snapshotId}`), new RegExp(`not shared with account ${B}.*envelope snapshot share ${snap.snapshotId} --account ${B}`));
    for (const action of ['kms:DescribeKey', 'kms:CreateGrant', 'kms:Decrypt']) {
      assert.match(by(`${action} on ${kA} (source key)`), new RegExp(`cross-account: the key policy of ${kA} \\(account ${A}\\) does not allow`));
    }
    assert.match(by(`kms:GenerateDataKey on ${kB} (target key)`), /no IAM policy of arn:aws:iam::222222222222:user\/copier allows kms:GenerateDataKey/);
    assert.equal(m.length, 6, m.map((x) => x.what).join('\n'));
    assert.match((err as Error).message, /cannot start: 6 missing permissions/);
    assert.deepEqual(await w.wf.store.listSnapshots({ account: B, region: EAST }), []);
    assert.deepEqual(w.audit.events.slice(mark).map((e) => e.operation), ['DescribeKey'], 'no KMS call but the target DescribeKey before the pre-check passed');

    // The owner's dry run says what is missing; sharing with key access fixes the source side.
    const dry = await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, keyAccess: true, dryRun: true });
    assert.ok(dry.missing.some((x) => x.startsWith(`createVolumePermission of ${snap.snapshotId} does not list account ${B}`)));
    assert.ok(dry.missing.some((x) => x.startsWith(`key policy of ${kA}: kms:Decrypt for account ${B}`)));
    assert.equal((await w.wf.store.getSnapshot({ account: A, region: EAST }, snap.snapshotId)).sharedWith.length, 0, 'dry run changed nothing');
    const done = await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, keyAccess: true });
    assert.deepEqual(done.missing, []);

    // Now only the copier's own IAM policy is missing: on both keys.
    const m2 = missingOf(await copySnapshot(w.wf, input).then(() => undefined, (e: unknown) => e));
    assert.deepEqual(m2.map((x) => x.what).sort(), [
      `kms:CreateGrant on ${kA} (source key)`, `kms:Decrypt on ${kA} (source key)`, `kms:DescribeKey on ${kA} (source key)`,
      `kms:DescribeKey on ${kB} (target key)`, `kms:GenerateDataKey on ${kB} (target key)`,
    ]);
    assert.match(m2[0]!.reason, /allows account 222222222222, but no IAM policy of arn:aws:iam::222222222222:user\/copier/);
    // --rewrap needs ReEncryptFrom/To instead of GenerateDataKey.
    const plan = await planSnapshotCopy(w.wf, { ...input, mode: 'rewrap' });
    assert.ok(plan.missing.some((x) => x.what === `kms:ReEncryptFrom on ${kA} (source key)`));
    assert.ok(plan.missing.some((x) => x.what === `kms:ReEncryptTo on ${kB} (target key)`));
    assert.ok(!plan.missing.some((x) => x.what.startsWith('kms:GenerateDataKey')));

    await w.iam.PutUserPolicy({ UserName: 'copier', PolicyName: 'copy', PolicyDocument: KMS_ALL([kA, kB]), AccountId: B });
    const copy = await copySnapshot(w.wf, input);
    assert.deepEqual(await readCopy(copy, copier, kB), data);
  });

  it('share → copy (same region and cross-region) → revoke: the copy decrypts in B, not in A', async () => {
    await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, keyAccess: true });
    const east = await copySnapshot(w.wf, { caller: rootB, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: kB });
    const west = await copySnapshot(w.wf, { caller: root(B, WEST), sourceAccount: A, sourceRegion: EAST, region: WEST, snapshotId: snap.snapshotId, keyId: kBw });
    assert.equal(west.region, WEST);
    assert.equal(west.keyArn, kBw);

    // Audit: the cross-account calls are in both accounts' logs, naming the workflow service.
    const inA = w.log.query({ accountId: A, principal: rootB.principal });
    for (const op of ['CreateGrant', 'Decrypt']) {
      const ev = inA.find((e) => e.eventName === op);
      assert.ok(ev, `${op} in A's log`);
      assert.equal(ev!.userIdentity.invokedBy, 'ec2.us-east-1.amazonaws.com');
    }
    const inB = w.log.query({ accountId: B, principal: rootB.principal });
    assert.ok(inB.some((e) => e.eventName === 'RetireGrant' && !e.errorCode && e.userIdentity.invokedBy === 'ec2.us-east-1.amazonaws.com'), 'the grant was retired');
    assert.ok(inB.some((e) => e.eventName === 'Decrypt' && e.sharedEventID !== undefined), 'the cross-account Decrypt is in B too');
    assert.ok(inB.some((e) => e.eventName === 'GenerateDataKey' && e.awsRegion === WEST && e.userIdentity.invokedBy === 'ec2.eu-west-1.amazonaws.com'));

    // A revokes: unshare and remove the key-policy statement (kept while another snapshot shared
    // with B still uses the key); then A even disables its key.
    const other = await createSnapshot(w.wf, { caller: rootA, region: EAST, keyId: kA, source: { path: join(w.home, 'disk.img') } });
    await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: other.snapshotId, account: B });
    const kept = await unshareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, keyAccess: true });
    assert.ok(kept.changes.some((c) => c.startsWith(`kept key policy statement EnvelopeShareWith${B} on ${kA}`)), kept.changes.join('\n'));
    const removed = await unshareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: other.snapshotId, account: B, keyAccess: true });
    assert.ok(removed.changes.includes(`removed key policy statement EnvelopeShareWith${B} on ${kA}`), removed.changes.join('\n'));
    await w.kms.DisableKey({ KeyId: kA }, rootA);
    assert.deepEqual(await readCopy(east, rootB, kB), data);
    assert.deepEqual(await readCopy(west, root(B, WEST), kBw), data);
    // Not in A: A cannot read B's copy (not shared, and B's key does not let A decrypt).
    await assert.rejects(exportSnapshot(w.wf, { caller: rootA, region: EAST, ownerAccount: B, snapshotId: east.snapshotId, outPath: join(w.home, 'x') }), { name: 'AccessDeniedException' });
    const body = new Uint8Array(await readFile(w.wf.store.snapshotFile(east, 'body.env')));
    await assert.rejects(decrypt(body, { keyring: new KmsKeyring({ kms: w.kms, discovery: true, caller: rootA }) }), { name: 'AccessDeniedException' });
    // And a new copy attempt by B now fails its pre-check on sharing and the key policy.
    const again = await copySnapshot(w.wf, { caller: rootB, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: kB }).then(() => undefined, (e: unknown) => e);
    assert.ok(missingOf(again).some((x) => x.what === `snapshot ${snap.snapshotId}`));
    assert.ok(missingOf(again).some((x) => x.what === `kms:Decrypt on ${kA} (source key)` && /DisabledException/.test(x.reason)));
  });

  it("share's key-access check evaluates Decrypt/ReEncryptFrom with the snapshot's encryption context, as the copy will", async () => {
    // The owner allows account B on kA only for this volume's context (snap was created with volume=vol-1).
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'owner', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'b-meta', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['kms:DescribeKey', 'kms:CreateGrant'], Resource: '*' },
        {
          Sid: 'b-vol-1', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['kms:Decrypt', 'kms:ReEncrypt*'], Resource: '*',
          Condition: { StringEquals: { 'kms:EncryptionContext:volume': 'vol-1' } },
        },
      ],
    };
    await w.kms.PutKeyPolicy({ KeyId: kA, PolicyName: 'default', Policy: JSON.stringify(policy) }, rootA);
    const dry = await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, dryRun: true });
    assert.deepEqual(dry.missing, [`createVolumePermission of ${snap.snapshotId} does not list account ${B}`]);
    const done = await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B });
    assert.deepEqual(done.missing, []);
    // And the copy's own pre-check agrees (B's root: no IAM policy needed for the account's root).
    const plan = await planSnapshotCopy(w.wf, { caller: rootB, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId, keyId: kB, mode: 'rewrap' });
    assert.deepEqual(plan.missing, []);
  });

  it('precise reasons for a missing target key, an explicit deny, and a key restricted to the workflow', async () => {
    // --via-service-only: B may use A's key only through the workflow (kms:ViaService).
    await shareSnapshot(w.wf, { caller: rootA, region: EAST, snapshotId: snap.snapshotId, account: B, keyAccess: true, restrictToWorkflow: true });
    const base = { caller: rootB, sourceAccount: A, sourceRegion: EAST, snapshotId: snap.snapshotId };
    const noKey = missingOf(await copySnapshot(w.wf, { ...base, keyId: 'alias/nope' }).then(() => undefined, (e: unknown) => e));
    assert.deepEqual(noKey.map((m) => m.what), ['kms:DescribeKey on alias/nope (target key)', 'kms:GenerateDataKey on alias/nope (target key)']);
    assert.match(noKey[0]!.reason, /^NotFoundException: Alias arn:aws:kms:us-east-1:222222222222:alias\/nope is not found/);
    const copy = await copySnapshot(w.wf, { ...base, keyId: kB });
    assert.deepEqual(await readCopy(copy, rootB, kB), data);
    // Outside the workflow (no kms:ViaService) B cannot use A's key directly.
    const exported = join(w.home, 'direct.env');
    await exportSnapshot(w.wf, { caller: rootB, region: EAST, ownerAccount: A, snapshotId: snap.snapshotId, outPath: exported });
    await assert.rejects(
      decrypt(new Uint8Array(await readFile(exported)), { keyring: new KmsKeyring({ kms: w.kms, discovery: true, caller: rootB }) }),
      { name: 'AccessDeniedException' },
    );
    // An explicit deny in B's own key policy names its statement.
    const { Policy } = await w.kms.GetKeyPolicy({ KeyId: kB, PolicyName: 'default' }, rootB);
    const doc = JSON.parse(Policy!);
    doc.Statement.push({ Sid: 'NoEc2Copies', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:GenerateDataKey', Resource: '*', Condition: { StringLike: { 'kms:ViaService': 'ec2.*.amazonaws.com' } } });
    await w.kms.PutKeyPolicy({ KeyId: kB, PolicyName: 'default', Policy: JSON.stringify(doc) }, rootB);
    const denied = missingOf(await copySnapshot(w.wf, { ...base, keyId: kB }).then(() => undefined, (e: unknown) => e));
    assert.deepEqual(denied.map((m) => m.what), [`kms:GenerateDataKey on ${kB} (target key)`]);
    assert.match(denied[0]!.reason, /explicitly denied to arn:aws:iam::222222222222:root by key policy statement "NoEc2Copies"/);
  });

  it('--rewrap across regions goes through the multi-Region replica; without one it is refused', async () => {
    const mrk = (await w.kms.CreateKey({ MultiRegion: true }, rootA)).KeyMetadata.Arn;
    const replica = (await w.kms.ReplicateKey({ KeyId: mrk, ReplicaRegion: WEST }, rootA)).ReplicaKeyMetadata.Arn;
    const file = join(w.home, 'disk2.img');
    await writeFile(file, data);
    const s = await createSnapshot(w.wf, { caller: rootA, region: EAST, keyId: mrk, source: { path: file } });
    const copy = await copySnapshot(w.wf, { caller: root(A, WEST), sourceAccount: A, sourceRegion: EAST, region: WEST, snapshotId: s.snapshotId, keyId: replica, mode: 'rewrap' });
    assert.equal(copy.keyArn, replica);
    assert.equal((await stat(w.wf.store.snapshotFile(copy, 'body.env'))).ino, (await stat(w.wf.store.snapshotFile(s, 'body.env'))).ino);
    const reenc = w.audit.events.filter((e) => e.operation === 'ReEncrypt');
    assert.ok(reenc.length === 1 && reenc[0]!.region === WEST, 'ReEncrypt ran in the target region');
    assert.deepEqual(await readCopy(copy, root(A, WEST), replica), data);
    await assert.rejects(
      copySnapshot(w.wf, { caller: root(A, WEST), sourceAccount: A, sourceRegion: EAST, region: WEST, snapshotId: snap.snapshotId, keyId: replica, mode: 'rewrap' }),
      { name: 'ValidationException', message: /needs a multi-Region source key with a replica in eu-west-1.*omit --rewrap/ },
    );
  });

  it('image share and copy: every snapshot copied, one combined progress, image registered last', async () => {
    const file = join(w.home, 'data.img');
    await writeFile(file, data.subarray(0, 50_000));
    const s2 = await createSnapshot(w.wf, { caller: rootA, region: EAST, keyId: kA, source: { path: file } });
    const img = await createImage(w.wf, { caller: rootA, region: EAST, name: 'web server', snapshotIds: [snap.snapshotId, s2.snapshotId] });
    const denied = await copyImage(w.wf, { caller: rootB, sourceAccount: A, sourceRegion: EAST, imageId: img.imageId, keyId: kB }).then(() => undefined, (e: unknown) => e);
    assert.ok(missingOf(denied).some((x) => x.what === `image ${img.imageId}` && /launchPermission does not list 222222222222/.test(x.reason)));
    await shareImage(w.wf, { caller: rootA, region: EAST, imageId: img.imageId, account: B, keyAccess: true });
    const seen: number[] = [];
    const { image, snapshots } = await copyImage(w.wf, {
      caller: rootB, sourceAccount: A, sourceRegion: EAST, imageId: img.imageId, keyId: kB, concurrency: 2,
      onProgress: (done, total) => { assert.equal(total, 250_000); seen.push(done); },
    });
    assert.equal(seen.at(-1), 250_000);
    assert.equal(image.name, 'web server');
    assert.deepEqual(image.copiedFrom, { imageId: img.imageId, account: A, region: EAST });
    assert.deepEqual(image.snapshotIds, snapshots.map((s) => s.snapshotId));
    assert.deepEqual(await readCopy(snapshots[1]!, rootB, kB), data.subarray(0, 50_000));
  });

  it('image copy: a failure while publishing (registering the image) leaves no copied snapshot visible', async () => {
    const img = await createImage(w.wf, { caller: rootA, region: EAST, name: 'database', snapshotIds: [snap.snapshotId] });
    await shareImage(w.wf, { caller: rootA, region: EAST, imageId: img.imageId, account: B, keyAccess: true });
    const store = w.wf.store;
    const putImage = store.putImage.bind(store);
    store.putImage = async () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    try {
      await assert.rejects(copyImage(w.wf, { caller: rootB, sourceAccount: A, sourceRegion: EAST, imageId: img.imageId, keyId: kB }), { code: 'ENOSPC' });
    } finally {
      store.putImage = putImage;
    }
    assert.deepEqual(await store.listSnapshots({ account: B, region: EAST }), []);
    assert.deepEqual(await store.listImages({ account: B, region: EAST }), []);
  });
});
