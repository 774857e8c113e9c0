/**
 * SOPS `kms` entries' `role` and `aws_profile` (docs/CONFIG.md "Key sources"), as SOPS uses them:
 * the KMS calls are made with the AWS profile's credentials and settings, after STS AssumeRole for
 * the role (session `sops@<hostname>`), so the key policy sees the assumed-role principal.
 * - Against a real `envelope serve` (spawned; the "remote"): a key whose policy lets only role
 *   `sops-decrypter` use it; user dev's keys in ~/.aws of a temp HOME (profile `dev`, whose
 *   `endpoint_url` is the serve). The real bin encrypts and decrypts with `KEY_ARN+ROLE_ARN` and
 *   `aws_profile: dev` from .sops.yaml; without the role, or with another profile's credentials,
 *   it is refused; the serve's audit log shows the assumed-role ARN. The AWS CLI (when installed
 *   by test/clients/setup.sh) assumes the role itself and decrypts the data key blob from the
 *   file, and the test opens a value with that key by the format's steps (not with our module).
 * - The embedded keystore: the same with `envelope --profile dev` and its in-process STS.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createDecipheriv } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig, MasterKeyKms } from '@envelope/core';
import { cli, spawnCli, spawnServe, tempHome, type CliResult } from './helpers.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sops-decrypter`;
const SESSION = `sops@${hostname().replace(/[^\w+=,.@-]+/g, '')}`.slice(0, 64);
const AWS_CLI = '/usr/bin/aws';
const doc = (statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const PLAIN = 'db:\n    user: app\n    password: s3cret-value\napi_key: k-123\n';

/** The remote's and the embedded keystore's set-up: dev may assume sops-decrypter; only that role may use the key. */
async function setUpAccount(admin: (argv: string[]) => Promise<CliResult>, home: string): Promise<{ keyArn: string; devKey: { id: string; secret: string }; carolKey: { id: string; secret: string } }> {
  const keys: Record<string, { id: string; secret: string }> = {};
  for (const user of ['dev', 'carol']) {
    await admin(['iam', 'create-user', '--name', user]);
    const k = (await admin(['--json', 'iam', 'create-access-key', '--user', user])).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>();
    keys[user] = { id: k.AccessKey.AccessKeyId, secret: k.AccessKey.SecretAccessKey };
  }
  // dev may do anything with KMS and assume the role; the key policy below still keeps dev out.
  await admin(['iam', 'put-policy', '--user', 'dev', '--name', 'dev', '--document', doc([{ Effect: 'Allow', Action: ['kms:*', 'sts:AssumeRole'], Resource: '*' }])]);
  await writeFile(join(home, 'trust.json'), doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/dev` }, Action: 'sts:AssumeRole' }]));
  await admin(['iam', 'create-role', '--name', 'sops-decrypter', '--trust-policy', `@${join(home, 'trust.json')}`]);
  await admin(['iam', 'put-policy', '--role', 'sops-decrypter', '--name', 'kms', '--document', doc([{ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }])]);
  const keyArn = (await admin(['--json', 'key', 'create', '--alias', 'alias/sops-role-only'])).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
  const policy = JSON.parse((await admin(['--json', 'policy', 'get', keyArn])).json<{ Policy: string }>().Policy) as { Statement: object[] };
  policy.Statement.push({
    Sid: 'only-the-role-uses-the-key', Effect: 'Deny', Principal: '*', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*',
    Condition: { ArnNotEquals: { 'aws:PrincipalArn': ROLE } },
  });
  await writeFile(join(home, 'key-policy.json'), JSON.stringify(policy));
  await admin(['policy', 'put', keyArn, '--document', `@${join(home, 'key-policy.json')}`, '--bypass-lockout-check']);
  return { keyArn, devKey: keys['dev']!, carolKey: keys['carol']! };
}

/** The kms entry of an encrypted file's metadata. */
function kmsEntry(text: string): Record<string, unknown> {
  const meta = (parseYaml(text) as { sops: { kms: Record<string, unknown>[] } }).sops;
  assert.equal(meta.kms.length, 1);
  return meta.kms[0]!;
}

/** Opens one `ENC[AES256_GCM,…]` value by the format's steps (AES-256-GCM, AAD = the path joined by ':' plus ':'). */
function openValue(enc: string, dataKey: Buffer, aad: string): string {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:str\]$/.exec(enc);
  assert.ok(m, enc);
  const d = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(m[2]!, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]).toString('utf8');
}

describe('config files: kms role and aws_profile', function () {
  this.timeout(240_000);

  describe('against envelope serve, with ~/.aws profiles', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let serverHome: string;
    let userHome: string;
    let workHome: string;
    let repo: string;
    let stopServe: () => Promise<void>;
    let endpoint: string;
    let keyArn: string;
    let devKey: { id: string; secret: string };

    const baseEnv = (): Record<string, string | undefined> => ({
      HOME: userHome,
      AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined,
      AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_CONFIG_FILE: undefined, AWS_SHARED_CREDENTIALS_FILE: undefined,
      AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_KMS: undefined, AWS_ENDPOINT_URL_STS: undefined,
      ENVELOPE_ENDPOINT_URL: undefined, ENVELOPE_PROFILE: undefined, AWS_EC2_METADATA_DISABLED: 'true',
    });
    const envelope = (argv: string[], env: Record<string, string | undefined> = {}) =>
      spawnCli(argv, { home: workHome, cwd: repo, env: { ...baseEnv(), ...env }, timeoutMs: 120_000 });
    const admin = async (argv: string[]) => {
      const r = await cli(argv, { home: serverHome });
      assert.equal(r.code, 0, `envelope ${argv.join(' ')}: ${r.stderr}`);
      return r;
    };

    before(async () => {
      ({ dir, cleanup } = await tempHome('envelope-cfg-role-'));
      serverHome = join(dir, 'server');
      userHome = join(dir, 'home');
      workHome = join(dir, 'work');
      repo = join(dir, 'repo');
      for (const d of [serverHome, join(userHome, '.aws'), workHome, repo]) await mkdir(d, { recursive: true });
      let carolKey: { id: string; secret: string };
      ({ keyArn, devKey, carolKey } = await setUpAccount(admin, serverHome));

      ({ endpoint, stop: stopServe } = await spawnServe(serverHome));
      // dev's and carol's keys in ~/.aws/credentials; both profiles point at the serve.
      await writeFile(join(userHome, '.aws', 'credentials'), `[dev]\naws_access_key_id = ${devKey.id}\naws_secret_access_key = ${devKey.secret}\n\n[carol]\naws_access_key_id = ${carolKey.id}\naws_secret_access_key = ${carolKey.secret}\n`);
      await writeFile(join(userHome, '.aws', 'config'), `[profile dev]\nregion = us-east-1\nendpoint_url = ${endpoint}\n\n[profile carol]\nregion = us-east-1\nendpoint_url = ${endpoint}\n`);
      await writeFile(join(repo, 'app.yaml'), PLAIN);
      await writeFile(join(repo, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.yaml$\n    kms: "${keyArn}+${ROLE}"\n    aws_profile: dev\n`);
    });

    after(async () => {
      await stopServe?.();
      await cleanup?.();
    });

    it('encrypts and decrypts as the role with the profile from .sops.yaml; the audit log shows the assumed role', async () => {
      const enc = await envelope(['config', 'encrypt', '-i', 'app.yaml']);
      assert.equal(enc.code, 0, enc.stderr);
      const text = await readFile(join(repo, 'app.yaml'), 'utf8');
      const entry = kmsEntry(text);
      assert.equal(entry['arn'], keyArn);
      assert.equal(entry['role'], ROLE);
      assert.equal(entry['aws_profile'], 'dev');
      const dec = await envelope(['config', 'decrypt', 'app.yaml']);
      assert.equal(dec.code, 0, dec.stderr);
      assert.equal(dec.out, PLAIN);
      // No --endpoint-url: the profile's endpoint_url was used, and the embedded keystore never opened.
      assert.deepEqual(await readdir(workHome), []);

      const assumed = `arn:aws:sts::${ACCOUNT}:assumed-role/sops-decrypter/${SESSION}`;
      const events = (await admin(['--json', 'audit', 'query', '--principal', assumed])).out;
      assert.match(events, /"Encrypt"/);
      assert.match(events, /"Decrypt"/);
      assert.ok(events.includes(assumed));
    });

    it('without the role (dev itself), or with another profile, the key policy refuses; the error names the key and the principal', async () => {
      const text = await readFile(join(repo, 'app.yaml'), 'utf8');
      const noRole = text.replace(/^ +role: .*\n/m, '');
      assert.notEqual(noRole, text);
      await writeFile(join(repo, 'no-role.yaml'), noRole);
      const r = await envelope(['config', 'decrypt', 'no-role.yaml']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.out, '');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^ConfigKeyUnavailableException: .*kms ${keyArn} \\(AWS profile dev\\): AccessDeniedException: .*user/dev`));

      // carol's profile: her credentials are the ones used (she may not assume the role).
      await writeFile(join(repo, 'carol.yaml'), text.replace(/aws_profile: dev/, 'aws_profile: carol'));
      const c = await envelope(['config', 'decrypt', 'carol.yaml']);
      assert.equal(c.code, 1);
      assert.match(c.stderr, new RegExp(`user/carol is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`));
      // A profile that does not exist is named.
      await writeFile(join(repo, 'nobody.yaml'), text.replace(/aws_profile: dev/, 'aws_profile: nobody'));
      const n = await envelope(['config', 'decrypt', 'nobody.yaml']);
      assert.equal(n.code, 1);
      assert.match(n.stderr, /nobody/);
      // The same file decrypts with the role (nothing else changed).
      assert.equal((await envelope(['config', 'decrypt', 'app.yaml'])).out, PLAIN);
      // An entry without aws_profile uses the invocation's KMS: --endpoint-url with dev's keys in the environment, as the role.
      await writeFile(join(repo, 'env-creds.yaml'), text.replace(/aws_profile: dev/, 'aws_profile: ""'));
      const e = await envelope(['--endpoint-url', endpoint, 'config', 'decrypt', 'env-creds.yaml'], { AWS_ACCESS_KEY_ID: devKey.id, AWS_SECRET_ACCESS_KEY: devKey.secret });
      assert.equal(e.code, 0, e.stderr);
      assert.equal(e.out, PLAIN);
    });

    it('--kms KEY_ARN+ROLE_ARN --aws-profile on the command line; the AWS CLI, as the role, decrypts the data key blob', async () => {
      await writeFile(join(repo, 'cli.env'), 'TOKEN=abc\nPASSWORD=p4ss\n');
      const enc = await envelope(['config', 'encrypt', 'cli.env', '--kms', `${keyArn}+${ROLE}`, '--aws-profile', 'dev', '-o', 'cli.enc.env']);
      assert.equal(enc.code, 0, enc.stderr);
      const text = await readFile(join(repo, 'cli.enc.env'), 'utf8');
      assert.match(text, new RegExp(`^sops_kms__list_0__map_role=${ROLE}$`, 'm'));
      assert.match(text, /^sops_kms__list_0__map_aws_profile=dev$/m);
      assert.equal((await envelope(['config', 'decrypt', 'cli.enc.env', '--format', 'dotenv'])).out, 'TOKEN=abc\nPASSWORD=p4ss\n');

      if (!existsSync(AWS_CLI)) {
        console.log(`      (AWS CLI check skipped: ${AWS_CLI} is not installed; test/clients/setup.sh installs it)`);
        return;
      }
      const run = promisify(execFile);
      const awsEnv = { PATH: '/usr/bin:/bin', HOME: userHome, AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' };
      const blob = join(repo, 'blob.bin');
      await writeFile(blob, Buffer.from(/^sops_kms__list_0__map_enc=(.*)$/m.exec(text)![1]!, 'base64'));
      const assume = await run(AWS_CLI, ['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'aws-cli-check', '--profile', 'dev', '--endpoint-url', endpoint, '--output', 'json'], { env: awsEnv });
      const creds = (JSON.parse(assume.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }).Credentials;
      const asRole = { ...awsEnv, AWS_ACCESS_KEY_ID: creds.AccessKeyId, AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey, AWS_SESSION_TOKEN: creds.SessionToken, AWS_DEFAULT_REGION: 'us-east-1' };
      const dec = await run(AWS_CLI, ['kms', 'decrypt', '--ciphertext-blob', `fileb://${blob}`, '--key-id', keyArn, '--endpoint-url', endpoint, '--query', 'Plaintext', '--output', 'text'], { env: asRole });
      const dataKey = Buffer.from(dec.stdout.trim(), 'base64');
      assert.equal(dataKey.length, 32);
      assert.equal(openValue(/^PASSWORD=(.*)$/m.exec(text)![1]!, dataKey, 'PASSWORD:'), 'p4ss');
      // dev's own credentials are refused by the key policy.
      const denied = await run(AWS_CLI, ['kms', 'decrypt', '--ciphertext-blob', `fileb://${blob}`, '--key-id', keyArn, '--endpoint-url', endpoint, '--profile', 'dev'], { env: awsEnv }).catch((e: { stderr: string }) => e);
      assert.match((denied as { stderr: string }).stderr, /AccessDeniedException/);
    });
    it('Node API: loadConfig with a core MasterKeyKms uses the file\'s role and aws_profile', async () => {
      const vars = { AWS_CONFIG_FILE: join(userHome, '.aws', 'config'), AWS_SHARED_CREDENTIALS_FILE: join(userHome, '.aws', 'credentials') };
      const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
      Object.assign(process.env, vars);
      const keys = new MasterKeyKms({ sessionName: 'node-api' });
      try {
        assert.deepEqual(await loadConfig(join(repo, 'app.yaml'), { kms: (k) => keys.forKey(k), gpg: false }), parseYaml(PLAIN));
        // Without the role the key policy refuses dev.
        await assert.rejects(loadConfig(join(repo, 'no-role.yaml'), { kms: (k) => keys.forKey(k), gpg: false }), (e: Error) => e.name === 'ConfigKeyUnavailableException' && /AccessDeniedException/.test(e.message));
      } finally {
        keys.close();
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
      const events = (await admin(['--json', 'audit', 'query', '--principal', `arn:aws:sts::${ACCOUNT}:assumed-role/sops-decrypter/node-api`, '--event', 'Decrypt'])).out;
      assert.match(events, /assumed-role\/sops-decrypter\/node-api/);
    });
  });

  describe('with the embedded keystore', () => {
    let home: string;
    let cleanup: () => Promise<void>;
    let keyArn: string;
    const run = (argv: string[]) => cli(argv, { home, cwd: home, env: { HOME: home } });
    const admin = async (argv: string[]) => {
      const r = await run(argv);
      assert.equal(r.code, 0, `envelope ${argv.join(' ')}: ${r.stderr}`);
      return r;
    };

    before(async () => {
      ({ dir: home, cleanup } = await tempHome('envelope-cfg-role-embedded-'));
      ({ keyArn } = await setUpAccount(admin, home));
      await admin(['profile', 'add', 'dev', '--account', ACCOUNT, '--principal', 'user/dev']);
    });
    after(() => cleanup());

    it('the active Envelope profile assumes the role through the keystore STS; without the role it is refused', async () => {
      await writeFile(join(home, 'app.json'), '{\n  "password": "pw-1",\n  "port": 5432\n}\n');
      const enc = await run(['--profile', 'dev', 'config', 'encrypt', 'app.json', '--kms', `alias/sops-role-only+${ROLE}`, '-o', 'app.enc.json']);
      assert.equal(enc.code, 0, enc.stderr);
      const text = await readFile(join(home, 'app.enc.json'), 'utf8');
      const meta = (JSON.parse(text) as { sops: { kms: Record<string, unknown>[] } }).sops.kms[0]!;
      assert.equal(meta['arn'], keyArn, 'the alias was resolved with DescribeKey as the role');
      assert.equal(meta['role'], ROLE);
      const dec = await run(['--profile', 'dev', 'config', 'decrypt', 'app.enc.json']);
      assert.equal(dec.code, 0, dec.stderr);
      assert.deepEqual(JSON.parse(dec.out), { password: 'pw-1', port: 5432 });

      const noRole = JSON.parse(text) as { sops: { kms: Record<string, unknown>[] } };
      delete noRole.sops.kms[0]!['role'];
      await writeFile(join(home, 'no-role.json'), JSON.stringify(noRole, null, '\t'));
      const denied = await run(['--profile', 'dev', 'config', 'decrypt', 'no-role.json']);
      assert.equal(denied.code, 1);
      assert.equal(denied.out, '');
      assert.match(denied.stderr, /AccessDeniedException: .*user\/dev/);
      // The account root may not assume roles (as in AWS): refused in one line.
      const root = await run(['config', 'decrypt', 'app.enc.json']);
      assert.equal(root.code, 1);
      assert.match(root.stderr, /Roles may not be assumed by root accounts/);

      const assumed = `arn:aws:sts::${ACCOUNT}:assumed-role/sops-decrypter/${SESSION}`;
      const events = (await admin(['--json', 'audit', 'query', '--principal', assumed, '--event', 'Decrypt'])).out;
      assert.ok(events.includes(assumed));
      assert.match(events, /"Decrypt"/);
    });
  });
});
