/**
 * KmsKeyring and the api.ts wrappers: messages whose data keys are wrapped by the local Kms;
 * createEncryptStream({ keyId: 'alias/app' }) over the embedded keystore with no other set-up.
 */
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KmsKeyring, KMS_PROVIDER_ID } from '../../../packages/core/src/keyrings/kms-keyring.js';
import { createDecryptStream, createEncryptStream, decrypt, encrypt } from '../../../packages/core/src/api.js';
import { readHeader } from '../../../packages/core/src/stream/random-access.js';
import { rootCaller } from '../../../packages/core/src/kms/call-context.js';
import { makeKms, rejectsWith, tempHome, text, utf8 } from './helpers.js';

async function collect(chunks: Uint8Array[], ...stages: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from(chunks.map((c) => Buffer.from(c))), ...(stages as unknown as [NodeJS.ReadWriteStream]), new Writable({
    write(c: Buffer, _e, cb) { out.push(c); cb(); },
  }));
  return Buffer.concat(out);
}

describe('KmsKeyring and the Kms-backed encrypt API', function () {
  this.timeout(30_000);
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  it('EDKs carry providerId envelope-kms, the key ARN, the key version and the Kms blob; every key can decrypt', async () => {
    const { kms } = makeKms(env.home);
    const a = (await kms.CreateKey()).KeyMetadata;
    const b = (await kms.CreateKey()).KeyMetadata;
    await kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: a.KeyId });
    const ct = await encrypt(utf8('two keys'), { keyring: new KmsKeyring({ kms, keyIds: ['alias/app', b.KeyId] }), context: { app: 'x' } });
    const header = await readHeader(ct);
    const edks = header.encryptedDataKeys;
    assert.deepEqual(edks.map((e) => [e.providerId, e.keyId]), [[KMS_PROVIDER_ID, a.Arn], [KMS_PROVIDER_ID, b.Arn]]);
    assert.equal(edks[0]!.providerInfo, (await kms.DescribeKey({ KeyId: a.KeyId })).KeyMetadata.CurrentKeyMaterialId);
    assert.equal((await kms.Decrypt({ CiphertextBlob: edks[1]!.ciphertext, EncryptionContext: { app: 'x' } })).Plaintext.length, 32);
    for (const keyIds of [['alias/app'], [b.Arn]]) {
      const { plaintext } = await decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds }) });
      assert.equal(text(plaintext), 'two keys');
    }
    const { plaintext } = await decrypt(ct, { keyring: new KmsKeyring({ kms, discovery: true }) });
    assert.equal(text(plaintext), 'two keys');
    const c = (await kms.CreateKey()).KeyMetadata;
    await assert.rejects(decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: [c.KeyId] }) }));
  });

  it('key state and access errors surface from onDecrypt; discovery filters by account', async () => {
    const { kms } = makeKms(env.home);
    const a = (await kms.CreateKey()).KeyMetadata;
    const ct = await encrypt(utf8('x'), { keyring: new KmsKeyring({ kms, keyIds: [a.KeyId] }) });
    await kms.DisableKey({ KeyId: a.KeyId });
    await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, discovery: true }) }), 'DisabledException');
    await kms.EnableKey({ KeyId: a.KeyId });
    await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, discovery: true, caller: rootCaller('444455556666') }) }), 'AccessDeniedException');
    await assert.rejects(decrypt(ct, { keyring: new KmsKeyring({ kms, discovery: true, discoveryFilter: { accountIds: ['444455556666'] } }) }));
    assert.throws(() => new KmsKeyring({ kms }), /keyIds/);
    assert.throws(() => new KmsKeyring({ kms, discovery: true, keyIds: ['alias/x'] }), /discovery/);
    await rejectsWith(new KmsKeyring({ kms, discovery: true }).onEncrypt({ suiteId: 1, context: {} }), 'ValidationException');
  });

  it('messages stay decryptable after the key rotates; a multi-Region key decrypts through the replica', async () => {
    const { kms } = makeKms(env.home);
    const id = (await kms.CreateKey({ MultiRegion: true })).KeyMetadata.KeyId;
    await kms.ReplicateKey({ KeyId: id, ReplicaRegion: 'eu-west-1' });
    const ct = await encrypt(utf8('mrk message'), { keyring: new KmsKeyring({ kms, keyIds: [id] }) });
    await kms.RotateKeyOnDemand({ KeyId: id });
    const eu = new KmsKeyring({ kms, discovery: true, caller: { ...rootCaller(), region: 'eu-west-1' } });
    assert.equal(text((await decrypt(ct, { keyring: eu })).plaintext), 'mrk message');
    await kms.DisableKey({ KeyId: id });
    assert.equal(text((await decrypt(ct, { keyring: eu })).plaintext), 'mrk message', 'the replica has its own state');
  });

  it('createEncryptStream({ keyId: "alias/app" }) works against the embedded keystore with no other set-up', async () => {
    const saved = { home: process.env.ENVELOPE_HOME, key: process.env.ENVELOPE_ROOT_KEY, pp: process.env.ENVELOPE_PASSPHRASE };
    process.env.ENVELOPE_HOME = env.home;
    delete process.env.ENVELOPE_ROOT_KEY;
    delete process.env.ENVELOPE_PASSPHRASE;
    try {
      const { openDefaultKms } = await import('../../../packages/core/src/kms/open-default.js');
      const kms = openDefaultKms();
      const id = (await kms.CreateKey()).KeyMetadata.KeyId;
      await kms.CreateAlias({ AliasName: 'alias/app', TargetKeyId: id });
      const body = [utf8('streamed '), utf8('through the '), utf8('embedded keystore')];
      const ct = await collect(body, createEncryptStream({ keyId: 'alias/app', context: { file: 'a.txt' } }));
      const pt = await collect([ct], createDecryptStream());
      assert.equal(pt.toString(), 'streamed through the embedded keystore');
      const one = await encrypt(utf8('buffer api'), { keyIds: ['alias/app', id] });
      assert.equal(text((await decrypt(one, { keyId: 'alias/app' })).plaintext), 'buffer api');
      await assert.rejects(encrypt(utf8('x'), {}), /keyring, keyId or keyIds/);
      assert.throws(() => createEncryptStream({ keyId: 'alias/app', keyIds: [id] }), /only one/);
    } finally {
      for (const [k, v] of [['ENVELOPE_HOME', saved.home], ['ENVELOPE_ROOT_KEY', saved.key], ['ENVELOPE_PASSPHRASE', saved.pp]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});
