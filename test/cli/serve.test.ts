/**
 * `envelope serve` end to end with the real @aws-sdk/client-kms v3 (docs/SERVE.md): credentials
 * made by `envelope iam create-access-key`, keys and aliases, the crypto operations, rotation,
 * policies and grants, a cross-account call between two accounts, AWS exception classes in the
 * SDK, AwsKmsKeyring over the endpoint, and a moderate concurrent load with no lost audit event.
 */
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  InvalidCiphertextException,
  KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  NotFoundException,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { AwsKmsKeyring, Iam, KmsKeyring, MultiKeyring, decrypt, encrypt, openDefaultKms, rootCaller } from '@envelope/core';
import { runServeLoad } from '../../bench/serve-load.js';
import { cli, ok, tempHome } from './helpers.js';

const A = '111122223333';
const B = '444455556666';
const enc = (s: string) => new TextEncoder().encode(s);

/** AccessDeniedException is not a modeled KMS error: the SDK raises KMSServiceException with its name. */
const AccessDenied = (e: Error) => e.name === 'AccessDeniedException';

const allowAll = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] });

describe('envelope serve with the real AWS SDK v3', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let endpoint: string;
  const stop = new AbortController();
  let served: Promise<unknown>;
  let alice: KMSClient;
  let aliceKey: { AccessKeyId: string; SecretAccessKey: string };

  const client = (key: { AccessKeyId: string; SecretAccessKey: string }, region = 'us-east-1') =>
    new KMSClient({ region, endpoint, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, maxAttempts: 1 });

  async function makeUser(name: string, account: string, policy = allowAll) {
    const o = { home };
    await ok(['iam', 'create-user', '--name', name, '--account', account], o);
    await writeFile(join(home, `${name}-policy.json`), policy);
    await ok(['iam', 'put-policy', '--user', name, '--account', account, '--name', 'kms', '--document', `@${name}-policy.json`], o);
    const r = await ok(['--json', 'iam', 'create-access-key', '--user', name, '--account', account], o);
    return r.json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>().AccessKey;
  }

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-serve-'));
    aliceKey = await makeUser('alice', A);
    let listening!: (v: { port: number }) => void;
    const up = new Promise<{ port: number }>((r) => (listening = r));
    served = cli(['serve', '--port', '0'], { home, signal: stop.signal, onListening: (a) => listening(a) });
    const { port } = await up;
    endpoint = `http://127.0.0.1:${port}`;
    alice = client(aliceKey);
  });
  after(async () => {
    alice?.destroy();
    stop.abort();
    const r = (await served) as { code: number; stderr: string };
    assert.equal(r.code, 0, r.stderr);
    await cleanup();
  });

  it('creates keys and aliases, and runs the symmetric crypto operations', async () => {
    const { KeyMetadata } = await alice.send(new CreateKeyCommand({ Description: 'sdk key' }));
    assert.ok(KeyMetadata?.Arn?.startsWith(`arn:aws:kms:us-east-1:${A}:key/`));
    assert.ok(KeyMetadata?.CreationDate instanceof Date);
    await alice.send(new CreateAliasCommand({ AliasName: 'alias/sdk', TargetKeyId: KeyMetadata!.KeyId! }));
    const aliases = await alice.send(new ListAliasesCommand({}));
    assert.ok(aliases.Aliases?.some((a) => a.AliasName === 'alias/sdk' && a.TargetKeyId === KeyMetadata!.KeyId));
    const keys = await alice.send(new ListKeysCommand({}));
    assert.ok(keys.Keys?.some((k) => k.KeyArn === KeyMetadata!.Arn));
    const d = await alice.send(new DescribeKeyCommand({ KeyId: 'alias/sdk' }));
    assert.equal(d.KeyMetadata?.KeyState, 'Enabled');

    const ctx = { purpose: 'sdk-test' };
    const e = await alice.send(new EncryptCommand({ KeyId: 'alias/sdk', Plaintext: enc('hello sdk'), EncryptionContext: ctx }));
    assert.equal(e.KeyId, KeyMetadata!.Arn);
    const p = await alice.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: ctx }));
    assert.equal(new TextDecoder().decode(p.Plaintext), 'hello sdk');
    await assert.rejects(alice.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { purpose: 'other' } })), InvalidCiphertextException);

    const g = await alice.send(new GenerateDataKeyCommand({ KeyId: 'alias/sdk', KeySpec: 'AES_256' }));
    assert.equal(g.Plaintext?.length, 32);
    const gp = await alice.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob }));
    assert.deepEqual(gp.Plaintext, g.Plaintext);
    const w = await alice.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: 'alias/sdk', NumberOfBytes: 16 }));
    assert.ok(!('Plaintext' in w));
    assert.equal((await alice.send(new DecryptCommand({ CiphertextBlob: w.CiphertextBlob }))).Plaintext?.length, 16);

    const other = await alice.send(new CreateKeyCommand({}));
    const re = await alice.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: ctx, DestinationKeyId: other.KeyMetadata!.KeyId!, DestinationEncryptionContext: ctx }));
    assert.equal(re.KeyId, other.KeyMetadata!.Arn);
    assert.equal(re.SourceKeyId, KeyMetadata!.Arn);
    assert.equal(new TextDecoder().decode((await alice.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: ctx }))).Plaintext), 'hello sdk');
    assert.equal((await alice.send(new GenerateRandomCommand({ NumberOfBytes: 24 }))).Plaintext?.length, 24);
  });

  it('signs and verifies with an ECC key, and MACs with an HMAC key', async () => {
    const ecc = await alice.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
    const msg = enc('signed message');
    const s = await alice.send(new SignCommand({ KeyId: ecc.KeyMetadata!.KeyId!, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }));
    const v = await alice.send(new VerifyCommand({ KeyId: ecc.KeyMetadata!.KeyId!, Message: msg, Signature: s.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }));
    assert.equal(v.SignatureValid, true);
    const pub = await alice.send(new GetPublicKeyCommand({ KeyId: ecc.KeyMetadata!.KeyId! }));
    assert.ok((pub.PublicKey?.length ?? 0) > 60);
    const hmac = await alice.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    const m = await alice.send(new GenerateMacCommand({ KeyId: hmac.KeyMetadata!.KeyId!, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }));
    const mv = await alice.send(new VerifyMacCommand({ KeyId: hmac.KeyMetadata!.KeyId!, Message: msg, Mac: m.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
    assert.equal(mv.MacValid, true);
  });

  it('rotates: old ciphertexts still decrypt, rotations are listed', async () => {
    const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const before = await alice.send(new EncryptCommand({ KeyId: k, Plaintext: enc('v1') }));
    await alice.send(new EnableKeyRotationCommand({ KeyId: k, RotationPeriodInDays: 90 }));
    assert.equal((await alice.send(new GetKeyRotationStatusCommand({ KeyId: k }))).KeyRotationEnabled, true);
    await alice.send(new RotateKeyOnDemandCommand({ KeyId: k }));
    const rotations = await alice.send(new ListKeyRotationsCommand({ KeyId: k }));
    assert.equal(rotations.Rotations?.length, 1);
    assert.equal(new TextDecoder().decode((await alice.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }))).Plaintext), 'v1');
  });

  it('surfaces AWS errors as the SDK exception classes', async () => {
    await assert.rejects(alice.send(new DescribeKeyCommand({ KeyId: 'alias/none' })), NotFoundException);
    const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await alice.send(new DisableKeyCommand({ KeyId: k }));
    await assert.rejects(alice.send(new EncryptCommand({ KeyId: k, Plaintext: enc('x') })), DisabledException);
    await alice.send(new EnableKeyCommand({ KeyId: k }));
    const ct = await alice.send(new EncryptCommand({ KeyId: k, Plaintext: enc('tamper me') }));
    const bad = Uint8Array.from(ct.CiphertextBlob!);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
    await assert.rejects(alice.send(new DecryptCommand({ CiphertextBlob: bad })), InvalidCiphertextException);
  });

  it('key policies and grants: a user without IAM permissions works only through a grant', async () => {
    const bobKey = await makeUser('bob', A, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }] }));
    const bob = client(bobKey);
    try {
      const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
      const policy = await alice.send(new GetKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default' }));
      assert.match(policy.Policy ?? '', /arn:aws:iam::111122223333:root/);
      const ct = await alice.send(new EncryptCommand({ KeyId: k.KeyId!, Plaintext: enc('for bob'), EncryptionContext: { app: 'bob' } }));
      await assert.rejects(bob.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { app: 'bob' } })), AccessDenied);
      const grant = await alice.send(
        new CreateGrantCommand({ KeyId: k.KeyId!, GranteePrincipal: `arn:aws:iam::${A}:user/bob`, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { app: 'bob' } } }),
      );
      const p = await bob.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { app: 'bob' }, GrantTokens: [grant.GrantToken!] }));
      assert.equal(new TextDecoder().decode(p.Plaintext), 'for bob');
      assert.equal((await alice.send(new ListGrantsCommand({ KeyId: k.KeyId! }))).Grants?.length, 1);
      await alice.send(new RevokeGrantCommand({ KeyId: k.KeyId!, GrantId: grant.GrantId! }));
      await assert.rejects(bob.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { app: 'bob' } })), AccessDenied);
      // A key policy naming bob directly lets him in without IAM permissions.
      const doc = JSON.parse(policy.Policy!) as { Statement: unknown[] };
      doc.Statement.push({ Sid: 'bob-decrypt', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/bob` }, Action: 'kms:Decrypt', Resource: '*' });
      await alice.send(new PutKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default', Policy: JSON.stringify(doc) }));
      assert.equal(new TextDecoder().decode((await bob.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { app: 'bob' } }))).Plaintext), 'for bob');
    } finally {
      bob.destroy();
    }
  });

  it('cross-account: account B decrypts with account A’s key only when both policies allow', async () => {
    const carolKey = await makeUser('carol', B);
    const carol = client(carolKey);
    try {
      const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
      const ct = await alice.send(new EncryptCommand({ KeyId: k.KeyId!, Plaintext: enc('shared') }));
      await assert.rejects(carol.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, KeyId: k.Arn! })), AccessDenied);
      const policy = JSON.parse((await alice.send(new GetKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default' }))).Policy!) as { Statement: unknown[] };
      policy.Statement.push({ Sid: 'account-b', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: '*' });
      await alice.send(new PutKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default', Policy: JSON.stringify(policy) }));
      const p = await carol.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, KeyId: k.Arn! }));
      assert.equal(new TextDecoder().decode(p.Plaintext), 'shared');
      await assert.rejects(carol.send(new EncryptCommand({ KeyId: k.Arn!, Plaintext: enc('no') })), AccessDenied);
    } finally {
      carol.destroy();
    }
  });

  it('refuses unknown or deactivated access keys and wrong-region clients', async () => {
    const stranger = client({ AccessKeyId: 'AKIAUNKNOWNUNKNOWN00', SecretAccessKey: 'x' });
    await assert.rejects(stranger.send(new ListKeysCommand({})), (e: Error) => e.name === 'UnrecognizedClientException');
    stranger.destroy();
    const erinKey = await makeUser('erin', A);
    const erin = client(erinKey);
    assert.ok((await erin.send(new ListKeysCommand({}))).Keys);
    await new Iam({ store: openDefaultKms({ home }).store }).UpdateAccessKey({ UserName: 'erin', AccessKeyId: erinKey.AccessKeyId, Status: 'Inactive' });
    await assert.rejects(erin.send(new ListKeysCommand({})), (e: Error) => e.name === 'UnrecognizedClientException');
    erin.destroy();
    const elsewhere = client(aliceKey, 'eu-west-1');
    await assert.rejects(elsewhere.send(new ListKeysCommand({})), (e: Error) => e.name === 'InvalidSignatureException');
    elsewhere.destroy();
  });

  it('AwsKmsKeyring encrypts and decrypts messages through the endpoint, with a discovery filter', async () => {
    const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
    const keyring = new AwsKmsKeyring({ client: alice, generatorKeyId: k.Arn! });
    const ct = await encrypt(enc('via aws-kms keyring'), { keyring, context: { app: 'ring' } });
    const strict = await decrypt(ct, { keyring });
    assert.equal(new TextDecoder().decode(strict.plaintext), 'via aws-kms keyring');
    const discovery = new AwsKmsKeyring({ client: alice, discovery: true, discoveryFilter: { accountIds: [A], partition: 'aws' } });
    assert.equal(new TextDecoder().decode((await decrypt(ct, { keyring: discovery })).plaintext), 'via aws-kms keyring');
    const filtered = new AwsKmsKeyring({ client: alice, discovery: true, discoveryFilter: { accountIds: [B] } });
    await assert.rejects(decrypt(ct, { keyring: filtered }));
  });

  it('a multi-keyring mixes AwsKmsKeyring (over serve) with the local KmsKeyring; either one decrypts', async () => {
    const remote = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
    const localId = (await ok(['--json', 'key', 'create'], { home })).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
    const kms = openDefaultKms({ home });
    const local = new KmsKeyring({ kms, keyIds: [localId], caller: rootCaller(A, 'us-east-1') });
    const aws = new AwsKmsKeyring({ client: alice, generatorKeyId: remote.Arn! });
    const ct = await encrypt(enc('two worlds'), { keyring: new MultiKeyring({ generator: aws, children: [local] }), context: { mix: 'yes' } });
    assert.equal(new TextDecoder().decode((await decrypt(ct, { keyring: local })).plaintext), 'two worlds');
    assert.equal(new TextDecoder().decode((await decrypt(ct, { keyring: aws })).plaintext), 'two worlds');
    // Strict mode: a keyring configured with another key does not touch this message's data keys.
    const other = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
    await assert.rejects(decrypt(ct, { keyring: new AwsKmsKeyring({ client: alice, keyIds: [other.Arn!] }) }));
    assert.throws(() => new AwsKmsKeyring({ client: alice }), /generatorKeyId/);
    assert.throws(() => new AwsKmsKeyring({ client: alice, discovery: true, keyIds: [other.Arn!] }), /discovery/);
  });

  it('passes the connection address as aws:SourceIp to policy conditions', async () => {
    const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
    const policy = JSON.parse((await alice.send(new GetKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default' }))).Policy!) as { Statement: unknown[] };
    policy.Statement.push({
      Sid: 'only-from-the-office', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Encrypt', Resource: '*',
      Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    await alice.send(new PutKeyPolicyCommand({ KeyId: k.KeyId!, PolicyName: 'default', Policy: JSON.stringify(policy) }));
    await assert.rejects(alice.send(new EncryptCommand({ KeyId: k.KeyId!, Plaintext: enc('x') })), AccessDenied);
    const explained = await ok(['--json', 'policy', 'explain', k.KeyId!, '--principal', `arn:aws:iam::${A}:user/alice`, '--action', 'kms:Encrypt', '--source-ip', '10.1.2.3'], { home });
    assert.equal(explained.json<{ decision: string }>().decision, 'Allow');
  });

  it('serves 16 concurrent clients × 50 rounds of GenerateDataKey + Decrypt without an error', async () => {
    const k = (await alice.send(new CreateKeyCommand({}))).KeyMetadata!;
    const result = await runServeLoad({
      endpoint,
      region: 'us-east-1',
      accessKeyId: aliceKey.AccessKeyId,
      secretAccessKey: aliceKey.SecretAccessKey,
      keyId: k.KeyId!,
      clients: 16,
      rounds: 50,
      context: { load: 'test' },
    });
    assert.equal(result.errors, 0, result.firstError);
    assert.equal(result.requests, 1600);
    const audit = await ok(['--json', 'audit', 'query', '--key', k.Arn!, '--event', 'GenerateDataKey'], { home });
    assert.equal(audit.json<{ Events: unknown[] }>().Events.length, 800);
  });
});

describe('AwsKmsKeyring: data keys it generates are wiped when encryption fails', () => {
  it('wipes the GenerateDataKey plaintext when wrapping under an additional key is denied', async () => {
    const arn = (id: string) => `arn:aws:kms:us-east-1:${A}:key/${id}`;
    const generated = new Uint8Array(32).fill(7);
    const client = {
      async send(command: object) {
        if (command instanceof GenerateDataKeyCommand) return { KeyId: arn('gen'), Plaintext: generated, CiphertextBlob: new Uint8Array(8) };
        throw Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
      },
    };
    const keyring = new AwsKmsKeyring({ client: () => client as unknown as KMSClient, generatorKeyId: arn('gen'), keyIds: [arn('other')] });
    await assert.rejects(encrypt(enc('x'), { keyring }), AccessDenied);
    assert.deepEqual(generated, new Uint8Array(32), 'the generated data key is zeroed');
  });
});
