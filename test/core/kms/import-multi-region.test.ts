/**
 * Imported key material (GetParametersForImport / ImportKeyMaterial / DeleteImportedKeyMaterial,
 * ValidTo expiry, manual rotation via UpdateAlias), multi-Region keys (ReplicateKey,
 * UpdatePrimaryRegion, cross-region decrypt) and AWS managed keys.
 */
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { DAY, makeKms, rejectsWith, tempHome, text, utf8 } from './helpers.js';
import type { Kms } from '../../../packages/core/src/kms/kms.js';
import { rootCaller } from '../../../packages/core/src/kms/call-context.js';

async function importInto(kms: Kms, keyId: string, material: Uint8Array, validTo?: Date) {
  const p = await kms.GetParametersForImport({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  const pub = createPublicKey({ key: Buffer.from(p.PublicKey), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
  return { params: p, res: await kms.ImportKeyMaterial({ KeyId: keyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: new Uint8Array(wrapped), ...(validTo ? { ValidTo: validTo } : {}) }) };
}

describe('kms: imported key material', function () {
  this.timeout(60_000);
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('import, use, expire (ValidTo → PendingImport), re-import the same material, old ciphertexts decrypt', async () => {
    const { kms, clock } = makeKms(env.home);
    const md = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata;
    assert.equal(md.KeyState, 'PendingImport');
    assert.equal(md.Origin, 'EXTERNAL');
    const material = new Uint8Array(32).fill(42);
    const { params } = await importInto(kms, md.KeyId, material, new Date(clock().getTime() + 10 * DAY));
    assert.equal(params.ParametersValidTo.getTime(), clock().getTime() + DAY);
    const d = (await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata;
    assert.equal(d.KeyState, 'Enabled');
    assert.equal(d.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    const ct = await kms.Encrypt({ KeyId: md.KeyId, Plaintext: utf8('imported') });
    clock.advance(10 * DAY);
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.KeyState, 'PendingImport');
    await rejectsWith(kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }), 'KMSInvalidStateException');
    await rejectsWith(importInto(kms, md.KeyId, new Uint8Array(32).fill(1)), 'IncorrectKeyMaterialException');
    await importInto(kms, md.KeyId, material);
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob })).Plaintext), 'imported');
    await kms.DeleteImportedKeyMaterial({ KeyId: md.KeyId });
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.KeyState, 'PendingImport');
    await rejectsWith(kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }), 'KMSInvalidStateException');
  });

  it('import tokens: expire after 24 h, belong to one key, wrong material sizes are refused', async () => {
    const { kms, clock } = makeKms(env.home);
    const a = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const b = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    const p = await kms.GetParametersForImport({ KeyId: a, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const pub = createPublicKey({ key: Buffer.from(p.PublicKey), format: 'der', type: 'spki' });
    const wrap = (m: Uint8Array) => new Uint8Array(publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, m));
    await rejectsWith(kms.ImportKeyMaterial({ KeyId: b, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(new Uint8Array(32)) }), 'InvalidImportTokenException');
    await rejectsWith(kms.ImportKeyMaterial({ KeyId: a, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(new Uint8Array(16)) }), 'IncorrectKeyMaterialException');
    await rejectsWith(kms.ImportKeyMaterial({ KeyId: a, ImportToken: p.ImportToken, EncryptedKeyMaterial: new Uint8Array(256) }), 'InvalidCiphertextException');
    clock.advance(DAY + 1);
    await rejectsWith(kms.ImportKeyMaterial({ KeyId: a, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(new Uint8Array(32)) }), 'ExpiredImportTokenException');
    const normal = (await kms.CreateKey()).KeyMetadata.KeyId;
    await rejectsWith(kms.GetParametersForImport({ KeyId: normal, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }), 'UnsupportedOperationException');
  });

  it('manual rotation of an imported key: a new key, then UpdateAlias', async () => {
    const { kms } = makeKms(env.home);
    const k1 = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await importInto(kms, k1, new Uint8Array(32).fill(1));
    await kms.CreateAlias({ AliasName: 'alias/imported', TargetKeyId: k1 });
    const old = await kms.Encrypt({ KeyId: 'alias/imported', Plaintext: utf8('gen1') });
    await rejectsWith(kms.EnableKeyRotation({ KeyId: k1 }), 'UnsupportedOperationException');
    await rejectsWith(kms.RotateKeyOnDemand({ KeyId: k1 }), 'UnsupportedOperationException');
    const k2 = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await importInto(kms, k2, new Uint8Array(32).fill(2));
    await kms.UpdateAlias({ AliasName: 'alias/imported', TargetKeyId: k2 });
    const fresh = await kms.Encrypt({ KeyId: 'alias/imported', Plaintext: utf8('gen2') });
    assert.match(fresh.KeyId, new RegExp(k2));
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: old.CiphertextBlob })).Plaintext), 'gen1');
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: fresh.CiphertextBlob })).Plaintext), 'gen2');
  });

  it('material expiring while the key is pending deletion: reads take no lock; the expiry applies after CancelKeyDeletion', async () => {
    const { kms, clock, store } = makeKms(env.home);
    const id = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    await importInto(kms, id, new Uint8Array(32).fill(3), new Date(clock().getTime() + 2 * DAY));
    await kms.ScheduleKeyDeletion({ KeyId: id, PendingWindowInDays: 7 });
    clock.advance(3 * DAY);
    await kms.DescribeKey({ KeyId: id }); // drops the expired import token (due once)
    const update = store.update.bind(store);
    let updates = 0;
    store.update = ((fn: Parameters<typeof update>[0]) => { updates++; return update(fn); }) as typeof store.update;
    for (let i = 0; i < 3; i++) assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.KeyState, 'PendingDeletion');
    assert.equal(updates, 0, 'nothing is due while the key waits for deletion');
    await kms.CancelKeyDeletion({ KeyId: id });
    assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.KeyState, 'PendingImport');
  });

  it('a multi-Region primary waiting for its replicas stays PendingReplicaDeletion when its material expires', async () => {
    const { kms, clock } = makeKms(env.home);
    const id = (await kms.CreateKey({ Origin: 'EXTERNAL', MultiRegion: true })).KeyMetadata.KeyId;
    await importInto(kms, id, new Uint8Array(32).fill(4), new Date(clock().getTime() + 2 * DAY));
    await kms.ReplicateKey({ KeyId: id, ReplicaRegion: 'us-west-2' });
    assert.equal((await kms.ScheduleKeyDeletion({ KeyId: id, PendingWindowInDays: 7 })).KeyState, 'PendingReplicaDeletion');
    clock.advance(3 * DAY);
    assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.KeyState, 'PendingReplicaDeletion');
  });
});

describe('kms: multi-Region keys', () => {
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('replicate, encrypt in one region and decrypt in another; replicas have their own state and aliases', async () => {
    const { kms } = makeKms(env.home);
    const west = { ...rootCaller(), region: 'us-west-2' };
    const md = (await kms.CreateKey({ MultiRegion: true })).KeyMetadata;
    assert.match(md.KeyId, /^mrk-[0-9a-f]{32}$/);
    assert.equal(md.MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY');
    const r = await kms.ReplicateKey({ KeyId: md.KeyId, ReplicaRegion: 'us-west-2' });
    assert.equal(r.ReplicaKeyMetadata.Arn, `arn:aws:kms:us-west-2:111122223333:key/${md.KeyId}`);
    assert.equal(r.ReplicaKeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
    await rejectsWith(kms.ReplicateKey({ KeyId: md.KeyId, ReplicaRegion: 'us-west-2' }), 'AlreadyExistsException');
    assert.deepEqual((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.MultiRegionConfiguration?.ReplicaKeys, [{ Arn: r.ReplicaKeyMetadata.Arn, Region: 'us-west-2' }]);

    const east = await kms.Encrypt({ KeyId: md.KeyId, Plaintext: utf8('from east'), EncryptionContext: { c: '1' } });
    const d = await kms.Decrypt({ CiphertextBlob: east.CiphertextBlob, EncryptionContext: { c: '1' } }, west);
    assert.equal(text(d.Plaintext), 'from east');
    assert.equal(d.KeyId, r.ReplicaKeyMetadata.Arn);
    const westCt = await kms.Encrypt({ KeyId: md.KeyId, Plaintext: utf8('from west') }, west);
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: westCt.CiphertextBlob })).Plaintext), 'from west');

    await kms.CreateAlias({ AliasName: 'alias/west-only', TargetKeyId: md.KeyId }, west);
    await rejectsWith(kms.DescribeKey({ KeyId: 'alias/west-only' }), 'NotFoundException');
    await kms.DisableKey({ KeyId: md.KeyId }, west);
    await rejectsWith(kms.Decrypt({ CiphertextBlob: east.CiphertextBlob }, west), 'DisabledException');
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: east.CiphertextBlob, EncryptionContext: { c: '1' } })).Plaintext), 'from east');
  });

  it('rotation of the primary reaches the replicas; UpdatePrimaryRegion swaps roles', async () => {
    const { kms } = makeKms(env.home);
    const west = { ...rootCaller(), region: 'us-west-2' };
    const id = (await kms.CreateKey({ MultiRegion: true })).KeyMetadata.KeyId;
    await kms.ReplicateKey({ KeyId: id, ReplicaRegion: 'us-west-2' });
    await rejectsWith(kms.RotateKeyOnDemand({ KeyId: id }, west), 'UnsupportedOperationException');
    await kms.RotateKeyOnDemand({ KeyId: id });
    const ct = await kms.Encrypt({ KeyId: id, Plaintext: utf8('v2') });
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }, west)).Plaintext), 'v2');
    await rejectsWith(kms.UpdatePrimaryRegion({ KeyId: id, PrimaryRegion: 'eu-west-1' }), 'NotFoundException');
    await kms.UpdatePrimaryRegion({ KeyId: id, PrimaryRegion: 'us-west-2' });
    assert.equal((await kms.DescribeKey({ KeyId: id }, west)).KeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY');
    assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
    const single = (await kms.CreateKey()).KeyMetadata.KeyId;
    await rejectsWith(kms.ReplicateKey({ KeyId: single, ReplicaRegion: 'us-west-2' }), 'UnsupportedOperationException');
  });

  it('a primary with replicas waits in PendingReplicaDeletion until its replicas are deleted', async () => {
    const { kms, clock } = makeKms(env.home);
    const west = { ...rootCaller(), region: 'us-west-2' };
    const id = (await kms.CreateKey({ MultiRegion: true })).KeyMetadata.KeyId;
    await kms.ReplicateKey({ KeyId: id, ReplicaRegion: 'us-west-2' });
    assert.equal((await kms.ScheduleKeyDeletion({ KeyId: id, PendingWindowInDays: 7 })).KeyState, 'PendingReplicaDeletion');
    await kms.ScheduleKeyDeletion({ KeyId: id, PendingWindowInDays: 7 }, west);
    clock.advance(7 * DAY);
    await rejectsWith(kms.DescribeKey({ KeyId: id }, west), 'NotFoundException');
    assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.KeyState, 'PendingDeletion');
    clock.advance(7 * DAY);
    await rejectsWith(kms.DescribeKey({ KeyId: id }), 'NotFoundException');
  });
});

describe('kms: AWS managed keys', () => {
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('created on first use, visible with KeyManager AWS, rotated yearly, usable only via the service', async () => {
    const { kms, clock } = makeKms(env.home);
    const a = await kms.GetOrCreateAwsManagedKey({ Service: 'ebs' });
    const b = await kms.GetOrCreateAwsManagedKey({ Service: 'ebs' });
    assert.equal(a.KeyMetadata.KeyId, b.KeyMetadata.KeyId);
    assert.equal(a.KeyMetadata.KeyManager, 'AWS');
    assert.ok((await kms.ListAliases()).Aliases.some((x) => x.AliasName === 'alias/aws/ebs' && x.TargetKeyId === a.KeyMetadata.KeyId));
    assert.equal((await kms.DescribeKey({ KeyId: 'alias/aws/ebs' })).KeyMetadata.KeyManager, 'AWS');
    assert.equal((await kms.GetKeyRotationStatus({ KeyId: 'alias/aws/ebs' })).KeyRotationEnabled, true);
    await rejectsWith(kms.Encrypt({ KeyId: 'alias/aws/ebs', Plaintext: utf8('x') }), 'AccessDeniedException');
    await rejectsWith(kms.DisableKey({ KeyId: 'alias/aws/ebs' }), 'AccessDeniedException');
    await rejectsWith(kms.DeleteAlias({ AliasName: 'alias/aws/ebs' }), 'InvalidAliasNameException');
    const via = { ...rootCaller(), viaService: 'ec2.us-east-1.amazonaws.com' }; // aws/ebs is used through EC2
    await rejectsWith(kms.Encrypt({ KeyId: 'alias/aws/ebs', Plaintext: utf8('x') }, { ...rootCaller(), viaService: 'ebs.us-east-1.amazonaws.com' }), 'AccessDeniedException');
    const ct = await kms.Encrypt({ KeyId: 'alias/aws/ebs', Plaintext: utf8('volume key') }, via);
    clock.advance(366 * DAY);
    assert.equal((await kms.ListKeyRotations({ KeyId: 'alias/aws/ebs' })).Rotations.length, 1);
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }, via)).Plaintext), 'volume key');
  });
});
