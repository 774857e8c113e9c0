/**
 * Access control through the Kms door: default policies, IAM delegation, lockout check,
 * cross-account use audited in both accounts, grants (tokens, constraints, Name idempotency,
 * retire/revoke), explain, throttling, and no plaintext in any audit file.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { openAuditLogFor } from '../../../packages/core/src/kms/audit-log-sink.js';
import { RequestQuota } from '../../../packages/core/src/policy/request-quota.js';
import type { CallContext } from '../../../packages/core/src/kms/call-context.js';
import { ROOT_KEY, seededRandom, tempHome, testClock, utf8 } from '../kms/helpers.js';

const A = '111122223333';
const B = '444455556666';
const SECRET = 'PLAINTEXT-MUST-NOT-LEAK-4711';
const as = (principal: string, accountId = A): CallContext => ({ principal, accountId });
const ROOT = as(`arn:aws:iam::${A}:root`);
const ALICE = as(`arn:aws:iam::${A}:user/alice`);
const WORKER = as(`arn:aws:iam::${A}:role/Worker`);
const BOB_B = as(`arn:aws:iam::${B}:user/bob`, B);
const ROOT_B = as(`arn:aws:iam::${B}:root`, B);
const iamAllow = (actions: string | string[], resource = '*') =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Allow', Effect: 'Allow', Action: actions, Resource: resource }] });

async function rejects(p: Promise<unknown>, name: string, re?: RegExp) {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('access control through the Kms door', function () {
  this.timeout(60_000);
  let env: ReturnType<typeof tempHome>;
  let kms: Kms;
  let iam: Iam;
  let store: Keystore;
  let clock: ReturnType<typeof testClock>;
  let audit: AuditLog;

  beforeEach(async () => {
    env = tempHome('envelope-access-');
    clock = testClock();
    const random = seededRandom(env.home);
    store = Keystore.open({ home: env.home, rootKey: ROOT_KEY, clock, random });
    kms = new Kms({ store, clock, random });
    iam = new Iam({ store });
    audit = openAuditLogFor(store);
    await iam.CreateUser({ UserName: 'alice' });
    await iam.CreateRole({ RoleName: 'Worker' });
    await iam.CreateAccount({ AccountId: B });
    await iam.CreateUser({ UserName: 'bob', AccountId: B });
  });
  afterEach(() => env.cleanup());

  it('the default key policy: root may use the key, an IAM user needs an IAM policy', async () => {
    const { KeyMetadata } = await kms.CreateKey({}, ROOT);
    const KeyId = KeyMetadata.KeyId;
    await kms.Encrypt({ KeyId, Plaintext: utf8(SECRET) }, ROOT);
    await rejects(kms.Encrypt({ KeyId, Plaintext: utf8(SECRET) }, ALICE), 'AccessDeniedException',
      /alice is not authorized to perform: kms:Encrypt .* because no IAM policy of .*alice allows kms:Encrypt/);
    await iam.PutUserPolicy({ UserName: 'alice', PolicyName: 'use', PolicyDocument: iamAllow(['kms:Encrypt', 'kms:Decrypt']) });
    const { CiphertextBlob } = await kms.Encrypt({ KeyId, Plaintext: utf8(SECRET) }, ALICE);
    await kms.Decrypt({ CiphertextBlob }, ALICE);
    await rejects(kms.ScheduleKeyDeletion({ KeyId }, ALICE), 'AccessDeniedException');
    // keyless operations follow IAM alone
    await rejects(kms.CreateKey({}, ALICE), 'AccessDeniedException', /only IAM policies apply/);
    await rejects(kms.Encrypt({ KeyId, Plaintext: utf8('x') }, as(`arn:aws:iam::${A}:user/ghost`)), 'AccessDeniedException', /does not exist/);
  });

  it('not even root can use a key whose policy does not allow it; the lockout check guards PutKeyPolicy', async () => {
    const onlyWorker = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'WorkerUse', Effect: 'Allow', Principal: { AWS: WORKER.principal }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
    ] });
    await rejects(kms.CreateKey({ Policy: onlyWorker }, ROOT), 'MalformedPolicyDocumentException', /will not allow you to update the key policy/);
    const { KeyMetadata } = await kms.CreateKey({ Policy: onlyWorker, BypassPolicyLockoutSafetyCheck: true }, ROOT);
    await rejects(kms.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('x') }, ROOT), 'AccessDeniedException', /no key policy statement/);
    await kms.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('x') }, WORKER);
    await rejects(kms.PutKeyPolicy({ KeyId: KeyMetadata.KeyId, Policy: onlyWorker }, ROOT), 'AccessDeniedException');

    const { KeyMetadata: k2 } = await kms.CreateKey({}, ROOT);
    await rejects(kms.PutKeyPolicy({ KeyId: k2.KeyId, Policy: onlyWorker }, ROOT), 'MalformedPolicyDocumentException', /BypassPolicyLockoutSafetyCheck/);
    const ghost = onlyWorker.replace('role/Worker', 'role/Ghost');
    await rejects(kms.PutKeyPolicy({ KeyId: k2.KeyId, Policy: ghost, BypassPolicyLockoutSafetyCheck: true }, ROOT), 'MalformedPolicyDocumentException', /invalid principals/);
    await rejects(kms.PutKeyPolicy({ KeyId: k2.KeyId, Policy: '{"Statement": []}' }, ROOT), 'MalformedPolicyDocumentException', /must not be empty/);
    await rejects(kms.GetKeyPolicy({ KeyId: k2.KeyId, PolicyName: 'other' }, ROOT), 'ValidationException');
    assert.deepEqual((await kms.ListKeyPolicies({ KeyId: k2.KeyId }, ROOT)).PolicyNames, ['default']);
    assert.match((await kms.GetKeyPolicy({ KeyId: k2.KeyId }, ROOT)).Policy, /Enable IAM User Permissions/);
    await kms.PutKeyPolicy({ KeyId: k2.KeyId, Policy: onlyWorker, BypassPolicyLockoutSafetyCheck: true }, ROOT);
    assert.equal((await kms.GetKeyPolicy({ KeyId: k2.KeyId }, WORKER).catch((e: Error) => e.name)), 'AccessDeniedException');
  });

  it('cross-account: key policy AND the caller\'s IAM policy; audited in both accounts', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT.principal }, Action: 'kms:*', Resource: '*' },
      { Sid: 'AllowAccountB', Effect: 'Allow', Principal: { AWS: B }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
    ] });
    const { KeyMetadata } = await kms.CreateKey({ Policy: policy }, ROOT);
    const KeyId = KeyMetadata.Arn;
    await rejects(kms.Encrypt({ KeyId, Plaintext: utf8(SECRET) }, BOB_B), 'AccessDeniedException', /cross-account: key policy statement "AllowAccountB" allows account 444455556666, but no IAM policy/);
    await iam.PutUserPolicy({ UserName: 'bob', AccountId: B, PolicyName: 'use-a-key', PolicyDocument: iamAllow(['kms:Encrypt', 'kms:Decrypt'], KeyMetadata.Arn) });
    const { CiphertextBlob } = await kms.Encrypt({ KeyId, Plaintext: utf8(SECRET), EncryptionContext: { purpose: 'share' } }, BOB_B);
    await kms.Decrypt({ CiphertextBlob, EncryptionContext: { purpose: 'share' } }, ROOT_B);
    await rejects(kms.ScheduleKeyDeletion({ KeyId }, ROOT_B), 'AccessDeniedException');

    const inB = audit.query({ accountId: B });
    const inA = audit.query({ accountId: A, principal: BOB_B.principal });
    assert.deepEqual(inB.map((e) => [e.eventName, e.errorCode ?? 'ok']),
      [['Encrypt', 'AccessDeniedException'], ['Encrypt', 'ok'], ['Decrypt', 'ok'], ['ScheduleKeyDeletion', 'AccessDeniedException']]);
    assert.equal(inA.length, 2);
    const okB = inB[1]!;
    const okA = inA[1]!;
    assert.equal(okB.recipientAccountId, B);
    assert.equal(okA.recipientAccountId, A);
    assert.ok(okB.sharedEventID && okB.sharedEventID === okA.sharedEventID);
    assert.notEqual(okB.eventID, okA.eventID);
    assert.equal(okB.requestID, okA.requestID);
    assert.deepEqual(okB.resources, [{ accountId: A, type: 'AWS::KMS::Key', ARN: KeyMetadata.Arn }]);
    assert.equal(okB.userIdentity.type, 'IAMUser');
    assert.deepEqual(okB.requestParameters, { KeyId: KeyMetadata.Arn, EncryptionContext: { purpose: 'share' } });
    assert.ok(audit.verify(A).ok && audit.verify(B).ok);
  });

  it('grants: tokens usable at once, constraints, Name idempotency, list, retire, revoke, limits', async () => {
    const { KeyMetadata } = await kms.CreateKey({}, ROOT);
    const KeyId = KeyMetadata.KeyId;
    const ec = { tenant: 't1' };
    const { CiphertextBlob } = await kms.Encrypt({ KeyId, Plaintext: utf8(SECRET), EncryptionContext: { ...ec, extra: 'y' } }, ROOT);
    await rejects(kms.Decrypt({ CiphertextBlob, EncryptionContext: { ...ec, extra: 'y' } }, WORKER), 'AccessDeniedException');
    const g1 = await kms.CreateGrant({
      KeyId, GranteePrincipal: WORKER.principal, RetiringPrincipal: ALICE.principal, Operations: ['Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: ec }, Name: 'worker-decrypt',
    }, ROOT);
    assert.match(g1.GrantId, /^[0-9a-f]{64}$/);
    const out = await kms.Decrypt({ CiphertextBlob, EncryptionContext: { ...ec, extra: 'y' }, GrantTokens: [g1.GrantToken] }, WORKER);
    assert.equal(new TextDecoder().decode(out.Plaintext), SECRET);
    await rejects(kms.Encrypt({ KeyId, Plaintext: utf8('x'), EncryptionContext: { tenant: 't2' } }, WORKER), 'AccessDeniedException');
    await rejects(kms.DescribeKey({ KeyId }, WORKER), 'AccessDeniedException');
    // Name idempotency: same parameters → same grant id, new token; different → new grant
    const again = await kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, RetiringPrincipal: ALICE.principal, Operations: ['Encrypt', 'Decrypt'], Constraints: { EncryptionContextSubset: ec }, Name: 'worker-decrypt' }, ROOT);
    assert.equal(again.GrantId, g1.GrantId);
    assert.notEqual(again.GrantToken, g1.GrantToken);
    const g2 = await kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, Operations: ['DescribeKey', 'CreateGrant', 'RetireGrant'], Name: 'worker-decrypt' }, ROOT);
    assert.notEqual(g2.GrantId, g1.GrantId);
    await kms.DescribeKey({ KeyId }, WORKER);
    const list = await kms.ListGrants({ KeyId }, ROOT);
    assert.deepEqual(list.Grants.map((g) => g.GrantId).sort(), [g1.GrantId, g2.GrantId].sort());
    assert.deepEqual((await kms.ListRetirableGrants({ RetiringPrincipal: ALICE.principal }, ROOT)).Grants.map((g) => g.GrantId), [g1.GrantId]);
    // a grant's CreateGrant permission: only a subset of its own operations
    await kms.CreateGrant({ KeyId, GranteePrincipal: ALICE.principal, Operations: ['DescribeKey'] }, WORKER);
    await rejects(kms.CreateGrant({ KeyId, GranteePrincipal: ALICE.principal, Operations: ['Decrypt'] }, WORKER), 'AccessDeniedException', /subset of its operations/);
    // request checks
    await rejects(kms.Decrypt({ CiphertextBlob, GrantTokens: Array(11).fill(g1.GrantToken) }, WORKER), 'ValidationException', /less than or equal to 10/);
    await rejects(kms.Decrypt({ CiphertextBlob, GrantTokens: ['not-a-token'] }, WORKER), 'InvalidGrantTokenException');
    await rejects(kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, Operations: ['Sign'] }, ROOT), 'ValidationException', /not valid for a SYMMETRIC_DEFAULT/);
    // DryRun answers as the call would: the key-dependent checks run first, and nothing is created
    await rejects(kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, Operations: ['Sign'], DryRun: true }, ROOT), 'ValidationException', /not valid for a SYMMETRIC_DEFAULT/);
    const grantsBefore = (await kms.ListGrants({ KeyId }, ROOT)).Grants.length;
    await rejects(kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, Operations: ['Decrypt'], DryRun: true }, ROOT), 'DryRunOperationException');
    assert.equal((await kms.ListGrants({ KeyId }, ROOT)).Grants.length, grantsBefore);
    await rejects(kms.CreateGrant({ KeyId, GranteePrincipal: 'nobody', Operations: ['Decrypt'] }, ROOT), 'ValidationException', /GranteePrincipal/);
    // retire: only the retiring principal / grantee with RetireGrant / the key's account
    await rejects(kms.RetireGrant({ GrantToken: g1.GrantToken }, WORKER), 'AccessDeniedException');
    await rejects(kms.RetireGrant({ GrantToken: g1.GrantToken, DryRun: true }, WORKER), 'AccessDeniedException'); // DryRun checks who may retire
    await rejects(kms.RetireGrant({ GrantToken: g1.GrantToken, DryRun: true }, ALICE), 'DryRunOperationException');
    await kms.RetireGrant({ GrantToken: g1.GrantToken }, ALICE);
    await rejects(kms.RetireGrant({ GrantToken: g1.GrantToken, DryRun: true }, ALICE), 'NotFoundException');
    await rejects(kms.Decrypt({ CiphertextBlob, EncryptionContext: { ...ec, extra: 'y' } }, WORKER), 'AccessDeniedException');
    await kms.RetireGrant({ KeyId: KeyMetadata.Arn, GrantId: g2.GrantId }, WORKER);
    const g3 = await kms.CreateGrant({ KeyId, GranteePrincipal: WORKER.principal, Operations: ['GenerateDataKey'] }, ROOT);
    await kms.GenerateDataKey({ KeyId, KeySpec: 'AES_256' }, WORKER);
    await kms.RevokeGrant({ KeyId, GrantId: g3.GrantId }, ROOT);
    await rejects(kms.GenerateDataKey({ KeyId, KeySpec: 'AES_256' }, WORKER), 'AccessDeniedException');
    await rejects(kms.RevokeGrant({ KeyId, GrantId: g3.GrantId }, ROOT), 'NotFoundException');
  });


  it('a deleted key takes its grants with it (not while its deletion can still be cancelled)', async () => {
    const gone = (await kms.CreateKey({}, ROOT)).KeyMetadata;
    const kept = (await kms.CreateKey({}, ROOT)).KeyMetadata;
    const onGone = await kms.CreateGrant({ KeyId: gone.KeyId, GranteePrincipal: WORKER.principal, RetiringPrincipal: ALICE.principal, Operations: ['Decrypt'] }, ROOT);
    const onKept = await kms.CreateGrant({ KeyId: kept.KeyId, GranteePrincipal: WORKER.principal, Operations: ['Decrypt'] }, ROOT);
    const stored = () => Object.keys((store.read().sections.grants as { grants: Record<string, unknown> } | undefined)?.grants ?? {}).sort();
    await kms.ScheduleKeyDeletion({ KeyId: gone.KeyId, PendingWindowInDays: 7 }, ROOT);
    clock.advance(6 * 86_400_000);
    await kms.ListKeys({}, ROOT);
    assert.deepEqual(stored(), [onGone.GrantId, onKept.GrantId].sort(), 'kept during the waiting period');
    clock.advance(2 * 86_400_000);
    await kms.ListKeys({}, ROOT); // the next call finalises the deletion
    assert.deepEqual(stored(), [onKept.GrantId]);
    assert.deepEqual((await kms.ListRetirableGrants({ RetiringPrincipal: ALICE.principal }, ROOT)).Grants, []);
  });
  it('ReEncrypt needs kms:ReEncryptFrom on the source and kms:ReEncryptTo on the destination', async () => {
    const { KeyMetadata: src } = await kms.CreateKey({}, ROOT);
    const { KeyMetadata: dst } = await kms.CreateKey({}, ROOT);
    const { CiphertextBlob } = await kms.Encrypt({ KeyId: src.KeyId, Plaintext: utf8(SECRET) }, ROOT);
    await kms.CreateGrant({ KeyId: src.KeyId, GranteePrincipal: WORKER.principal, Operations: ['ReEncryptFrom'] }, ROOT);
    await rejects(kms.ReEncrypt({ CiphertextBlob, DestinationKeyId: dst.KeyId }, WORKER), 'AccessDeniedException', /kms:ReEncryptTo/);
    await kms.CreateGrant({ KeyId: dst.KeyId, GranteePrincipal: WORKER.principal, Operations: ['ReEncryptTo'] }, ROOT);
    const out = await kms.ReEncrypt({ CiphertextBlob, DestinationKeyId: dst.KeyId }, WORKER);
    assert.equal(out.KeyId, dst.Arn);
    await rejects(kms.Decrypt({ CiphertextBlob: out.CiphertextBlob }, WORKER), 'AccessDeniedException', /kms:Decrypt/);
  });

  it('ReEncrypt checks each key against its own encryption context (source vs destination)', async () => {
    const { KeyMetadata: src } = await kms.CreateKey({}, ROOT);
    const { KeyMetadata: dst } = await kms.CreateKey({}, ROOT);
    const t1 = await kms.Encrypt({ KeyId: src.KeyId, Plaintext: utf8(SECRET), EncryptionContext: { tenant: 't1' } }, ROOT);
    const t2 = await kms.Encrypt({ KeyId: src.KeyId, Plaintext: utf8(SECRET), EncryptionContext: { tenant: 't2' } }, ROOT);
    await kms.CreateGrant({ KeyId: src.KeyId, GranteePrincipal: WORKER.principal, Operations: ['ReEncryptFrom'], Constraints: { EncryptionContextSubset: { tenant: 't1' } } }, ROOT);
    await kms.CreateGrant({ KeyId: dst.KeyId, GranteePrincipal: WORKER.principal, Operations: ['ReEncryptTo'] }, ROOT);
    // The grant on the source reaches tenant t1's ciphertexts, whatever the destination context.
    await kms.ReEncrypt({ CiphertextBlob: t1.CiphertextBlob, SourceEncryptionContext: { tenant: 't1' }, DestinationKeyId: dst.KeyId }, WORKER);
    // A destination context naming t1 does not open tenant t2's ciphertexts.
    await rejects(kms.ReEncrypt({
      CiphertextBlob: t2.CiphertextBlob, SourceEncryptionContext: { tenant: 't2' }, DestinationKeyId: dst.KeyId, DestinationEncryptionContext: { tenant: 't1' },
    }, WORKER), 'AccessDeniedException', /kms:ReEncryptFrom/);
  });

  it('kms:GrantIsForAWSResource is true only when an integrated service creates the grant', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT.principal }, Action: 'kms:*', Resource: '*' },
      { Sid: 'Allow attachment of persistent resources', Effect: 'Allow', Principal: { AWS: ALICE.principal }, Action: 'kms:CreateGrant', Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ] });
    const { KeyMetadata } = await kms.CreateKey({ Policy: policy }, ROOT);
    const req = { KeyId: KeyMetadata.KeyId, GranteePrincipal: WORKER.principal, Operations: ['Decrypt' as const] };
    await rejects(kms.CreateGrant(req, ALICE), 'AccessDeniedException');
    const viaEc2 = { ...ALICE, viaService: 'ec2.us-east-1.amazonaws.com' };
    assert.match((await kms.CreateGrant(req, viaEc2)).GrantId, /^[0-9a-f]{64}$/);
    const [e] = audit.query({ accountId: A, eventName: 'CreateGrant', error: false });
    assert.equal(e!.userIdentity.invokedBy, 'ec2.us-east-1.amazonaws.com');
    assert.equal(e!.sourceIPAddress, 'ec2.us-east-1.amazonaws.com');
  });

  it('explain names the deciding statements and grants', async () => {
    const { KeyMetadata } = await kms.CreateKey({}, ROOT);
    await kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: KeyMetadata.KeyId }, ROOT);
    let d = kms.explain({ Principal: 'user/alice', Action: 'Encrypt', KeyId: 'alias/app' });
    assert.equal(d.decision, 'Deny');
    assert.match(d.reason, /no IAM policy/);
    await iam.PutUserPolicy({ UserName: 'alice', PolicyName: 'enc', PolicyDocument: iamAllow('kms:Encrypt') });
    d = kms.explain({ Principal: 'user/alice', Action: 'kms:Encrypt', KeyId: 'alias/app' });
    assert.equal(d.decision, 'Allow');
    assert.deepEqual(d.deciding.map((m) => [m.source, m.label]), [['key-policy', 'Enable IAM User Permissions'], ['iam-policy', 'Allow']]);
    assert.equal(d.KeyArn, KeyMetadata.Arn);
    const g = await kms.CreateGrant({ KeyId: KeyMetadata.KeyId, GranteePrincipal: WORKER.principal, Operations: ['Decrypt'] }, ROOT);
    d = kms.explain({ Principal: WORKER.principal, Action: 'Decrypt', KeyId: KeyMetadata.Arn });
    assert.deepEqual([d.decision, d.basis, d.grants.map((x) => x.grantId)], ['Allow', 'grant', [g.GrantId]]);
    // keyless actions: IAM policies alone
    assert.equal(kms.explain({ Principal: 'user/alice', Action: 'kms:CreateKey' }).decision, 'Deny');
    assert.deepEqual([kms.explain({ Principal: 'root', Action: 'CreateKey' }).basis, kms.explain({ Principal: 'root', Action: 'CreateKey' }).KeyArn], ['account-root', undefined]);
    // explain is not audited
    assert.equal(audit.query({ eventName: 'Explain' }).length, 0);
  });

  it('audits every call, allowed or denied, with a valid chain and no plaintext anywhere', async () => {
    const { KeyMetadata } = await kms.CreateKey({}, ROOT);
    const { CiphertextBlob } = await kms.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8(SECRET) }, ROOT);
    await kms.Decrypt({ CiphertextBlob }, ROOT);
    await kms.GenerateDataKey({ KeyId: KeyMetadata.KeyId, KeySpec: 'AES_256' }, ROOT);
    await rejects(kms.Decrypt({ CiphertextBlob }, ALICE), 'AccessDeniedException');
    const events = audit.query({ accountId: A });
    assert.deepEqual(events.map((e) => [e.eventName, e.errorCode ?? 'ok']), [
      ['CreateKey', 'ok'], ['Encrypt', 'ok'], ['Decrypt', 'ok'], ['GenerateDataKey', 'ok'], ['Decrypt', 'AccessDeniedException'],
    ]);
    const denied = events[4]!;
    assert.match(denied.errorMessage!, /alice is not authorized to perform: kms:Decrypt/);
    assert.equal(denied.userIdentity.arn, ALICE.principal);
    assert.equal(events[0]!.responseElements?.KeyMetadata && (events[0]!.responseElements.KeyMetadata as { KeyId: string }).KeyId, KeyMetadata.KeyId);
    assert.equal(audit.query({ keyId: KeyMetadata.KeyId, error: true }).length, 1);
    assert.ok(audit.verify(A).ok);
    // a digest at the account's first event, and one on demand, signed with the key derived from the
    // audit secret sealed in the keystore, and anchored there
    assert.equal((await audit.writeDigest(A))?.endSequence, 5);
    assert.deepEqual([audit.verify(A).ok, audit.verify(A).signedThrough, audit.verify(A).anchoredThrough], [true, 5, 5]);
    assert.ok(!existsSync(join(env.home, 'audit', 'digest-signing.key.sealed')) && !existsSync(join(env.home, 'audit', 'digest-signing.key')));
    // a reader with the keystore (root key) verifies the same; the files alone prove nothing
    const reader = AuditLog.open({ dir: join(env.home, 'audit'), keystore: Keystore.open({ home: env.home, rootKey: ROOT_KEY }) });
    assert.equal(reader.publicKey, audit.publicKey);
    assert.deepEqual([reader.verify(A).ok, reader.verify(A).signedThrough], [true, 5]);
    await kms.DescribeKey({ KeyId: KeyMetadata.KeyId }, ROOT);
    const b64 = Buffer.from(SECRET).toString('base64');
    for (const f of filesUnder(join(env.home, 'audit'))) {
      const text = readFileSync(f, 'utf8');
      assert.ok(!text.includes(SECRET) && !text.includes(b64), `plaintext found in ${f}`);
      assert.ok(!text.includes(Buffer.from(CiphertextBlob).toString('base64')), `ciphertext blob found in ${f}`);
    }
  });

  it('an optional per-account quota throttles with ThrottlingException (audited)', async () => {
    const k2 = new Kms({ store, clock, random: seededRandom('q'), quota: new RequestQuota({ rate: 2, clock }) });
    const { KeyMetadata } = await k2.CreateKey({}, ROOT);
    await k2.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('a') }, ROOT);
    await k2.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('a') }, ROOT);
    await rejects(k2.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('a') }, ROOT), 'ThrottlingException', /2 requests per second/);
    await k2.DescribeKey({ KeyId: KeyMetadata.KeyId }, ROOT); // not a cryptographic operation
    await k2.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('a') }, ROOT_B).catch(() => undefined); // B has its own bucket
    clock.advance(1000);
    await k2.Encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('a') }, ROOT);
    assert.equal(audit.query({ error: 'ThrottlingException' }).length, 1);
    assert.equal(new RequestQuota({ rate: 'symmetric-50k', clock }).rate, 50_000);
  });
});
