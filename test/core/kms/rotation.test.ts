/** Key versions and rotation on an injected clock (AWS KMS "Rotating AWS KMS keys"). */
import assert from 'node:assert/strict';
import { DAY, makeKms, rejectsWith, tempHome, text, utf8 } from './helpers.js';

describe('kms: key versions and rotation', () => {
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('a year on the clock adds a version at its scheduled date; old ciphertexts still decrypt', async () => {
    const { kms, clock } = makeKms(env.home);
    const start = clock().getTime();
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    const before = await kms.Encrypt({ KeyId: id, Plaintext: utf8('old'), EncryptionContext: { v: '1' } });
    await kms.EnableKeyRotation({ KeyId: id });
    const status = await kms.GetKeyRotationStatus({ KeyId: id });
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 365);
    assert.equal(status.NextRotationDate?.getTime(), start + 365 * DAY);
    assert.equal((await kms.ListKeyRotations({ KeyId: id })).Rotations.length, 0);

    clock.advance(366 * DAY);
    const after = await kms.Encrypt({ KeyId: id, Plaintext: utf8('new'), EncryptionContext: { v: '2' } });
    const rotations = (await kms.ListKeyRotations({ KeyId: id })).Rotations;
    assert.equal(rotations.length, 1);
    assert.equal(rotations[0]!.RotationType, 'AUTOMATIC');
    assert.equal(rotations[0]!.RotationDate.getTime(), start + 365 * DAY, 'dated at the scheduled time, not at first use');
    const d1 = await kms.Decrypt({ CiphertextBlob: before.CiphertextBlob, EncryptionContext: { v: '1' } });
    const d2 = await kms.Decrypt({ CiphertextBlob: after.CiphertextBlob, EncryptionContext: { v: '2' } });
    assert.equal(text(d1.Plaintext), 'old');
    assert.equal(text(d2.Plaintext), 'new');
    assert.notEqual(d1.KeyMaterialId, d2.KeyMaterialId);
    assert.equal(d2.KeyMaterialId, rotations[0]!.KeyMaterialId, 'new ciphertexts use the newest version');
    assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.CurrentKeyMaterialId, rotations[0]!.KeyMaterialId);
    assert.equal((await kms.GetKeyRotationStatus({ KeyId: id })).NextRotationDate?.getTime(), start + 730 * DAY);
  });

  it('several missed periods are applied with their own dates; custom RotationPeriodInDays 90..2560', async () => {
    const { kms, clock } = makeKms(env.home);
    const start = clock().getTime();
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await rejectsWith(kms.EnableKeyRotation({ KeyId: id, RotationPeriodInDays: 89 }), 'ValidationException');
    await rejectsWith(kms.EnableKeyRotation({ KeyId: id, RotationPeriodInDays: 2561 }), 'ValidationException');
    await kms.EnableKeyRotation({ KeyId: id, RotationPeriodInDays: 90 });
    clock.advance(300 * DAY);
    const rotations = (await kms.ListKeyRotations({ KeyId: id })).Rotations;
    assert.deepEqual(rotations.map((r) => (r.RotationDate.getTime() - start) / DAY), [90, 180, 270]);
  });

  it('disabled keys are not rotated; a re-enabled key catches up on next use', async () => {
    const { kms, clock } = makeKms(env.home);
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await kms.EnableKeyRotation({ KeyId: id });
    await kms.DisableKey({ KeyId: id });
    clock.advance(400 * DAY);
    assert.equal((await kms.ListKeyRotations({ KeyId: id })).Rotations.length, 0);
    await kms.EnableKey({ KeyId: id });
    assert.equal((await kms.ListKeyRotations({ KeyId: id })).Rotations.length, 1);
  });

  it('DisableKeyRotation stops rotation', async () => {
    const { kms, clock } = makeKms(env.home);
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await kms.EnableKeyRotation({ KeyId: id });
    await kms.DisableKeyRotation({ KeyId: id });
    assert.equal((await kms.GetKeyRotationStatus({ KeyId: id })).KeyRotationEnabled, false);
    clock.advance(800 * DAY);
    assert.equal((await kms.ListKeyRotations({ KeyId: id })).Rotations.length, 0);
  });

  it('RotateKeyOnDemand adds an ON_DEMAND version immediately, up to the limit', async () => {
    const { kms } = makeKms(env.home);
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    const old = await kms.Encrypt({ KeyId: id, Plaintext: utf8('x') });
    await kms.RotateKeyOnDemand({ KeyId: id });
    const r = (await kms.ListKeyRotations({ KeyId: id })).Rotations;
    assert.equal(r.length, 1);
    assert.equal(r[0]!.RotationType, 'ON_DEMAND');
    assert.ok((await kms.GetKeyRotationStatus({ KeyId: id })).OnDemandRotationStartDate instanceof Date);
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: old.CiphertextBlob })).Plaintext), 'x');
    for (let i = 1; i < 10; i++) await kms.RotateKeyOnDemand({ KeyId: id });
    await rejectsWith(kms.RotateKeyOnDemand({ KeyId: id }), 'LimitExceededException');
  });

  it('not for asymmetric, HMAC or imported keys', async () => {
    const { kms } = makeKms(env.home);
    const hmacKey = (await kms.CreateKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
    const ecc = (await kms.CreateKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    const ext = (await kms.CreateKey({ Origin: 'EXTERNAL' })).KeyMetadata.KeyId;
    for (const id of [hmacKey, ecc]) {
      await rejectsWith(kms.EnableKeyRotation({ KeyId: id }), 'UnsupportedOperationException');
      await rejectsWith(kms.RotateKeyOnDemand({ KeyId: id }), 'UnsupportedOperationException');
      await rejectsWith(kms.GetKeyRotationStatus({ KeyId: id }), 'UnsupportedOperationException');
    }
    // Imported material is never rotated by KMS, in any key state: AWS answers UnsupportedOperationException
    // ("origin is EXTERNAL which is not valid for this operation") before looking at the state.
    await rejectsWith(kms.EnableKeyRotation({ KeyId: ext }), 'UnsupportedOperationException');
    await kms.ScheduleKeyDeletion({ KeyId: ext });
    await rejectsWith(kms.EnableKeyRotation({ KeyId: ext }), 'UnsupportedOperationException');
  });

  it('scheduled work is only done when due: reads do not rewrite the store', async () => {
    const { kms, clock, store } = makeKms(env.home);
    const id = (await kms.CreateKey({ MultiRegion: true })).KeyMetadata.KeyId;
    await kms.EnableKeyRotation({ KeyId: id });
    await kms.ReplicateKey({ KeyId: id, ReplicaRegion: 'us-west-2' });
    await kms.DisableKey({ KeyId: id });
    clock.advance(400 * DAY);
    const generation = store.read().generation;
    for (let i = 0; i < 3; i++) await kms.DescribeKey({ KeyId: id });
    assert.equal(store.read().generation, generation);
    const due = (store.read().sections.kms as { nextDueAt?: number }).nextDueAt;
    assert.ok(due === undefined || due > clock().getTime(), 'a disabled primary with an enabled replica is not "due" forever');
  });

  it('Encrypt, Decrypt and GenerateDataKey never take the keystore lock (until a rotation is due)', async () => {
    const { kms, clock, store } = makeKms(env.home);
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await kms.EnableKeyRotation({ KeyId: id, RotationPeriodInDays: 90 });
    const update = store.update.bind(store);
    let updates = 0;
    store.update = ((fn: Parameters<typeof update>[0]) => { updates++; return update(fn); }) as typeof store.update;
    clock.advance(90 * DAY - 1);
    for (let i = 0; i < 3; i++) {
      const ct = await kms.Encrypt({ KeyId: id, Plaintext: utf8('hot path') });
      await kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob });
      await kms.GenerateDataKey({ KeyId: id, KeySpec: 'AES_256' });
    }
    assert.equal(updates, 0);
    clock.advance(1);
    await kms.Encrypt({ KeyId: id, Plaintext: utf8('rotated') });
    await kms.Encrypt({ KeyId: id, Plaintext: utf8('rotated') });
    assert.equal(updates, 1, 'the due rotation is applied once');
  });

  it('rotation survives reopening the keystore (versions are persisted)', async () => {
    const { kms, clock } = makeKms(env.home);
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await kms.EnableKeyRotation({ KeyId: id });
    const old = await kms.Encrypt({ KeyId: id, Plaintext: utf8('persist') });
    clock.advance(365 * DAY);
    const reopened = makeKms(env.home, { clock, seed: 'other' }).kms;
    assert.equal((await reopened.ListKeyRotations({ KeyId: id })).Rotations.length, 1);
    assert.equal(text((await reopened.Decrypt({ CiphertextBlob: old.CiphertextBlob })).Plaintext), 'persist');
    assert.equal((await kms.ListKeyRotations({ KeyId: id })).Rotations.length, 1, 'the first instance sees the change on disk');
  });
});
