/**
 * Roles and STS through the CLI and `envelope serve` (docs/ACCESS.md "Roles and STS"):
 * `iam create-role --trust-policy`, `sts assume-role` (--shell, --save-profile), the cross-account
 * snapshot copy of docs/WORKFLOWS.md run by account B as a role assumed by a B user, and STS over
 * the Query protocol answered by `envelope serve` to the AWS SDK's own STS client, whose
 * temporary credentials then work (and only as the role) with @aws-sdk/client-kms.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
// The SDK's own STS client (AssumeRole only), as the SDK's credential providers use it.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import { cli, ok, tempHome } from './helpers.js';

const A = '111111111111';
const B = '222222222222';
const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const COPIER_KMS = doc([
  { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:CreateGrant', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Encrypt'], Resource: '*' },
]);

describe('roles and STS', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  const o = () => ({ home });
  const as = (profile: string, ...argv: string[]) => ['--profile', profile, ...argv];

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-cli-sts-'));
    await ok(['profile', 'add', 'a', '--account', A], o());
    await ok(['profile', 'add', 'b', '--account', B], o());
    await ok(as('a', 'key', 'create', '--alias', 'alias/a-disks'), o());
    await ok(as('b', 'key', 'create', '--alias', 'alias/b-disks'), o());
    // Account B: user bob may assume role copier; the role holds the KMS permissions, bob none.
    await ok(['iam', 'create-user', '--name', 'bob', '--account', B], o());
    await writeFile(join(home, 'bob.json'), doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${B}:role/copier` }]));
    await ok(['iam', 'put-policy', '--user', 'bob', '--account', B, '--name', 'assume', '--document', '@bob.json'], o());
    await writeFile(join(home, 'trust.json'), doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:user/bob` }, Action: 'sts:AssumeRole' }]));
    const role = await ok(['--json', 'iam', 'create-role', '--name', 'copier', '--account', B, '--trust-policy', '@trust.json', '--max-session-duration', '7200'], o());
    assert.equal(role.json<{ Role: { MaxSessionDuration: number } }>().Role.MaxSessionDuration, 7200);
    await writeFile(join(home, 'copier.json'), COPIER_KMS);
    await ok(['iam', 'put-policy', '--role', 'copier', '--account', B, '--name', 'kms', '--document', '@copier.json'], o());
    await ok(['profile', 'add', 'bob', '--account', B, '--principal', 'user/bob'], o());
  });
  after(() => cleanup());

  it('create-role refuses a malformed trust policy; assume-role refuses callers the trust policy does not name', async () => {
    const bad = await cli(['iam', 'create-role', '--name', 'bad', '--trust-policy', doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: '*', Resource: '*' }])], o());
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^MalformedPolicyDocumentException: .*Resource/);
    const root = await cli(as('b', 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/copier`, '--role-session-name', 'x1'), o());
    assert.match(root.stderr, /^AccessDeniedException: Roles may not be assumed by root accounts\./);
    assert.equal(root.stderr.split('\n').filter(Boolean).length, 1, 'one line, no stack');
  });

  it('the cross-account snapshot copy, run by account B as a role assumed by a B user', async () => {
    const data = randomBytes(100_000);
    await writeFile(join(home, 'disk.img'), data);
    const id = (await ok(as('a', 'snapshot', 'create', 'disk.img', '--key', 'alias/a-disks'), o())).out.trim();
    await ok(as('a', 'snapshot', 'share', id, '--account', B, '--grant-key-access'), o());
    // bob himself has no KMS permissions.
    const denied = await cli(as('bob', 'snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'), o());
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^AccessDeniedException: The copy of/);

    const assumed = await ok(as('bob', '--json', 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/copier`, '--role-session-name', 'copy-1', '--save-profile', 'b-copier'), o());
    const creds = assumed.json<{ AssumedRoleUser: { Arn: string }; Credentials: { AccessKeyId: string; Expiration: string } }>();
    assert.equal(creds.AssumedRoleUser.Arn, `arn:aws:sts::${B}:assumed-role/copier/copy-1`);
    assert.match(creds.Credentials.AccessKeyId, /^ASIA/);
    const who = await ok(as('b-copier', '--json', 'sts', 'get-caller-identity'), o());
    assert.equal(who.json<{ Arn: string }>().Arn, creds.AssumedRoleUser.Arn);

    const copyId = (await ok(as('b-copier', 'snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'), o())).out.trim();
    assert.match(copyId, /^snap-/);
    await ok(as('b-copier', 'snapshot', 'export', copyId, '-o', 'copy.env'), o());
    await ok(as('b', 'decrypt', 'copy.env', '-o', 'copy.img'), o());
    assert.deepEqual(await readFile(join(home, 'copy.img')), data);
    // Audited as the session, in the source account's log too.
    const events = (await ok(as('a', '--json', 'audit', 'query', '--principal', creds.AssumedRoleUser.Arn), o())).out;
    assert.match(events, /assumed-role\/copier\/copy-1/);
    assert.match(events, new RegExp(creds.Credentials.AccessKeyId));
  });

  it('--shell prints the three variables the SDKs read', async () => {
    const r = await ok(as('bob', 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/copier`, '--role-session-name', 'shell-1', '--duration-seconds', '900', '--shell'), o());
    assert.match(r.out, /^export AWS_ACCESS_KEY_ID=ASIA[A-Z2-7]{16}\nexport AWS_SECRET_ACCESS_KEY=\S+\nexport AWS_SESSION_TOKEN=\S+\nexport AWS_REGION=us-east-1\n$/);
    const long = await cli(as('bob', 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/copier`, '--role-session-name', 'l1', '--duration-seconds', '7201'), o());
    assert.match(long.stderr, /^ValidationException: The requested DurationSeconds exceeds the MaxSessionDuration/);
  });

  it('key policies match a session by its role through aws:PrincipalArn', async () => {
    const assumed = await ok(as('bob', '--json', 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${B}:role/copier`, '--role-session-name', 'pa-1', '--save-profile', 'b-pa'), o());
    assert.ok(assumed.json<{ AssumedRoleUser: { Arn: string } }>().AssumedRoleUser.Arn.endsWith('/pa-1'));
    const keyArn = (await ok(as('b', '--json', 'key', 'create', '--alias', 'alias/b-role-only'), o())).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
    const policy = JSON.parse((await ok(as('b', '--json', 'policy', 'get', keyArn), o())).json<{ Policy: string }>().Policy) as { Statement: object[] };
    policy.Statement.push({
      Sid: 'only-the-copier-role-decrypts', Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*',
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${B}:role/copier` } },
    });
    await writeFile(join(home, 'role-only.json'), JSON.stringify(policy));
    await ok(as('b', 'policy', 'put', keyArn, '--document', '@role-only.json', '--bypass-lockout-check'), o());
    await writeFile(join(home, 'secret.txt'), 'role only');
    await ok(as('b', 'encrypt', 'secret.txt', '--key', 'alias/b-role-only', '-o', 'secret.env'), o());
    const root = await cli(as('b', 'decrypt', 'secret.env', '-o', 'root.txt'), o());
    assert.notEqual(root.code, 0, 'the account root is not the role');
    assert.match(root.stderr, /AccessDenied/);
    await ok(as('b-pa', 'decrypt', 'secret.env', '-o', 'role.txt'), o());
    assert.equal(await readFile(join(home, 'role.txt'), 'utf8'), 'role only');
  });

  it('envelope serve answers STS AssumeRole/GetCallerIdentity to the AWS SDK; the session works with KMS as the role', async () => {
    const key = (await ok(['--json', 'iam', 'create-access-key', '--user', 'bob', '--account', B], o())).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>().AccessKey;
    const stop = new AbortController();
    let listening!: (v: { port: number }) => void;
    const up = new Promise<{ port: number }>((r) => (listening = r));
    const served = cli(['serve', '--port', '0'], { home, signal: stop.signal, onListening: (a) => listening(a) });
    const endpoint = `http://127.0.0.1:${(await up).port}`;
    const sts = new STSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, maxAttempts: 1 });
    try {
      const denied = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/none`, RoleSessionName: 'n1' })).catch((e: Error) => e);
      assert.equal((denied as Error).name, 'AccessDenied');
      const r = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/copier`, RoleSessionName: 'sdk-1', DurationSeconds: 900 }));
      assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${B}:assumed-role/copier/sdk-1`);
      assert.ok(r.Credentials?.Expiration instanceof Date);
      const session = { accessKeyId: r.Credentials!.AccessKeyId!, secretAccessKey: r.Credentials!.SecretAccessKey!, sessionToken: r.Credentials!.SessionToken! };
      // Role chaining: the session may not assume copier (not in its trust policy).
      const asRole = new STSClient({ region: 'us-east-1', endpoint, credentials: session, maxAttempts: 1 });
      const chained = await asRole.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/copier`, RoleSessionName: 'sdk-2' })).catch((e: Error) => e);
      assert.equal((chained as Error).name, 'AccessDenied');
      assert.match((chained as Error).message, new RegExp(`User: arn:aws:sts::${B}:assumed-role/copier/sdk-1 is not authorized`));
      asRole.destroy();
      const kms = new KMSClient({ region: 'us-east-1', endpoint, credentials: session, maxAttempts: 1 });
      // The role's policy (not bob's) decides: Encrypt/Decrypt allowed, CreateKey not.
      await assert.rejects(kms.send(new CreateKeyCommand({})), (e: Error) => e.name === 'AccessDeniedException' && /assumed-role\/copier\/sdk-1/.test(e.message));
      const ct = await kms.send(new EncryptCommand({ KeyId: 'alias/b-disks', Plaintext: new TextEncoder().encode('as the role') }));
      assert.equal(new TextDecoder().decode((await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }))).Plaintext), 'as the role');
      kms.destroy();
      // Without the session token the credentials are refused.
      const noToken = new KMSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey }, maxAttempts: 1 });
      await assert.rejects(noToken.send(new CreateKeyCommand({})), (e: Error) => e.name === 'UnrecognizedClientException');
      noToken.destroy();
      const wrong = new STSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 });
      await assert.rejects(wrong.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/copier`, RoleSessionName: 'w1' })), (e: Error) => e.name === 'SignatureDoesNotMatch');
      wrong.destroy();
    } finally {
      sts.destroy();
      stop.abort();
      assert.equal(((await served) as { code: number }).code, 0);
    }
  });
});
