/** Kms key management: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, tags, aliases, deletion. */
import assert from 'node:assert/strict';
import { DAY, makeKms, MemoryAudit, rejectsWith, tempHome, utf8 } from './helpers.js';
import { rootCaller } from '../../../packages/core/src/kms/call-context.js';

describe('kms: keys, tags, aliases, deletion', () => {
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('CreateKey returns AWS-shaped KeyMetadata with the default key policy', async () => {
    const { kms } = makeKms(env.home);
    const { KeyMetadata: md } = await kms.CreateKey({ Description: 'app key', Tags: [{ TagKey: 'team', TagValue: 'a' }] });
    assert.match(md.KeyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(md.Arn, `arn:aws:kms:us-east-1:111122223333:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, '111122223333');
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.Enabled, true);
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.ok(md.CreationDate instanceof Date);
    const rec = (kms.store.read().sections.kms as { keys: Record<string, { policy: string }> }).keys[md.Arn]!;
    const policy = JSON.parse(rec.policy);
    assert.equal(policy.Statement[0].Sid, 'Enable IAM User Permissions');
    assert.equal(policy.Statement[0].Principal.AWS, 'arn:aws:iam::111122223333:root');
  });

  it('CreateKey validates spec/usage, policy and tags', async () => {
    const { kms } = makeKms(env.home);
    await rejectsWith(kms.CreateKey({ KeySpec: 'HMAC_256', KeyUsage: 'ENCRYPT_DECRYPT' }), 'ValidationException');
    await rejectsWith(kms.CreateKey({ KeySpec: 'ECC_NIST_P256' }), 'ValidationException'); // KeyUsage required, as in AWS
    await rejectsWith(kms.CreateKey({ KeySpec: 'NOPE' as never }), 'ValidationException');
    await rejectsWith(kms.CreateKey({ Policy: '{not json' }), 'MalformedPolicyDocumentException');
    await rejectsWith(kms.CreateKey({ Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] }), 'TagException');
    const p = JSON.stringify({ Version: '2012-10-17', Id: 'custom', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] });
    const { KeyMetadata } = await kms.CreateKey({ Policy: p });
    const rec = (kms.store.read().sections.kms as { keys: Record<string, { policy: string }> }).keys[KeyMetadata.Arn]!;
    assert.equal(rec.policy, p, 'policy stored verbatim');
  });

  it('every identifier form resolves: key id, key ARN, alias, alias ARN', async () => {
    const { kms } = makeKms(env.home);
    const { KeyMetadata: md } = await kms.CreateKey();
    await kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: md.KeyId });
    for (const id of [md.KeyId, md.Arn, 'alias/app', 'arn:aws:kms:us-east-1:111122223333:alias/app']) {
      assert.equal((await kms.DescribeKey({ KeyId: id })).KeyMetadata.KeyId, md.KeyId, id);
    }
    await rejectsWith(kms.DescribeKey({ KeyId: 'alias/missing' }), 'NotFoundException');
    await rejectsWith(kms.DescribeKey({ KeyId: '11111111-2222-4333-8444-555555555555' }), 'NotFoundException');
    await rejectsWith(kms.DescribeKey({ KeyId: 'not a key' }), 'NotFoundException');
    await rejectsWith(kms.DescribeKey({ KeyId: md.Arn.replace('us-east-1', 'eu-west-1') }), 'NotFoundException');
  });

  it('ListKeys paginates with Marker/Truncated and is scoped to account and region', async () => {
    const { kms } = makeKms(env.home);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await kms.CreateKey()).KeyMetadata.KeyId);
    await kms.CreateKey({}, rootCaller('444455556666'));
    const first = await kms.ListKeys({ Limit: 2 });
    assert.equal(first.Keys.length, 2);
    assert.equal(first.Truncated, true);
    const all = [...first.Keys];
    let marker = first.NextMarker;
    while (marker) {
      const page = await kms.ListKeys({ Limit: 2, Marker: marker });
      all.push(...page.Keys);
      marker = page.NextMarker;
    }
    assert.deepEqual(all.map((k) => k.KeyId).sort(), [...ids].sort());
    await rejectsWith(kms.ListKeys({ Marker: '!!' }), 'InvalidMarkerException');
    assert.equal((await kms.ListKeys({}, { ...rootCaller(), region: 'eu-west-1' })).Keys.length, 0);
  });

  it('UpdateKeyDescription, TagResource, UntagResource, ListResourceTags', async () => {
    const { kms } = makeKms(env.home);
    const { KeyMetadata: md } = await kms.CreateKey();
    await kms.UpdateKeyDescription({ KeyId: md.KeyId, Description: 'new' });
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.Description, 'new');
    await kms.TagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'b', TagValue: '2' }, { TagKey: 'a', TagValue: '1' }] });
    await kms.TagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'a', TagValue: '9' }] });
    assert.deepEqual((await kms.ListResourceTags({ KeyId: md.KeyId })).Tags, [{ TagKey: 'a', TagValue: '9' }, { TagKey: 'b', TagValue: '2' }]);
    await kms.UntagResource({ KeyId: md.KeyId, TagKeys: ['a'] });
    assert.deepEqual((await kms.ListResourceTags({ KeyId: md.KeyId })).Tags, [{ TagKey: 'b', TagValue: '2' }]);
    const many = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: '' }));
    await rejectsWith(kms.TagResource({ KeyId: md.KeyId, Tags: many }), 'TagException');
  });

  it('aliases: create, duplicate, reserved names, update, list, delete', async () => {
    const { kms } = makeKms(env.home);
    const a = (await kms.CreateKey()).KeyMetadata;
    const b = (await kms.CreateKey()).KeyMetadata;
    await kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: a.Arn });
    await rejectsWith(kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId }), 'AlreadyExistsException');
    await rejectsWith(kms.CreateAlias({ AliasName: 'alias/aws/s3', TargetKeyId: b.KeyId }), 'InvalidAliasNameException');
    await rejectsWith(kms.CreateAlias({ AliasName: 'app', TargetKeyId: b.KeyId }), 'ValidationException');
    await kms.UpdateAlias({ AliasName: 'alias/app', TargetKeyId: b.KeyId });
    assert.equal((await kms.DescribeKey({ KeyId: 'alias/app' })).KeyMetadata.KeyId, b.KeyId);
    const hmacKey = (await kms.CreateKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata;
    await rejectsWith(kms.UpdateAlias({ AliasName: 'alias/app', TargetKeyId: hmacKey.KeyId }), 'ValidationException');
    await rejectsWith(kms.UpdateAlias({ AliasName: 'alias/none', TargetKeyId: b.KeyId }), 'NotFoundException');
    const list = await kms.ListAliases();
    assert.deepEqual(list.Aliases.map((x) => [x.AliasName, x.TargetKeyId, x.AliasArn]), [['alias/app', b.KeyId, 'arn:aws:kms:us-east-1:111122223333:alias/app']]);
    assert.equal((await kms.ListAliases({ KeyId: a.KeyId })).Aliases.length, 0);
    await kms.DeleteAlias({ AliasName: 'alias/app' });
    await rejectsWith(kms.DescribeKey({ KeyId: 'alias/app' }), 'NotFoundException');
    await rejectsWith(kms.DeleteAlias({ AliasName: 'alias/app' }), 'NotFoundException');
  });

  it('ScheduleKeyDeletion (7-30 days) and CancelKeyDeletion; after the window the key and its ciphertexts are gone', async () => {
    const { kms, clock } = makeKms(env.home);
    const { KeyMetadata: md } = await kms.CreateKey();
    await kms.CreateAlias({ AliasName: 'alias/doomed', TargetKeyId: md.KeyId });
    const ct = await kms.Encrypt({ KeyId: md.KeyId, Plaintext: utf8('secret') });
    await rejectsWith(kms.ScheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 6 }), 'ValidationException');
    await rejectsWith(kms.ScheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 31 }), 'ValidationException');
    const s = await kms.ScheduleKeyDeletion({ KeyId: md.KeyId });
    assert.equal(s.PendingWindowInDays, 30);
    assert.equal(s.KeyState, 'PendingDeletion');
    assert.equal(s.DeletionDate.getTime(), clock().getTime() + 30 * DAY);
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.DeletionDate?.getTime(), s.DeletionDate.getTime());
    await rejectsWith(kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }), 'KMSInvalidStateException');
    await kms.CancelKeyDeletion({ KeyId: md.KeyId });
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.KeyState, 'Disabled');
    await kms.EnableKey({ KeyId: md.KeyId });
    await kms.ScheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    clock.advance(7 * DAY - 1);
    assert.equal((await kms.DescribeKey({ KeyId: md.KeyId })).KeyMetadata.KeyState, 'PendingDeletion');
    clock.advance(1);
    await rejectsWith(kms.DescribeKey({ KeyId: md.KeyId }), 'NotFoundException');
    await rejectsWith(kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob }), 'NotFoundException');
    await rejectsWith(kms.DescribeKey({ KeyId: 'alias/doomed' }), 'NotFoundException');
    const raw = kms.store.read().sections.kms as { keys: Record<string, unknown> };
    assert.equal(raw.keys[md.Arn], undefined, 'record and sealed material removed from the store');
  });

  it('another account cannot use the key (default authorizer) and every call is audited without plaintext', async () => {
    const audit = new MemoryAudit();
    const { kms } = makeKms(env.home, { audit });
    const { KeyMetadata: md } = await kms.CreateKey();
    const other = rootCaller('444455556666');
    const err = await rejectsWith(kms.Encrypt({ KeyId: md.Arn, Plaintext: utf8('top secret') }, other), 'AccessDeniedException');
    assert.match(err.message, /arn:aws:iam::444455556666:root is not authorized to perform: kms:Encrypt/);
    await kms.Encrypt({ KeyId: md.KeyId, Plaintext: utf8('top secret'), EncryptionContext: { purpose: 'test' } });
    const ops = audit.events.map((e) => [e.operation, e.errorCode ?? 'ok']);
    assert.deepEqual(ops, [['CreateKey', 'ok'], ['Encrypt', 'AccessDeniedException'], ['Encrypt', 'ok']]);
    const enc = audit.events[2]!;
    assert.deepEqual(enc.resources, [md.Arn]);
    assert.deepEqual(enc.requestParameters, { KeyId: md.KeyId, EncryptionContext: { purpose: 'test' } });
    assert.equal(enc.responseElements?.KeyId, md.Arn);
    assert.ok(!JSON.stringify(audit.events).includes('top secret'));
    assert.ok(!JSON.stringify(enc).includes('CiphertextBlob'));
  });

  it('a message or key material passed with the wrong type (a string) is not audited either', async () => {
    const audit = new MemoryAudit();
    const { kms } = makeKms(env.home, { audit });
    const { KeyMetadata: md } = await kms.CreateKey();
    const secret = 'top secret' as unknown as Uint8Array;
    await rejectsWith(kms.GenerateMac({ KeyId: md.KeyId, Message: secret, MacAlgorithm: 'HMAC_SHA_256' }), 'ValidationException');
    await rejectsWith(kms.Sign({ KeyId: md.KeyId, Message: secret, SigningAlgorithm: 'ECDSA_SHA_256' }), 'ValidationException');
    await rejectsWith(kms.ImportKeyMaterial({ KeyId: md.KeyId, ImportToken: secret, EncryptedKeyMaterial: secret }), 'ValidationException');
    assert.equal(audit.events.length, 4);
    assert.ok(!JSON.stringify(audit.events).includes('top secret'));
  });
});
