/**
 * Any KMS from the CLI (docs/CLI.md "Which KMS"): a team shares one `envelope serve` (a second
 * keystore, "the remote"), and each user drives the real `envelope` bin with their own AWS
 * credentials — from ~/.aws files in a temp HOME (`--profile`, AWS_PROFILE) or from environment
 * variables. Keys, aliases, policies and grants are made remotely; files are encrypted under the
 * remote key (aws-kms EDKs) and decrypted by another user when the key policy or a grant allows,
 * refused with one AccessDeniedException line when not; the users' embedded keystores stay
 * untouched. Without --endpoint-url, an AWS profile selects AWS KMS: its `endpoint_url` points it
 * at the same serve here, and the regional AWS endpoint and the profile's credentials are
 * checked without sending a request.
 */
import { strict as assert } from 'node:assert';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, pattern, spawnCli, spawnServe, tempHome, type CliResult } from './helpers.js';
import { chooseKms } from '../../packages/cli/src/kms-choice.js';
import { openRemote } from '../../packages/cli/src/services.js';

const ACCOUNT = '111122223333';
const arnOf = (user: string) => `arn:aws:iam::${ACCOUNT}:user/${user}`;

interface AccessKey {
  id: string;
  secret: string;
}

describe('CLI against a remote KMS (a shared envelope serve)', function () {
  this.timeout(240_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let serverHome: string;
  let userHome: string;
  let workHome: string;
  let server: ChildProcess;
  let endpoint: string;
  const keys: Record<string, AccessKey> = {};
  let keyId: string;
  let keyArn: string;

  /** The AWS settings every run starts from: none inherited, no instance metadata, files in the temp HOME. */
  const baseEnv = (): Record<string, string | undefined> => ({
    HOME: userHome,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_DEFAULT_REGION: undefined,
    AWS_CONFIG_FILE: undefined,
    AWS_SHARED_CREDENTIALS_FILE: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_ENDPOINT_URL_KMS: undefined,
    ENVELOPE_ENDPOINT_URL: undefined,
    ENVELOPE_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  /** The envelope bin as a team member: the embedded keystore is `workHome`, never the server's. */
  const envelope = (argv: string[], env: Record<string, string | undefined> = {}, stdin?: Uint8Array): Promise<CliResult> =>
    spawnCli(argv, { home: workHome, env: { ...baseEnv(), ...env }, ...(stdin ? { stdin } : {}), timeoutMs: 120_000 });
  /**
   * The same CLI in-process (`run(argv, io)`), for the checks beyond the spawned ones: the AWS SDK
   * reads process.env, so the user's AWS settings are put there for the call and then restored.
   */
  const inProcess = async (argv: string[], env: Record<string, string | undefined> = {}, stdin?: Uint8Array): Promise<CliResult> => {
    const settings = { ...baseEnv(), ...env };
    const saved = Object.fromEntries(Object.keys(settings).map((k) => [k, process.env[k]]));
    const put = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    };
    put(settings);
    try {
      const envelopeVars = Object.fromEntries(Object.entries(settings).filter((e): e is [string, string] => e[0].startsWith('ENVELOPE_') && e[1] !== undefined));
      return await cli(argv, { home: workHome, env: envelopeVars, ...(stdin ? { stdin } : {}) });
    } finally {
      put(saved);
    }
  };
  /** The remote's administrator, on the server's keystore (in-process: set-up, not under test). */
  const admin = async (argv: string[]): Promise<CliResult> => {
    const r = await cli(argv, { home: serverHome });
    assert.equal(r.code, 0, `envelope ${argv.join(' ')}: ${r.stderr}`);
    return r;
  };
  const ok = (r: CliResult, what: string): CliResult => {
    assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.stderr}`);
    return r;
  };
  const envCreds = (user: string) => ({ AWS_ACCESS_KEY_ID: keys[user]!.id, AWS_SECRET_ACCESS_KEY: keys[user]!.secret });

  before(async () => {
    ({ dir, cleanup } = await tempHome('envelope-remote-'));
    serverHome = join(dir, 'server');
    userHome = join(dir, 'home');
    workHome = join(dir, 'work');
    await mkdir(join(userHome, '.aws'), { recursive: true });
    await mkdir(workHome);
    await mkdir(serverHome);
    // The remote's administrator: three users with access keys; alice may do anything with KMS.
    for (const user of ['alice', 'bob', 'carol']) {
      await admin(['iam', 'create-user', '--name', user]);
      const k = (await admin(['--json', 'iam', 'create-access-key', '--user', user])).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>();
      keys[user] = { id: k.AccessKey.AccessKeyId, secret: k.AccessKey.SecretAccessKey };
    }
    await admin(['iam', 'put-policy', '--user', 'alice', '--name', 'kms-admin', '--document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] })]);
    await admin(['iam', 'put-policy', '--user', 'carol', '--name', 'list', '--document', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:ListKeys', 'kms:ListAliases'], Resource: '*' }] })]);

    ({ endpoint, server } = await spawnServe(serverHome));

    // alice keeps her keys in ~/.aws/credentials as profile "alice"; carol as profile "carol";
    // "team" is an AWS profile whose endpoint_url is the shared serve (no --endpoint-url needed).
    await writeFile(
      join(userHome, '.aws', 'credentials'),
      ['alice', 'carol', 'team'].map((p) => `[${p}]\naws_access_key_id = ${keys[p === 'team' ? 'alice' : p]!.id}\naws_secret_access_key = ${keys[p === 'team' ? 'alice' : p]!.secret}\n`).join('\n') +
        // "work": an AWS KMS profile in eu-west-2 (never called: AWS is not reachable from here).
        `\n[work]\naws_access_key_id = AKIAWORKEXAMPLE00001\naws_secret_access_key = work-secret\n`,
    );
    await writeFile(join(userHome, '.aws', 'config'), `[profile alice]\nregion = us-east-1\n\n[profile team]\nregion = us-east-1\nendpoint_url = ${endpoint}\n\n[profile work]\nregion = eu-west-2\n`);
  });

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await cleanup?.();
  });

  it('alice (an AWS profile in ~/.aws) creates a key, an alias and a key policy on the remote', async () => {
    const created = ok(await envelope(['--endpoint-url', endpoint, '--profile', 'alice', '--json', 'key', 'create', '--alias', 'alias/app', '--description', 'team key']), 'key create').json<{ KeyMetadata: { KeyId: string; Arn: string } }>();
    keyId = created.KeyMetadata.KeyId;
    keyArn = created.KeyMetadata.Arn;
    assert.match(keyArn, new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/`));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'bob-decrypts', Effect: 'Allow', Principal: { AWS: arnOf('bob') }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' },
      ],
    };
    ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', 'policy', 'put', keyId, '--document', JSON.stringify(policy)]), 'policy put');
    const got = ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', '--json', 'policy', 'get', keyId]), 'policy get').json<{ Policy: string }>();
    assert.deepEqual(JSON.parse(got.Policy).Statement[1].Sid, 'bob-decrypts');
    const list = ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', 'alias', 'list']), 'alias list');
    assert.match(list.out, new RegExp(`alias/app\\s+${keyId}`));
    // The remote keystore has it; the user's embedded keystore was never created.
    const local = (await admin(['--json', 'key', 'list'])).json<{ Keys: { KeyArn: string }[] }>();
    assert.ok(local.Keys.some((k) => k.KeyArn === keyArn));
    assert.deepEqual(await readdir(workHome), []);
  });

  it('alice encrypts a file under alias/app; bob (environment credentials) decrypts it; carol is refused in one line', async () => {
    const data = pattern(200_000, 14);
    await writeFile(join(workHome, 'report.bin'), data);
    ok(await envelope(['--endpoint-url', endpoint, '--profile', 'alice', 'encrypt', 'report.bin', '--key', 'alias/app', '-c', 'team=blue'], {}), 'encrypt');
    const header = ok(await inProcess(['--json', 'inspect', 'report.bin.enc']), 'inspect').json<{ encryptedDataKeys: { providerId: string; keyId: string }[] }>();
    assert.deepEqual(header.encryptedDataKeys.map((k) => [k.providerId, k.keyId]), [['aws-kms', keyArn]]);

    // bob: environment variables, the endpoint from ENVELOPE_ENDPOINT_URL.
    ok(await envelope(['decrypt', 'report.bin.enc', '-o', 'bob.bin', '-c', 'team=blue'], { ...envCreds('bob'), ENVELOPE_ENDPOINT_URL: endpoint }), 'bob decrypt');
    assert.ok((await readFile(join(workHome, 'bob.bin'))).equals(data));
    // ... and through stdin/stdout.
    const piped = ok(await inProcess(['--endpoint-url', endpoint, 'decrypt', '-', '-o', '-'], envCreds('bob'), await readFile(join(workHome, 'report.bin.enc'))), 'bob pipe');
    assert.ok(piped.stdout.equals(data));

    // carol: AWS_PROFILE selects her profile in ~/.aws; the key policy does not let her decrypt.
    const denied = await envelope(['--endpoint-url', endpoint, 'decrypt', 'report.bin.enc', '-o', 'carol.bin'], { AWS_PROFILE: 'carol' });
    assert.equal(denied.code, 1, denied.stderr);
    assert.equal(denied.stderr.trim().split('\n').length, 1, denied.stderr);
    assert.match(denied.stderr, new RegExp(`^AccessDeniedException: .*${arnOf('carol')}.*kms:Decrypt`));
    assert.ok(!(await readdir(workHome)).includes('carol.bin'));
    // bob may not encrypt (the policy gives him Decrypt only).
    const bobEncrypt = await inProcess(['--endpoint-url', endpoint, 'encrypt', 'report.bin', '--key', 'alias/app', '-o', 'bob.enc'], envCreds('bob'));
    assert.equal(bobEncrypt.code, 1);
    assert.match(bobEncrypt.stderr, /^AccessDeniedException: /);
  });

  it('grants made remotely let carol decrypt until revoked; `kms` raw calls go to the remote too', async () => {
    const grant = ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', '--json', 'grant', 'create', keyId, '--grantee', arnOf('carol'), '--operations', 'Decrypt']), 'grant create').json<{ GrantId: string }>();
    ok(await inProcess(['--endpoint-url', endpoint, 'decrypt', 'report.bin.enc', '-o', 'carol.bin', '-c', 'team=blue'], { AWS_PROFILE: 'carol' }), 'carol decrypt with a grant');
    const grants = ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', '--json', 'grant', 'list', keyId]), 'grant list').json<{ Grants: { GranteePrincipal: string }[] }>();
    assert.deepEqual(grants.Grants.map((g) => g.GranteePrincipal), [arnOf('carol')]);
    ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', 'grant', 'revoke', keyId, grant.GrantId]), 'grant revoke');
    const again = await inProcess(['--endpoint-url', endpoint, 'decrypt', 'report.bin.enc', '-o', 'carol2.bin', '-f'], { AWS_PROFILE: 'carol' });
    assert.match(again.stderr, /^AccessDeniedException: /);

    const raw = ok(await inProcess(['--endpoint-url', endpoint, '--profile', 'alice', 'kms', 'DescribeKey', '--input-json', '{"KeyId":"alias/app"}']), 'kms raw').json<{ KeyMetadata: { Arn: string; CreationDate: number } }>();
    assert.equal(raw.KeyMetadata.Arn, keyArn);
    assert.equal(typeof raw.KeyMetadata.CreationDate, 'number');
  });

  it('without --endpoint-url, an AWS profile selects AWS KMS (here: the profile endpoint_url is the serve)', async () => {
    const r = ok(await envelope(['--profile', 'team', '--json', 'key', 'describe', 'alias/app']), 'describe via AWS profile');
    assert.equal(r.json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn, keyArn);
    await writeFile(join(workHome, 'small.txt'), 'one serve for the team\n');
    ok(await inProcess(['--profile', 'team', 'encrypt', 'small.txt', '--key', 'alias/app']), 'encrypt via AWS profile');
    ok(await inProcess(['--endpoint-url', endpoint, 'decrypt', 'small.txt.enc', '-o', 'small.out'], envCreds('bob')), 'bob decrypts');
    assert.equal(await readFile(join(workHome, 'small.out'), 'utf8'), 'one serve for the team\n');
    // Still nothing in the embedded keystore home but the files written there.
    assert.deepEqual((await readdir(workHome)).filter((f) => !/\.(bin|enc|txt|out)$/.test(f)), []);
  });

  it('keystore-only commands refuse a remote KMS; an unreachable endpoint is one line naming it', async () => {
    const iam = await inProcess(['--endpoint-url', endpoint, 'iam', 'list'], envCreds('alice'));
    assert.equal(iam.code, 2);
    assert.match(iam.stderr, /^UsageError: this command works on the embedded keystore only.*http:\/\/127\.0\.0\.1:\d+/);
    const bad = await inProcess(['--endpoint-url', 'ftp://x', 'key', 'list']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^UsageError: --endpoint-url expects an http\(s\) URL/);

    await writeFile(join(workHome, 'down.txt'), 'never sent\n');
    const down = await envelope(['--endpoint-url', 'http://127.0.0.1:9', 'encrypt', 'down.txt', '--key', 'alias/app', '-o', 'down.enc'], envCreds('alice'));
    assert.equal(down.code, 1, down.stderr);
    assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
    assert.match(down.stderr, /^EndpointConnectionError: Could not connect to the endpoint URL: "http:\/\/127\.0\.0\.1:9\/" \(ECONNREFUSED/);
    assert.ok(!(await readdir(workHome)).some((f) => f.startsWith('down.enc') || f.startsWith('.down.enc')));
  });

  it('a file of the other kind of KMS: decrypt says which KMS to use', async () => {
    const other = { ENVELOPE_HOME: join(dir, 'other-keystore') };
    const embeddedTry = await inProcess(['decrypt', 'report.bin.enc', '-o', 'nope.bin'], other);
    assert.equal(embeddedTry.code, 1);
    assert.match(embeddedTry.stderr, new RegExp(`^IncorrectKeyException: the data key is wrapped by a remote KMS \\(aws-kms, ${keyArn}\\).*--endpoint-url`, 'm')); // 'm': the first line is the new-keystore notice
    ok(await inProcess(['key', 'create', '--alias', 'alias/local'], other), 'local key');
    await writeFile(join(workHome, 'local.txt'), 'embedded\n');
    ok(await inProcess(['encrypt', 'local.txt', '--key', 'alias/local'], other), 'local encrypt');
    const remoteTry = await inProcess(['--endpoint-url', endpoint, 'decrypt', 'local.txt.enc', '-o', 'nope.txt'], envCreds('alice'));
    assert.equal(remoteTry.code, 1);
    assert.match(remoteTry.stderr, /^IncorrectKeyException: the data key is wrapped by an embedded keystore \(envelope-kms, .*\), not by a remote KMS: decrypt without --endpoint-url/);
  });

  it('AWS KMS itself: the region endpoint and the profile credentials are resolved without a request', async () => {
    const saved = { ...process.env };
    try {
      process.env['AWS_CONFIG_FILE'] = join(userHome, '.aws', 'config');
      process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(userHome, '.aws', 'credentials');
      for (const k of ['AWS_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_KMS']) delete process.env[k];
      const choice = await chooseKms({ profileFlag: 'work', isAwsProfile: async (n) => n === 'work', isEnvelopeProfile: async () => false });
      assert.deepEqual(choice, { kind: 'remote', profile: 'work' });
      const backend = await openRemote({ profile: 'work' });
      try {
        assert.equal(backend.region, 'eu-west-2');
        assert.equal(backend.location, 'https://kms.eu-west-2.amazonaws.com/');
        const client = (backend.kms as unknown as { clientFor(r?: string): { config: { credentials(): Promise<{ accessKeyId: string }> } } }).clientFor();
        assert.equal((await client.config.credentials()).accessKeyId, 'AKIAWORKEXAMPLE00001');
      } finally {
        backend.close();
      }
      const overridden = await openRemote({ profile: 'work', region: 'ap-southeast-2' });
      assert.equal(overridden.location, 'https://kms.ap-southeast-2.amazonaws.com/');
      overridden.close();
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});

describe('kms choice (which KMS an invocation uses)', () => {
  const lookups = (aws: string[], envelope: string[]) => ({
    isAwsProfile: async (n: string) => aws.includes(n),
    isEnvelopeProfile: async (n: string) => envelope.includes(n),
  });
  it('--endpoint-url picks that endpoint ("aws": AWS KMS); --profile then names the AWS profile', async () => {
    assert.deepEqual(await chooseKms({ endpointUrl: 'http://h:4599/', profileFlag: 'p', ...lookups([], []) }), { kind: 'remote', endpoint: 'http://h:4599', profile: 'p' });
    assert.deepEqual(await chooseKms({ endpointUrl: 'AWS', ...lookups([], []) }), { kind: 'remote' });
    await assert.rejects(chooseKms({ endpointUrl: 'h:4599', ...lookups([], []) }), { name: 'UsageError' });
  });
  it('an AWS-only profile selects AWS KMS; an Envelope profile (or none) keeps the embedded keystore', async () => {
    assert.deepEqual(await chooseKms({ profileFlag: 'prod', ...lookups(['prod'], []) }), { kind: 'remote', profile: 'prod' });
    assert.deepEqual(await chooseKms({ profileFlag: 'dev', ...lookups(['dev'], ['dev']) }), { kind: 'embedded' });
    assert.deepEqual(await chooseKms({ profileFlag: 'x', ...lookups([], []) }), { kind: 'embedded' });
    assert.deepEqual(await chooseKms({ ...lookups(['default'], ['default']) }), { kind: 'embedded' });
  });
});
