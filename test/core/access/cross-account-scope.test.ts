/**
 * Cross-account scope (AWS KMS permissions reference, "Cross-account use"): every Kms operation ×
 * {same account, other account}. Account A's key policy allows account B `kms:*` and B's user has
 * an IAM policy allowing `kms:*`; still, only the operations AWS marks for cross-account use work on
 * A's key, the others are AccessDeniedException. The expected column is written out here from the
 * AWS KMS API Reference, independently of the implementation's table.
 */
import { strict as assert } from 'node:assert';
import { constants, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
import { KMS_CROSS_ACCOUNT_USE } from '../../../packages/core/src/policy/cross-account.js';
import type { CallContext } from '../../../packages/core/src/kms/call-context.js';
import type { CreateKeyRequest } from '../../../packages/core/src/kms/types.js';
import { ROOT_KEY, seededRandom, tempHome, testClock, utf8 } from '../kms/helpers.js';

const A = '111122223333';
const B = '444455556666';
const ROOT_A: CallContext = { principal: `arn:aws:iam::${A}:root`, accountId: A };
const BOB_B: CallContext = { principal: `arn:aws:iam::${B}:user/bob`, accountId: B };
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [
  { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_A.principal }, Action: 'kms:*', Resource: '*' },
  { Sid: 'AccountBMayDoAnything', Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:*', Resource: '*' },
] });
const peer = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }));

type Kind = 'sym' | 'sign' | 'hmac' | 'ecdh' | 'external' | 'mrk' | 'none';
const SPECS: Record<Exclude<Kind, 'none'>, CreateKeyRequest> = {
  sym: {},
  sign: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
  hmac: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
  ecdh: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' },
  external: { Origin: 'EXTERNAL' },
  mrk: { MultiRegion: true },
};
/** What the owner prepared, and who calls. */
interface Fx { arn: string; caller: CallContext; n: number; extra: Record<string, unknown> }
type Expect = 'yes' | 'no' | 'own-account';
interface Case {
  readonly aws: Expect;
  readonly key: Kind;
  prep?(kms: Kms, arn: string, f: Fx): Promise<void>;
  call(kms: Kms, f: Fx): Promise<unknown>;
}

async function importMaterial(kms: Kms, arn: string): Promise<{ ImportToken: Uint8Array; EncryptedKeyMaterial: Uint8Array }> {
  const p = await kms.GetParametersForImport({ KeyId: arn, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, ROOT_A);
  const pub = createPublicKey({ key: Buffer.from(p.PublicKey), format: 'der', type: 'spki' });
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, new Uint8Array(32).fill(9));
  return { ImportToken: p.ImportToken, EncryptedKeyMaterial: new Uint8Array(wrapped) };
}

const CASES: Record<string, Case> = {
  CancelKeyDeletion: { aws: 'no', key: 'sym', prep: async (k, arn) => { await k.ScheduleKeyDeletion({ KeyId: arn, PendingWindowInDays: 7 }, ROOT_A); }, call: (k, f) => k.CancelKeyDeletion({ KeyId: f.arn }, f.caller) },
  CreateAlias: { aws: 'no', key: 'sym', call: (k, f) => k.CreateAlias({ AliasName: `alias/new-${f.n}`, TargetKeyId: f.arn }, f.caller) },
  CreateGrant: { aws: 'yes', key: 'sym', call: (k, f) => k.CreateGrant({ KeyId: f.arn, GranteePrincipal: f.caller.principal, Operations: ['Decrypt'] }, f.caller) },
  CreateKey: { aws: 'own-account', key: 'none', call: (k, f) => k.CreateKey({}, f.caller) },
  Decrypt: { aws: 'yes', key: 'sym', prep: async (k, arn, f) => { f.extra.blob = (await k.Encrypt({ KeyId: arn, Plaintext: utf8('x') }, ROOT_A)).CiphertextBlob; }, call: (k, f) => k.Decrypt({ KeyId: f.arn, CiphertextBlob: f.extra.blob as Uint8Array }, f.caller) },
  // An alias name always resolves in the caller's own account: B cannot even name A's alias.
  DeleteAlias: { aws: 'own-account', key: 'sym', prep: async (k, arn, f) => { await k.CreateAlias({ AliasName: `alias/del-${f.n}`, TargetKeyId: arn }, ROOT_A); }, call: (k, f) => k.DeleteAlias({ AliasName: `alias/del-${f.n}` }, f.caller) },
  DeleteImportedKeyMaterial: { aws: 'no', key: 'external', prep: async (k, arn) => { await k.ImportKeyMaterial({ KeyId: arn, ...(await importMaterial(k, arn)) }, ROOT_A); }, call: (k, f) => k.DeleteImportedKeyMaterial({ KeyId: f.arn }, f.caller) },
  DeriveSharedSecret: { aws: 'yes', key: 'ecdh', call: (k, f) => k.DeriveSharedSecret({ KeyId: f.arn, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }, f.caller) },
  DescribeKey: { aws: 'yes', key: 'sym', call: (k, f) => k.DescribeKey({ KeyId: f.arn }, f.caller) },
  DisableKey: { aws: 'no', key: 'sym', call: (k, f) => k.DisableKey({ KeyId: f.arn }, f.caller) },
  DisableKeyRotation: { aws: 'no', key: 'sym', call: (k, f) => k.DisableKeyRotation({ KeyId: f.arn }, f.caller) },
  EnableKey: { aws: 'no', key: 'sym', call: (k, f) => k.EnableKey({ KeyId: f.arn }, f.caller) },
  EnableKeyRotation: { aws: 'no', key: 'sym', call: (k, f) => k.EnableKeyRotation({ KeyId: f.arn }, f.caller) },
  Encrypt: { aws: 'yes', key: 'sym', call: (k, f) => k.Encrypt({ KeyId: f.arn, Plaintext: utf8('x') }, f.caller) },
  GenerateDataKey: { aws: 'yes', key: 'sym', call: (k, f) => k.GenerateDataKey({ KeyId: f.arn, KeySpec: 'AES_256' }, f.caller) },
  GenerateDataKeyPair: { aws: 'yes', key: 'sym', call: (k, f) => k.GenerateDataKeyPair({ KeyId: f.arn, KeyPairSpec: 'ECC_NIST_P256' }, f.caller) },
  GenerateDataKeyPairWithoutPlaintext: { aws: 'yes', key: 'sym', call: (k, f) => k.GenerateDataKeyPairWithoutPlaintext({ KeyId: f.arn, KeyPairSpec: 'ECC_NIST_P256' }, f.caller) },
  GenerateDataKeyWithoutPlaintext: { aws: 'yes', key: 'sym', call: (k, f) => k.GenerateDataKeyWithoutPlaintext({ KeyId: f.arn, NumberOfBytes: 16 }, f.caller) },
  GenerateMac: { aws: 'yes', key: 'hmac', call: (k, f) => k.GenerateMac({ KeyId: f.arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }, f.caller) },
  GenerateRandom: { aws: 'own-account', key: 'none', call: (k, f) => k.GenerateRandom({ NumberOfBytes: 16 }, f.caller) },
  GetKeyPolicy: { aws: 'no', key: 'sym', call: (k, f) => k.GetKeyPolicy({ KeyId: f.arn, PolicyName: 'default' }, f.caller) },
  GetKeyRotationStatus: { aws: 'yes', key: 'sym', call: (k, f) => k.GetKeyRotationStatus({ KeyId: f.arn }, f.caller) },
  GetOrCreateAwsManagedKey: { aws: 'own-account', key: 'none', call: (k, f) => k.GetOrCreateAwsManagedKey({ Service: 'ebs' }, f.caller) },
  GetParametersForImport: { aws: 'no', key: 'external', call: (k, f) => k.GetParametersForImport({ KeyId: f.arn, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }, f.caller) },
  GetPublicKey: { aws: 'yes', key: 'sign', call: (k, f) => k.GetPublicKey({ KeyId: f.arn }, f.caller) },
  ImportKeyMaterial: { aws: 'no', key: 'external', prep: async (k, arn, f) => { f.extra.material = await importMaterial(k, arn); }, call: (k, f) => k.ImportKeyMaterial({ KeyId: f.arn, ...(f.extra.material as { ImportToken: Uint8Array; EncryptedKeyMaterial: Uint8Array }) }, f.caller) },
  ListAliases: { aws: 'no', key: 'sym', call: (k, f) => k.ListAliases({ KeyId: f.arn }, f.caller) },
  ListGrants: { aws: 'yes', key: 'sym', call: (k, f) => k.ListGrants({ KeyId: f.arn }, f.caller) },
  ListKeyPolicies: { aws: 'no', key: 'sym', call: (k, f) => k.ListKeyPolicies({ KeyId: f.arn }, f.caller) },
  ListKeyRotations: { aws: 'no', key: 'sym', call: (k, f) => k.ListKeyRotations({ KeyId: f.arn }, f.caller) },
  ListKeys: { aws: 'own-account', key: 'none', call: (k, f) => k.ListKeys({}, f.caller) },
  ListResourceTags: { aws: 'no', key: 'sym', call: (k, f) => k.ListResourceTags({ KeyId: f.arn }, f.caller) },
  // "You must specify a principal in your AWS account": A's principal, asked by both accounts.
  ListRetirableGrants: { aws: 'no', key: 'none', call: (k, f) => k.ListRetirableGrants({ RetiringPrincipal: ROOT_A.principal }, f.caller) },
  PutKeyPolicy: { aws: 'no', key: 'sym', call: (k, f) => k.PutKeyPolicy({ KeyId: f.arn, PolicyName: 'default', Policy: POLICY }, f.caller) },
  ReEncrypt: { aws: 'yes', key: 'sym', prep: async (k, arn, f) => { f.extra.blob = (await k.Encrypt({ KeyId: arn, Plaintext: utf8('x') }, ROOT_A)).CiphertextBlob; }, call: (k, f) => k.ReEncrypt({ CiphertextBlob: f.extra.blob as Uint8Array, SourceKeyId: f.arn, DestinationKeyId: f.arn }, f.caller) },
  ReplicateKey: { aws: 'no', key: 'mrk', call: (k, f) => k.ReplicateKey({ KeyId: f.arn, ReplicaRegion: 'us-west-2' }, f.caller) },
  RetireGrant: {
    aws: 'yes', key: 'sym',
    prep: async (k, arn, f) => { f.extra.grant = (await k.CreateGrant({ KeyId: arn, GranteePrincipal: f.caller.principal, RetiringPrincipal: f.caller.principal, Operations: ['Decrypt'] }, ROOT_A)).GrantId; },
    call: (k, f) => k.RetireGrant({ KeyId: f.arn, GrantId: f.extra.grant as string }, f.caller),
  },
  RevokeGrant: {
    aws: 'yes', key: 'sym',
    prep: async (k, arn, f) => { f.extra.grant = (await k.CreateGrant({ KeyId: arn, GranteePrincipal: ROOT_A.principal, Operations: ['Decrypt'] }, ROOT_A)).GrantId; },
    call: (k, f) => k.RevokeGrant({ KeyId: f.arn, GrantId: f.extra.grant as string }, f.caller),
  },
  RotateKeyOnDemand: { aws: 'no', key: 'sym', call: (k, f) => k.RotateKeyOnDemand({ KeyId: f.arn }, f.caller) },
  ScheduleKeyDeletion: { aws: 'no', key: 'sym', call: (k, f) => k.ScheduleKeyDeletion({ KeyId: f.arn, PendingWindowInDays: 7 }, f.caller) },
  Sign: { aws: 'yes', key: 'sign', call: (k, f) => k.Sign({ KeyId: f.arn, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }, f.caller) },
  TagResource: { aws: 'no', key: 'sym', call: (k, f) => k.TagResource({ KeyId: f.arn, Tags: [{ TagKey: 't', TagValue: 'v' }] }, f.caller) },
  UntagResource: { aws: 'no', key: 'sym', call: (k, f) => k.UntagResource({ KeyId: f.arn, TagKeys: ['t'] }, f.caller) },
  UpdateAlias: {
    aws: 'no', key: 'sym',
    prep: async (k, _arn, f) => { await k.CreateAlias({ AliasName: `alias/up-${f.n}`, TargetKeyId: (await k.CreateKey({ Policy: POLICY }, ROOT_A)).KeyMetadata.Arn }, ROOT_A); },
    call: (k, f) => k.UpdateAlias({ AliasName: `alias/up-${f.n}`, TargetKeyId: f.arn }, f.caller),
  },
  UpdateKeyDescription: { aws: 'no', key: 'sym', call: (k, f) => k.UpdateKeyDescription({ KeyId: f.arn, Description: 'taken over' }, f.caller) },
  UpdatePrimaryRegion: { aws: 'no', key: 'mrk', prep: async (k, arn) => { await k.ReplicateKey({ KeyId: arn, ReplicaRegion: 'us-west-2' }, ROOT_A); }, call: (k, f) => k.UpdatePrimaryRegion({ KeyId: f.arn, PrimaryRegion: 'us-west-2' }, f.caller) },
  Verify: {
    aws: 'yes', key: 'sign',
    prep: async (k, arn, f) => { f.extra.sig = (await k.Sign({ KeyId: arn, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' }, ROOT_A)).Signature; },
    call: (k, f) => k.Verify({ KeyId: f.arn, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256', Signature: f.extra.sig as Uint8Array }, f.caller),
  },
  VerifyMac: {
    aws: 'yes', key: 'hmac',
    prep: async (k, arn, f) => { f.extra.mac = (await k.GenerateMac({ KeyId: arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }, ROOT_A)).Mac; },
    call: (k, f) => k.VerifyMac({ KeyId: f.arn, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256', Mac: f.extra.mac as Uint8Array }, f.caller),
  },
};

describe('cross-account scope: every operation × {same account, other account}', function () {
  this.timeout(120_000);
  let env: ReturnType<typeof tempHome>;
  let kms: Kms;
  let n = 0;

  before(async () => {
    env = tempHome('envelope-xacct-');
    const clock = testClock();
    const random = seededRandom(env.home);
    const store = Keystore.open({ home: env.home, rootKey: ROOT_KEY, clock, random, durable: false });
    kms = new Kms({ store, clock, random, audit: null });
    const iam = new Iam({ store });
    await iam.CreateAccount({ AccountId: B });
    await iam.CreateUser({ UserName: 'bob', AccountId: B });
    await iam.PutUserPolicy({ UserName: 'bob', AccountId: B, PolicyName: 'all-kms', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] }) });
  });
  after(() => env.cleanup());

  it('covers every operation of the Kms and of the implementation\'s table', () => {
    const methods = Object.getOwnPropertyNames(Kms.prototype).filter((m) => /^[A-Z]/.test(m)).sort();
    assert.deepEqual(Object.keys(CASES).sort(), methods);
    assert.deepEqual(Object.keys(KMS_CROSS_ACCOUNT_USE).sort(), methods);
  });

  for (const [op, c] of Object.entries(CASES)) {
    for (const caller of [ROOT_A, BOB_B]) {
      const other = caller === BOB_B;
      const expected = other && c.aws === 'no' ? 'AccessDeniedException' : other && op === 'DeleteAlias' ? 'NotFoundException' : 'ok';
      it(`${op} by ${other ? 'another' : 'the same'} account: ${expected}`, async () => {
        const f: Fx = { arn: '', caller, n: n++, extra: {} };
        if (c.key !== 'none') {
          f.arn = (await kms.CreateKey({ ...SPECS[c.key], Policy: POLICY }, ROOT_A)).KeyMetadata.Arn;
          await c.prep?.(kms, f.arn, f);
        } else {
          await c.prep?.(kms, '', f);
        }
        const before = f.arn ? await kms.DescribeKey({ KeyId: f.arn }, ROOT_A) : undefined;
        const got = await c.call(kms, f).then(() => 'ok', (e: Error) => e);
        if (expected === 'ok') {
          assert.equal(got, 'ok', got instanceof Error ? `${got.name}: ${got.message}` : '');
          return;
        }
        assert.ok(got instanceof Error, `${op} succeeded across accounts`);
        assert.equal(got.name, expected, got.message);
        if (expected === 'AccessDeniedException' && c.key !== 'none') {
          assert.match(got.message, /cannot be used across accounts \(AWS KMS "Cross-account use": No\)/);
          // nothing about A's key changed
          assert.deepEqual(await kms.DescribeKey({ KeyId: f.arn }, ROOT_A), before);
        }
      });
    }
  }

  it('keyless operations act in the caller\'s own account: B never lists or creates in A', async () => {
    const created = (await kms.CreateKey({}, BOB_B)).KeyMetadata;
    assert.equal(created.AWSAccountId, B);
    const keys = (await kms.ListKeys({ Limit: 1000 }, BOB_B)).Keys;
    assert.ok(keys.length > 0 && keys.every((k) => k.KeyArn.includes(`:${B}:key/`)));
    const aliases = (await kms.ListAliases({}, BOB_B)).Aliases;
    assert.ok(aliases.every((a) => a.AliasArn.includes(`:${B}:alias/`)));
  });

  it('an alias ARN of A names A\'s key only for the operations marked for cross-account use', async () => {
    const arn = (await kms.CreateKey({ Policy: POLICY }, ROOT_A)).KeyMetadata.Arn;
    await kms.CreateAlias({ AliasName: 'alias/shared', TargetKeyId: arn }, ROOT_A);
    const aliasArn = `arn:aws:kms:us-east-1:${A}:alias/shared`;
    await kms.Encrypt({ KeyId: aliasArn, Plaintext: utf8('x') }, BOB_B);
    await assert.rejects(kms.DisableKey({ KeyId: aliasArn }, BOB_B), /AccessDeniedException|cannot be used across accounts/);
    // the alias *name* resolves in B's own account, where there is none
    await assert.rejects(kms.Encrypt({ KeyId: 'alias/shared', Plaintext: utf8('x') }, BOB_B), (e: Error) => e.name === 'NotFoundException');
  });

  it('explain shows the scope as the deciding reason', () => {
    const arn = Object.keys((kms.store.read().sections.kms as { keys: Record<string, unknown> }).keys).find((k) => k.includes(`:${A}:`))!;
    const d = kms.explain({ Principal: BOB_B.principal, AccountId: B, Action: 'kms:ScheduleKeyDeletion', KeyId: arn });
    assert.equal(d.decision, 'Deny');
    assert.equal(d.basis, 'cross-account-scope');
    assert.match(d.reason, /kms:ScheduleKeyDeletion cannot be used across accounts/);
    const ok = kms.explain({ Principal: BOB_B.principal, AccountId: B, Action: 'kms:ReEncryptFrom', KeyId: arn });
    assert.equal(ok.basis === 'cross-account-scope', false, ok.reason);
  });
});
