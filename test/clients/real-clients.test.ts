/**
 * `envelope serve` against AWS clients we did not write (issue 14 item 2): Debian's AWS CLI v2
 * (/usr/bin/aws), Debian's boto3 (through /usr/bin/python3), `curl --aws-sigv4`, and
 * @aws-sdk/client-kms. Each runs the same scenario against one server: create-key,
 * create-alias, encrypt/decrypt with an encryption context (the wrong context refused),
 * generate-data-key, list-keys through the client's own pagination, sign/verify on an ECC key,
 * enable-key-rotation, a call the caller's policy does not allow (AccessDeniedException), a wrong
 * secret (refused), and the captured-request attack of issue 14 (X-Amz-Target unsigned or
 * changed after signing: refused, and the key stays enabled).
 *
 * The Debian clients are installed by test/clients/setup.sh (apt-get). Where apt is unavailable
 * those suites are skipped with the reason printed; the SDK suite always runs. /usr/bin paths are
 * used explicitly: a pyenv shim may put another `aws` and `python3` first on PATH.
 */
import { strict as assert } from 'node:assert';
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import * as kms from '@aws-sdk/client-kms';
import { cli, ok, REPO, tempHome } from '../cli/helpers.js';

const run = promisify(execFile);
const A = '111122223333';
const REGION = 'us-east-1';
const BLOBS = ['Plaintext', 'CiphertextBlob', 'Message', 'Signature', 'PublicKey'];
const AWS = '/usr/bin/aws';
const PYTHON = '/usr/bin/python3';
const CURL = '/usr/bin/curl';

interface Creds {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken?: string;
}
type Wire = Record<string, unknown>;
interface CallResult {
  readonly ok?: Wire;
  readonly error?: string;
}

/** One AWS client, spoken to in AWS JSON wire shapes (blobs base64). */
interface RealClient {
  readonly name: string;
  call(op: string, params: Wire, creds: Creds, opts?: { paginate?: boolean; service?: 'kms' | 'sts' }): Promise<CallResult>;
  /** Sends DisableKey on `keyId` with an X-Amz-Target the signature does not cover. */
  attackTarget(keyId: string, creds: Creds): Promise<CallResult>;
  close?(): void;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (v: unknown) => Buffer.from(String(v), 'base64').toString('utf8');
const kebab = (op: string) => op.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function cleanEnv(home: string, creds: Creds, endpoint: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: creds.AccessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.SecretAccessKey,
    ...(creds.SessionToken ? { AWS_SESSION_TOKEN: creds.SessionToken } : {}),
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_DEFAULT_REGION: REGION,
    AWS_ENDPOINT_URL: endpoint,
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
}

/** Replays a captured request with another X-Amz-Target (node:http, no signing). */
function replay(port: number, headers: Record<string, string>, body: string): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Wire;
        resolve(res.statusCode === 200 ? { ok: json } : { error: String(json['__type']) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function awsCli(home: string, endpoint: string, port: number): RealClient {
  const aws = async (args: string[], creds: Creds) => {
    try {
      const { stdout, stderr } = await run(AWS, [...args, '--endpoint-url', endpoint, '--region', REGION, '--output', 'json', '--no-cli-pager'], {
        env: cleanEnv(home, creds, endpoint),
        maxBuffer: 64 * 1024 * 1024,
      });
      return { stdout, stderr, code: 0 };
    } catch (e) {
      const err = e as { stdout: string; stderr: string; code: number };
      return { stdout: err.stdout, stderr: err.stderr, code: err.code };
    }
  };
  return {
    name: 'AWS CLI v2 (Debian awscli)',
    async call(op, params, creds, opts) {
      const input = { ...params };
      const extra: string[] = [];
      if (opts?.paginate && 'Limit' in input) {
        extra.push('--page-size', String(input['Limit']));
        delete input['Limit'];
      } else if (op.startsWith('List')) extra.push('--no-paginate');
      const r = await aws([opts?.service ?? 'kms', kebab(op), '--cli-input-json', JSON.stringify(input), ...extra], creds);
      if (r.code === 0) return { ok: r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Wire) };
      const m = /An error occurred \((\w+)\)/.exec(r.stderr);
      assert.ok(m, `aws ${op} exited ${r.code}: ${r.stderr}`);
      return { error: m[1] as string };
    },
    async attackTarget(keyId, creds) {
      // Capture a signed DescribeKey from the CLI's own debug log, then re-send it as DisableKey.
      const r = await aws(['kms', 'describe-key', '--key-id', keyId, '--debug'], creds);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const sent = /Sending http request: <AWSPreparedRequest .*headers=\{(.*)\}>/.exec(r.stderr)?.[1] ?? '';
      const header = (name: string) => new RegExp(`'${name}': b?'([^']*)'`).exec(sent)?.[1];
      const body = /'body': b'(\{[^']*\})'/.exec(r.stderr)?.[1];
      const authorization = header('Authorization');
      assert.ok(authorization && body && header('X-Amz-Date'), 'the debug log shows the signed request');
      assert.match(authorization, /SignedHeaders=[^,]*x-amz-target/, 'the AWS CLI signs X-Amz-Target');
      return replay(port, {
        'Content-Type': header('Content-Type') ?? 'application/x-amz-json-1.1',
        'X-Amz-Date': header('X-Amz-Date') as string,
        Authorization: authorization,
        'X-Amz-Target': 'TrentService.DisableKey',
      }, body);
    },
  };
}

function boto3Client(home: string, endpoint: string): RealClient & { version(): Promise<string> } {
  let child: ChildProcessWithoutNullStreams | undefined;
  let lines: AsyncIterator<string> | undefined;
  const start = () => {
    child = spawn(PYTHON, [join(REPO, 'test/clients/boto3_shim.py'), endpoint, REGION], { env: { ...cleanEnv(home, { AccessKeyId: '', SecretAccessKey: '' }, endpoint) } });
    lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return { child, lines };
  };
  const ask = async (req: Wire): Promise<CallResult> => {
    const p = child && lines ? { child, lines } : start();
    p.child.stdin.write(`${JSON.stringify(req)}\n`);
    const next = await p.lines.next();
    assert.ok(!next.done, 'the boto3 shim answered');
    const r = JSON.parse(next.value) as CallResult & { traceback?: string };
    assert.equal(r.traceback, undefined, r.traceback);
    return r.error !== undefined ? { error: r.error } : { ok: r.ok as Wire };
  };
  return {
    name: 'boto3 (Debian python3-boto3)',
    async version() {
      return (await run(PYTHON, ['-c', 'import boto3, botocore; print(boto3.__version__, botocore.__version__)'], { env: { PATH: '/usr/bin:/bin' } })).stdout.trim();
    },
    call: (op, params, creds, opts) => ask({ op, params, creds, blobs: BLOBS, paginate: opts?.paginate ?? false, service: opts?.service ?? 'kms' }),
    attackTarget: (keyId, creds) => ask({ op: 'DisableKey', params: { KeyId: keyId }, creds, unsignedTarget: true }),
    close() {
      child?.stdin.end();
    },
  };
}

function curlClient(port: number, endpoint: string): RealClient {
  const curl = async (args: string[]) => {
    try {
      return (await run(CURL, ['-sS', ...args], { env: { PATH: '/usr/bin:/bin' } })).stdout;
    } catch (e) {
      return (e as { stdout: string }).stdout;
    }
  };
  const signed = (creds: Creds, target: string | undefined, body: string, verbose = false) => [
    ...(verbose ? ['-v'] : []),
    '--aws-sigv4', `aws:amz:${REGION}:kms`,
    '--user', `${creds.AccessKeyId}:${creds.SecretAccessKey}`,
    ...(creds.SessionToken ? ['-H', `X-Amz-Security-Token: ${creds.SessionToken}`] : []),
    '-H', 'Content-Type: application/x-amz-json-1.1',
    ...(target ? ['-H', `X-Amz-Target: TrentService.${target}`] : []),
    '--data-binary', body,
    `${endpoint}/`,
  ];
  const parse = (text: string): CallResult => {
    const json = JSON.parse(text) as Wire;
    return typeof json['__type'] === 'string' ? { error: json['__type'] } : { ok: json };
  };
  const client: RealClient = {
    name: 'curl --aws-sigv4',
    async call(op, params, creds, opts) {
      if (!opts?.paginate) return parse(await curl(signed(creds, op, JSON.stringify(params))));
      // curl has no paginator: follow NextMarker by hand.
      const merged: Record<string, unknown[]> = {};
      let marker: string | undefined;
      do {
        const page = parse(await curl(signed(creds, op, JSON.stringify({ ...params, ...(marker ? { Marker: marker } : {}) }))));
        if (!page.ok) return page;
        for (const [k, v] of Object.entries(page.ok)) if (Array.isArray(v)) (merged[k] ??= []).push(...(v as unknown[]));
        marker = page.ok['Truncated'] ? String(page.ok['NextMarker']) : undefined;
      } while (marker);
      return { ok: merged };
    },
    async attackTarget(keyId, creds) {
      // curl signs every header it sends: sign a request without X-Amz-Target, capture it, add one.
      const body = JSON.stringify({ KeyId: keyId });
      const { stderr } = await run(CURL, ['-sS', ...signed(creds, undefined, body, true)], { env: { PATH: '/usr/bin:/bin' } });
      const sent = (name: string) => new RegExp(`^> ${name}: (.*)\\r?$`, 'mi').exec(stderr)?.[1]?.trim();
      const authorization = sent('Authorization');
      assert.ok(authorization && sent('X-Amz-Date'), 'curl -v shows the signed request');
      assert.doesNotMatch(authorization, /x-amz-target/i);
      return replay(port, { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Date': sent('X-Amz-Date') as string, Authorization: authorization, 'X-Amz-Target': 'TrentService.DisableKey' }, body);
    },
  };
  return client;
}

function sdkClient(endpoint: string): RealClient {
  const make = (creds: Creds) =>
    new kms.KMSClient({
      region: REGION,
      endpoint,
      credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey, ...(creds.SessionToken ? { sessionToken: creds.SessionToken } : {}) },
      maxAttempts: 1,
    });
  const toSdk = (params: Wire): Wire =>
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, BLOBS.includes(k) ? Buffer.from(String(v), 'base64') : v]));
  const toWire = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    if (v instanceof Date) return v.toISOString();
    if (Array.isArray(v)) return v.map(toWire);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '$metadata').map(([k, x]) => [k, toWire(x)]));
    return v;
  };
  const commands = kms as unknown as Record<string, new (input: Wire) => kms.ListKeysCommand>;
  return {
    name: '@aws-sdk/client-kms',
    async call(op, params, creds, opts) {
      const client = make(creds);
      try {
        if (opts?.paginate && op === 'ListKeys') {
          const keys: unknown[] = [];
          for await (const page of kms.paginateListKeys({ client, pageSize: Number(params['Limit']) }, {})) keys.push(...(page.Keys ?? []));
          return { ok: { Keys: toWire(keys) } as Wire };
        }
        const Command = commands[`${op}Command`];
        assert.ok(Command, op);
        return { ok: toWire(await client.send(new Command(toSdk(params)))) as Wire };
      } catch (e) {
        if ((e as { $metadata?: unknown }).$metadata === undefined) throw e;
        return { error: (e as Error).name };
      } finally {
        client.destroy();
      }
    },
    async attackTarget(keyId, creds) {
      const client = make(creds);
      let target: string | undefined;
      client.middlewareStack.add(
        ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
          const headers = (args.request as { headers: Record<string, string> }).headers;
          target = headers['x-amz-target'];
          delete headers['x-amz-target'];
          return next(args);
        }) as never,
        { step: 'build', name: 'stripTarget' } as never,
      );
      client.middlewareStack.addRelativeTo(
        ((next: (args: { request: unknown }) => Promise<unknown>) => async (args: { request: unknown }) => {
          (args.request as { headers: Record<string, string> }).headers['x-amz-target'] = target as string;
          return next(args);
        }) as never,
        { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'restoreTarget' },
      );
      try {
        await client.send(new kms.DisableKeyCommand({ KeyId: keyId }));
        return { ok: {} };
      } catch (e) {
        return { error: (e as Error).name };
      } finally {
        client.destroy();
      }
    },
  };
}

describe('envelope serve with real AWS clients', function () {
  this.timeout(240_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let endpoint: string;
  let port: number;
  const stop = new AbortController();
  let served: Promise<unknown>;
  let alice: Creds;
  let bob: Creds;
  let aptReason: string | undefined;

  async function makeUser(name: string, policy: Wire): Promise<Creds> {
    await ok(['iam', 'create-user', '--name', name, '--account', A], { home });
    await writeFile(join(home, `${name}.json`), JSON.stringify(policy));
    await ok(['iam', 'put-policy', '--user', name, '--account', A, '--name', 'p', '--document', `@${name}.json`], { home });
    return (await ok(['--json', 'iam', 'create-access-key', '--user', name, '--account', A], { home })).json<{ AccessKey: Creds }>().AccessKey;
  }

  before(async function () {
    this.timeout(900_000);
    try {
      const { stderr } = await run('bash', [join(REPO, 'test/clients/setup.sh')], { timeout: 840_000 });
      process.stderr.write(`      ${stderr.trim().split('\n').at(-1)}\n`);
    } catch (e) {
      aptReason = `the Debian clients could not be installed (${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}); their suites are skipped`;
      process.stderr.write(`      SKIP: ${aptReason}\n`);
    }
    ({ dir: home, cleanup } = await tempHome('envelope-clients-'));
    alice = await makeUser('alice', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });
    bob = await makeUser('bob', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:ListKeys', 'kms:DescribeKey'], Resource: '*' }] });
    let listening!: (v: { port: number }) => void;
    const up = new Promise<{ port: number }>((r) => (listening = r));
    served = cli(['serve', '--port', '0'], { home, signal: stop.signal, onListening: (a) => listening(a) });
    port = (await up).port;
    endpoint = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    stop.abort();
    const r = (await served) as { code: number; stderr: string };
    assert.equal(r.code, 0, r.stderr);
    await cleanup();
  });

  const suites: [string, (needsApt: boolean) => RealClient, boolean][] = [
    ['AWS CLI v2', () => awsCli(home, endpoint, port), true],
    ['boto3', () => boto3Client(home, endpoint), true],
    ['curl --aws-sigv4', () => curlClient(port, endpoint), true],
    ['@aws-sdk/client-kms', () => sdkClient(endpoint), false],
  ];

  for (const [label, make, needsApt] of suites) {
    describe(label, () => {
      let c: RealClient;
      let keyId: string;
      before(function () {
        if (needsApt && aptReason) this.skip();
        c = make(needsApt);
      });
      after(() => c?.close?.());

      it('create-key and create-alias', async () => {
        const created = await c.call('CreateKey', { Description: `${label} key` }, alice);
        const meta = created.ok?.['KeyMetadata'] as Wire;
        assert.match(String(meta['Arn']), new RegExp(`^arn:aws:kms:${REGION}:${A}:key/`));
        keyId = String(meta['KeyId']);
        const alias = `alias/${label.replace(/[^a-z0-9]/gi, '-')}`;
        assert.deepEqual(await c.call('CreateAlias', { AliasName: alias, TargetKeyId: keyId }, alice), { ok: {} });
        const described = await c.call('DescribeKey', { KeyId: alias }, alice);
        assert.equal((described.ok?.['KeyMetadata'] as Wire)['KeyId'], keyId);
      });

      it('encrypt/decrypt with an encryption context; the wrong context is refused', async () => {
        const ctx = { app: 'clients', who: label };
        const e = await c.call('Encrypt', { KeyId: keyId, Plaintext: b64(`hello from ${label}`), EncryptionContext: ctx }, alice);
        assert.ok(e.ok?.['CiphertextBlob'], JSON.stringify(e));
        const d = await c.call('Decrypt', { CiphertextBlob: e.ok['CiphertextBlob'], EncryptionContext: ctx }, alice);
        assert.equal(unb64(d.ok?.['Plaintext']), `hello from ${label}`);
        assert.equal(String(d.ok?.['KeyId']).endsWith(keyId), true);
        const wrong = await c.call('Decrypt', { CiphertextBlob: e.ok['CiphertextBlob'], EncryptionContext: { app: 'other' } }, alice);
        assert.deepEqual(wrong, { error: 'InvalidCiphertextException' });
      });

      it('generate-data-key', async () => {
        const g = await c.call('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }, alice);
        assert.equal(Buffer.from(String(g.ok?.['Plaintext']), 'base64').length, 32);
        const d = await c.call('Decrypt', { CiphertextBlob: g.ok?.['CiphertextBlob'] }, alice);
        assert.equal(d.ok?.['Plaintext'], g.ok?.['Plaintext']);
      });

      it('list-keys through the client’s pagination', async () => {
        for (let i = 0; i < 3; i++) await c.call('CreateKey', {}, alice);
        const one = await c.call('ListKeys', { Limit: 2 }, alice);
        assert.equal((one.ok?.['Keys'] as unknown[]).length, 2, 'the server pages by Limit');
        assert.equal(one.ok?.['Truncated'], true);
        const all = await c.call('ListKeys', { Limit: 2 }, alice, { paginate: true });
        const ids = (all.ok?.['Keys'] as Wire[]).map((k) => k['KeyId']);
        assert.ok(ids.length >= 4, `all pages: ${ids.length}`);
        assert.equal(new Set(ids).size, ids.length, 'no key twice');
        assert.ok(ids.includes(keyId));
      });

      it('sign/verify on an ECC key', async () => {
        const ecc = await c.call('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, alice);
        const id = String((ecc.ok?.['KeyMetadata'] as Wire)['KeyId']);
        const message = b64(`signed by ${label}`);
        const s = await c.call('Sign', { KeyId: id, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }, alice);
        assert.ok(s.ok?.['Signature'], JSON.stringify(s));
        const v = await c.call('Verify', { KeyId: id, Message: message, MessageType: 'RAW', Signature: s.ok['Signature'], SigningAlgorithm: 'ECDSA_SHA_256' }, alice);
        assert.equal(v.ok?.['SignatureValid'], true);
        const bad = await c.call('Verify', { KeyId: id, Message: b64('another message'), MessageType: 'RAW', Signature: s.ok['Signature'], SigningAlgorithm: 'ECDSA_SHA_256' }, alice);
        assert.deepEqual(bad, { error: 'KMSInvalidSignatureException' });
      });

      it('enable-key-rotation', async () => {
        assert.deepEqual(await c.call('EnableKeyRotation', { KeyId: keyId }, alice), { ok: {} });
        const status = await c.call('GetKeyRotationStatus', { KeyId: keyId }, alice);
        assert.equal(status.ok?.['KeyRotationEnabled'], true);
      });

      it('a call the caller’s policy does not allow: AccessDeniedException', async () => {
        assert.ok((await c.call('ListKeys', {}, bob)).ok, 'bob may list keys');
        assert.deepEqual(await c.call('Encrypt', { KeyId: keyId, Plaintext: b64('x') }, bob), { error: 'AccessDeniedException' });
      });

      it('a wrong secret is refused', async () => {
        assert.deepEqual(await c.call('ListKeys', {}, { ...alice, SecretAccessKey: `${alice.SecretAccessKey.slice(0, -2)}xx` }), { error: 'InvalidSignatureException' });
        assert.deepEqual(await c.call('ListKeys', {}, { ...alice, AccessKeyId: 'AKIAUNKNOWNUNKNOWN00' }), { error: 'UnrecognizedClientException' });
      });

      it('an X-Amz-Target the signature does not cover is refused, and the key stays enabled', async () => {
        assert.deepEqual(await c.attackTarget(keyId, alice), { error: 'InvalidSignatureException' });
        const d = await c.call('DescribeKey', { KeyId: keyId }, alice);
        assert.equal((d.ok?.['KeyMetadata'] as Wire)['KeyState'], 'Enabled');
      });
    });
  }

  for (const [label, make] of [
    ['AWS CLI v2', () => awsCli(home, endpoint, port)],
    ['boto3', () => boto3Client(home, endpoint)],
  ] as const) {
    it(`${label}: sts assume-role against serve, then kms decrypt with the temporary credentials`, async function () {
      if (aptReason) this.skip();
      const c: RealClient = make();
      try {
        const role = `reader-${label.replace(/[^a-z0-9]/gi, '')}`;
        await writeFile(join(home, `${role}-trust.json`), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }] }));
        await ok(['iam', 'create-role', '--name', role, '--account', A, '--trust-policy', `@${role}-trust.json`], { home });
        await writeFile(join(home, `${role}.json`), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] }));
        await ok(['iam', 'put-policy', '--role', role, '--account', A, '--name', 'decrypt', '--document', `@${role}.json`], { home });
        const key = String(((await c.call('CreateKey', {}, alice)).ok?.['KeyMetadata'] as Wire)['KeyId']);
        const ct = (await c.call('Encrypt', { KeyId: key, Plaintext: b64('for the role') }, alice)).ok?.['CiphertextBlob'];

        assert.equal((await c.call('GetCallerIdentity', {}, alice, { service: 'sts' })).ok?.['Arn'], `arn:aws:iam::${A}:user/alice`);
        const assumed = await c.call('AssumeRole', { RoleArn: `arn:aws:iam::${A}:role/${role}`, RoleSessionName: 'client-1', DurationSeconds: 900 }, alice, { service: 'sts' });
        const cr = assumed.ok?.['Credentials'] as Wire;
        assert.equal((assumed.ok?.['AssumedRoleUser'] as Wire)['Arn'], `arn:aws:sts::${A}:assumed-role/${role}/client-1`);
        assert.ok(Date.parse(String(cr['Expiration'])) > Date.now() + 800_000, String(cr['Expiration']));
        const session: Creds = { AccessKeyId: String(cr['AccessKeyId']), SecretAccessKey: String(cr['SecretAccessKey']), SessionToken: String(cr['SessionToken']) };
        assert.equal((await c.call('GetCallerIdentity', {}, session, { service: 'sts' })).ok?.['Arn'], `arn:aws:sts::${A}:assumed-role/${role}/client-1`);
        assert.equal(unb64((await c.call('Decrypt', { CiphertextBlob: ct }, session)).ok?.['Plaintext']), 'for the role');
        // The role may decrypt only; its session may not encrypt, and is nothing without its token.
        assert.deepEqual(await c.call('Encrypt', { KeyId: key, Plaintext: b64('x') }, session), { error: 'AccessDeniedException' });
        assert.deepEqual(await c.call('Decrypt', { CiphertextBlob: ct }, { AccessKeyId: session.AccessKeyId, SecretAccessKey: session.SecretAccessKey }), { error: 'UnrecognizedClientException' });
        // bob is not in the trust policy: STS's AccessDenied.
        assert.deepEqual(await c.call('AssumeRole', { RoleArn: `arn:aws:iam::${A}:role/${role}`, RoleSessionName: 'client-2' }, bob, { service: 'sts' }), { error: 'AccessDenied' });
      } finally {
        c.close?.();
      }
    });
  }

  it('reports the client versions tested', async function () {
    if (aptReason) this.skip();
    const aws = (await run(AWS, ['--version'], { env: { PATH: '/usr/bin:/bin' } })).stdout.trim();
    assert.match(aws, /^aws-cli\/2\./, 'Debian’s awscli is the AWS CLI v2');
    const boto = await boto3Client(home, endpoint).version();
    const curl = (await run(CURL, ['--version'])).stdout.split('\n')[0] ?? '';
    process.stderr.write(`      ${aws.split(' ')[0]}; boto3/botocore ${boto}; ${curl.split(' ').slice(0, 2).join(' ')}\n`);
  });
});
