/**
 * Local STS (packages/core/src/sts): trust-policy evaluation for AssumeRole (direct and
 * account-delegated trust, sts:ExternalId, explicit Deny, cross-account, root refused, role
 * chaining), DurationSeconds limits, sealed session secrets, expiry, GetCallerIdentity.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
import { Sts } from '../../../packages/core/src/sts/sts.js';
import { ROOT_KEY, seededRandom, tempHome, testClock, type TestClock } from '../kms/helpers.js';

const A = '111122223333';
const B = '444455556666';
const caller = (principal: string) => ({ principal, accountId: principal.split(':')[4] as string });
const trust = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

async function rejects(p: Promise<unknown>, name: string, re?: RegExp) {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

describe('sts: AssumeRole, sessions, GetCallerIdentity', () => {
  let env: ReturnType<typeof tempHome>;
  let iam: Iam;
  let sts: Sts;
  let clock: TestClock;
  beforeEach(async () => {
    env = tempHome('envelope-sts-');
    clock = testClock();
    const store = Keystore.open({ home: env.home, rootKey: ROOT_KEY, clock, random: seededRandom('sts') });
    iam = new Iam({ store });
    sts = new Sts({ store });
    await iam.CreateUser({ UserName: 'alice' });
    await iam.CreateUser({ UserName: 'bob' });
    await iam.CreateAccount({ AccountId: B });
    await iam.CreateUser({ UserName: 'carol', AccountId: B });
  });
  afterEach(() => env.cleanup());

  it('a trust policy naming the user lets it assume the role; the session acts as assumed-role/R/S', async () => {
    await iam.CreateRole({ RoleName: 'R', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }]) });
    const r = await sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/R`, RoleSessionName: 'job-1' }, caller(`arn:aws:iam::${A}:user/alice`));
    assert.equal(r.AssumedRoleUser.Arn, `arn:aws:sts::${A}:assumed-role/R/job-1`);
    assert.match(r.AssumedRoleUser.AssumedRoleId, /^AROA[A-Z2-7]{16}:job-1$/);
    assert.match(r.Credentials.AccessKeyId, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(r.Credentials.Expiration.getTime(), clock().getTime() + 3600_000);
    const s = sts.lookupSession(r.Credentials.AccessKeyId)!;
    assert.equal(s.principal, r.AssumedRoleUser.Arn);
    assert.equal(s.secretAccessKey, r.Credentials.SecretAccessKey);
    assert.equal(s.sessionToken, r.Credentials.SessionToken);
    assert.deepEqual(sts.GetCallerIdentity(caller(s.principal)), { UserId: r.AssumedRoleUser.AssumedRoleId, Account: A, Arn: s.principal });
    // Secret and token are sealed at rest.
    const file = readFileSync(join(env.home, 'keystore.msgpack'));
    assert.equal(file.indexOf(r.Credentials.SecretAccessKey), -1);
    assert.equal(file.indexOf(r.Credentials.SessionToken.slice(4, 40)), -1);
    // bob is not in the trust policy.
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/R`, RoleSessionName: 'x1' }, caller(`arn:aws:iam::${A}:user/bob`)), 'AccessDeniedException', /bob is not authorized to perform: sts:AssumeRole on resource/);
  });

  it('trust in the account needs the caller’s IAM policy too; sts:ExternalId conditions; Deny wins', async () => {
    await iam.CreateRole({
      RoleName: 'Ext',
      AssumeRolePolicyDocument: trust([
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'ticket-42' } } },
        { Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:user/bob` }, Action: 'sts:AssumeRole' },
      ]),
    });
    const arn = `arn:aws:iam::${A}:role/Ext`;
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 's1', ExternalId: 'ticket-42' }, caller(`arn:aws:iam::${A}:user/alice`)), 'AccessDeniedException');
    const allowAssume = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn }] });
    await iam.PutUserPolicy({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: allowAssume });
    await iam.PutUserPolicy({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: allowAssume });
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 's1' }, caller(`arn:aws:iam::${A}:user/alice`)), 'AccessDeniedException');
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 's1', ExternalId: 'ticket-41' }, caller(`arn:aws:iam::${A}:user/alice`)), 'AccessDeniedException');
    assert.ok(await sts.AssumeRole({ RoleArn: arn, RoleSessionName: 's1', ExternalId: 'ticket-42' }, caller(`arn:aws:iam::${A}:user/alice`)));
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 's1', ExternalId: 'ticket-42' }, caller(`arn:aws:iam::${A}:user/bob`)), 'AccessDeniedException');
  });

  it('cross-account: the role’s trust and the caller’s own IAM policy must both allow; roots never assume roles', async () => {
    await iam.CreateRole({ RoleName: 'Shared', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }]) });
    const arn = `arn:aws:iam::${A}:role/Shared`;
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 'c1' }, caller(`arn:aws:iam::${B}:user/carol`)), 'AccessDeniedException');
    await iam.PutUserPolicy({ UserName: 'carol', AccountId: B, PolicyName: 'a', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) });
    const r = await sts.AssumeRole({ RoleArn: arn, RoleSessionName: 'c1' }, caller(`arn:aws:iam::${B}:user/carol`));
    assert.equal(r.AssumedRoleUser.Arn, `arn:aws:sts::${A}:assumed-role/Shared/c1`);
    await rejects(sts.AssumeRole({ RoleArn: arn, RoleSessionName: 'c1' }, caller(`arn:aws:iam::${B}:root`)), 'AccessDeniedException', /root accounts/);
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/None`, RoleSessionName: 'c1' }, caller(`arn:aws:iam::${B}:user/carol`)), 'AccessDeniedException');
  });

  it('DurationSeconds: 900 up to the role’s MaxSessionDuration; role chaining at most one hour', async () => {
    await iam.CreateRole({ RoleName: 'Long', MaxSessionDuration: 43_200, AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }]) });
    await iam.CreateRole({ RoleName: 'Short', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:role/Long`] }, Action: 'sts:AssumeRole' }]) });
    const alice = caller(`arn:aws:iam::${A}:user/alice`);
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Long`, RoleSessionName: 'd1', DurationSeconds: 899 }, alice), 'ValidationException', /durationSeconds/);
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Long`, RoleSessionName: 'd1', DurationSeconds: 43_201 }, alice), 'ValidationException');
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Short`, RoleSessionName: 'd1', DurationSeconds: 7200 }, alice), 'ValidationException', /MaxSessionDuration/);
    const long = await sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Long`, RoleSessionName: 'd1', DurationSeconds: 43_200 }, alice);
    assert.equal(long.Credentials.Expiration.getTime() - clock().getTime(), 43_200_000);
    const chained = caller(long.AssumedRoleUser.Arn);
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Short`, RoleSessionName: 'd2', DurationSeconds: 3601 }, chained), 'ValidationException', /role chaining/);
    assert.ok(await sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Short`, RoleSessionName: 'd2' }, chained));
    await rejects(sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/Short`, RoleSessionName: 'a b' }, alice), 'ValidationException', /roleSessionName/);
  });

  it('sessions expire; a saved profile’s session is refused after its expiry', async () => {
    await iam.CreateRole({ RoleName: 'R', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }]) });
    const r = await sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/R`, RoleSessionName: 'e1', DurationSeconds: 900 }, caller(`arn:aws:iam::${A}:user/alice`));
    assert.equal(sts.requireLiveSession(r.Credentials.AccessKeyId).principal, r.AssumedRoleUser.Arn);
    clock.advance(900_000);
    assert.throws(() => sts.requireLiveSession(r.Credentials.AccessKeyId), { name: 'ExpiredTokenException' });
    assert.ok(sts.lookupSession(r.Credentials.AccessKeyId), 'kept (the server answers ExpiredTokenException for it)');
    clock.advance(25 * 3600_000);
    await sts.AssumeRole({ RoleArn: `arn:aws:iam::${A}:role/R`, RoleSessionName: 'e2' }, caller(`arn:aws:iam::${A}:user/alice`));
    assert.equal(sts.lookupSession(r.Credentials.AccessKeyId), undefined, 'pruned a day after expiry');
  });

  it('trust policies are validated: Principal required, sts: actions only, no Resource', async () => {
    await rejects(iam.CreateRole({ RoleName: 'X', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Action: 'sts:AssumeRole' }]) }), 'MalformedPolicyDocumentException', /Principal/);
    await rejects(iam.CreateRole({ RoleName: 'X', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:Decrypt' }]) }), 'MalformedPolicyDocumentException', /sts: actions/);
    await rejects(iam.CreateRole({ RoleName: 'X', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Resource: '*' }]) }), 'MalformedPolicyDocumentException', /Resource/);
    await rejects(iam.CreateRole({ RoleName: 'X', AssumeRolePolicyDocument: trust([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/nobody` }, Action: 'sts:AssumeRole' }]) }), 'MalformedPolicyDocumentException');
    await rejects(iam.CreateRole({ RoleName: 'X', MaxSessionDuration: 100 }), 'ValidationException', /MaxSessionDuration/);
  });
});
