/** Local IAM: accounts, users, roles, inline policies, access keys, profiles (lifecycle + errors). */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
import { ROOT_KEY, seededRandom, tempHome, testClock } from '../kms/helpers.js';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });

async function rejects(p: Promise<unknown>, name: string, re?: RegExp) {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

describe('iam: identities, policies, access keys, profiles', () => {
  let env: ReturnType<typeof tempHome>;
  let iam: Iam;
  let store: Keystore;
  beforeEach(() => {
    env = tempHome('envelope-iam-');
    const clock = testClock();
    store = Keystore.open({ home: env.home, rootKey: ROOT_KEY, clock, random: seededRandom('iam') });
    iam = new Iam({ store });
  });
  afterEach(() => env.cleanup());

  it('users: create, get, list, duplicate, delete', async () => {
    const { User } = await iam.CreateUser({ UserName: 'alice' });
    assert.equal(User.Arn, 'arn:aws:iam::111122223333:user/alice');
    assert.match(User.UserId, /^AIDA[A-Z2-7]{16}$/);
    assert.equal(iam.GetUser({ UserName: 'alice' }).User.Arn, User.Arn);
    await rejects(iam.CreateUser({ UserName: 'Alice' }), 'EntityAlreadyExistsException');
    await rejects(iam.CreateUser({ UserName: 'bad name' }), 'ValidationException', /UserName/);
    await iam.CreateUser({ UserName: 'bob', Path: '/eng/' });
    assert.deepEqual(iam.ListUsers().Users.map((u) => u.Arn), [User.Arn, 'arn:aws:iam::111122223333:user/eng/bob']);
    await iam.DeleteUser({ UserName: 'bob' });
    assert.throws(() => iam.GetUser({ UserName: 'bob' }), /cannot be found/);
    assert.ok(iam.principalExists(User.Arn));
    assert.ok(iam.principalExists('arn:aws:iam::999999999999:root'));
    assert.ok(!iam.principalExists('arn:aws:iam::111122223333:user/bob'));
  });

  it('accounts: other accounts must be created before use', async () => {
    await rejects(iam.CreateUser({ UserName: 'x', AccountId: '444455556666' }), 'NoSuchEntityException', /CreateAccount/);
    await iam.CreateAccount({ AccountId: '444455556666' });
    await rejects(iam.CreateAccount({ AccountId: '444455556666' }), 'EntityAlreadyExistsException');
    const { User } = await iam.CreateUser({ UserName: 'x', AccountId: '444455556666' });
    assert.equal(User.Arn, 'arn:aws:iam::444455556666:user/x');
    assert.deepEqual(iam.ListAccounts().Accounts.map((a) => [a.AccountId, a.Default]), [['111122223333', true], ['444455556666', false]]);
    assert.equal(iam.ListUsers().Users.length, 0);
  });

  it('roles and inline policies; DeleteConflict while policies remain', async () => {
    const { Role } = await iam.CreateRole({ RoleName: 'app', Description: 'the app' });
    assert.match(Role.RoleId, /^AROA/);
    await iam.PutRolePolicy({ RoleName: 'app', PolicyName: 'kms', PolicyDocument: POLICY });
    assert.deepEqual(iam.ListRolePolicies({ RoleName: 'app' }).PolicyNames, ['kms']);
    assert.equal(iam.GetRolePolicy({ RoleName: 'app', PolicyName: 'kms' }).PolicyDocument, POLICY);
    await rejects(iam.PutRolePolicy({ RoleName: 'app', PolicyName: 'bad', PolicyDocument: '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}' }),
      'MalformedPolicyDocumentException', /must not contain Principal/);
    await rejects(iam.DeleteRole({ RoleName: 'app' }), 'DeleteConflictException', /inline policies/);
    await iam.DeleteRolePolicy({ RoleName: 'app', PolicyName: 'kms' });
    await rejects(iam.DeleteRolePolicy({ RoleName: 'app', PolicyName: 'kms' }), 'NoSuchEntityException');
    await iam.DeleteRole({ RoleName: 'app' });
    await iam.CreateUser({ UserName: 'u' });
    await iam.PutUserPolicy({ UserName: 'u', PolicyName: 'p', PolicyDocument: POLICY });
    assert.equal(iam.GetUserPolicy({ UserName: 'u', PolicyName: 'p' }).PolicyDocument, POLICY);
    assert.deepEqual(iam.ListUserPolicies({ UserName: 'u' }).PolicyNames, ['p']);
    await iam.DeleteUserPolicy({ UserName: 'u', PolicyName: 'p' });
  });

  it('access keys: AKIA id, secret shown once and sealed at rest, lookup, limit 2, status, delete', async () => {
    await iam.CreateUser({ UserName: 'svc' });
    const { AccessKey } = await iam.CreateAccessKey({ UserName: 'svc' });
    assert.match(AccessKey.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(AccessKey.SecretAccessKey.length, 40);
    const raw = readFileSync(join(env.home, 'keystore.msgpack'));
    assert.ok(!raw.includes(Buffer.from(AccessKey.SecretAccessKey)), 'secret must be sealed at rest');
    const found = iam.lookupAccessKey(AccessKey.AccessKeyId)!;
    assert.deepEqual([found.principal, found.accountId, found.secretAccessKey, found.status],
      ['arn:aws:iam::111122223333:user/svc', '111122223333', AccessKey.SecretAccessKey, 'Active']);
    assert.equal(iam.lookupAccessKey('AKIAUNKNOWNUNKNOWN00'), undefined);
    await iam.CreateAccessKey({ UserName: 'svc' });
    await rejects(iam.CreateAccessKey({ UserName: 'svc' }), 'LimitExceededException');
    await iam.UpdateAccessKey({ UserName: 'svc', AccessKeyId: AccessKey.AccessKeyId, Status: 'Inactive' });
    assert.equal(iam.lookupAccessKey(AccessKey.AccessKeyId)!.status, 'Inactive');
    assert.equal(iam.ListAccessKeys({ UserName: 'svc' }).AccessKeyMetadata.length, 2);
    assert.ok(!JSON.stringify(iam.ListAccessKeys({ UserName: 'svc' })).includes(AccessKey.SecretAccessKey));
    await rejects(iam.DeleteUser({ UserName: 'svc' }), 'DeleteConflictException', /access keys/);
    for (const k of iam.ListAccessKeys({ UserName: 'svc' }).AccessKeyMetadata) await iam.DeleteAccessKey({ UserName: 'svc', AccessKeyId: k.AccessKeyId });
    await iam.DeleteUser({ UserName: 'svc' });
    // a second Iam over the same directory sees the same state
    const again = new Iam({ store: Keystore.open({ home: env.home, rootKey: ROOT_KEY }) });
    assert.equal(again.ListUsers().Users.length, 0);
  });

  it('access-key lookup unseals a secret once per TTL, and sees changes by another process at once', async () => {
    await iam.CreateUser({ UserName: 'svc' });
    const { AccessKey } = await iam.CreateAccessKey({ UserName: 'svc' });
    const clock = testClock();
    const sealer = store.sealer!;
    let opens = 0;
    const counting = { ...sealer, open: (b: Uint8Array, aad: string) => { opens++; return sealer.open(b, aad); } };
    const cached = new Iam({ store: { read: () => store.read(), update: (fn) => store.update(fn), sealer: counting } as typeof store, clock });
    for (let i = 0; i < 5; i++) assert.equal(cached.lookupAccessKey(AccessKey.AccessKeyId)!.secretAccessKey, AccessKey.SecretAccessKey);
    assert.equal(opens, 1);
    clock.advance(61_000);
    assert.equal(cached.lookupAccessKey(AccessKey.AccessKeyId)!.secretAccessKey, AccessKey.SecretAccessKey);
    assert.equal(opens, 2, 'unsealed again after the TTL');
    // Another process deactivates, then deletes the key: the next lookup sees it.
    const other = new Iam({ store: Keystore.open({ home: env.home, rootKey: ROOT_KEY }) });
    await other.UpdateAccessKey({ UserName: 'svc', AccessKeyId: AccessKey.AccessKeyId, Status: 'Inactive' });
    assert.equal(cached.lookupAccessKey(AccessKey.AccessKeyId)!.status, 'Inactive');
    await other.DeleteAccessKey({ UserName: 'svc', AccessKeyId: AccessKey.AccessKeyId });
    assert.equal(cached.lookupAccessKey(AccessKey.AccessKeyId), undefined);
  });

  it('profiles: default is the default account root; named profiles map to principals', async () => {
    assert.deepEqual(iam.resolveProfile(), { principal: 'arn:aws:iam::111122223333:root', accountId: '111122223333' });
    assert.deepEqual(iam.resolveProfile('default'), iam.resolveProfile());
    assert.throws(() => iam.resolveProfile('dev'), /envelope profile/);
    await rejects(iam.PutProfile({ ProfileName: 'dev', Principal: 'user/dev' }), 'NoSuchEntityException');
    await iam.CreateUser({ UserName: 'dev' });
    await iam.PutProfile({ ProfileName: 'dev', Principal: 'user/dev', Region: 'eu-west-1' });
    assert.deepEqual(iam.resolveProfile('dev'), { principal: 'arn:aws:iam::111122223333:user/dev', accountId: '111122223333', region: 'eu-west-1' });
    await iam.PutProfile({ ProfileName: 'other-root', Principal: 'arn:aws:iam::444455556666:root' });
    assert.equal(iam.resolveProfile('other-root').accountId, '444455556666');
    assert.deepEqual(iam.ListProfiles().Profiles.map((p) => p.ProfileName), ['default', 'dev', 'other-root']);
    await rejects(iam.DeleteUser({ UserName: 'dev' }), 'DeleteConflictException', /profile/);
    await iam.DeleteProfile({ ProfileName: 'dev' });
    await iam.DeleteUser({ UserName: 'dev' });
  });
});
