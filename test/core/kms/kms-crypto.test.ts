/**
 * Kms cryptographic operations: Encrypt/Decrypt/ReEncrypt, data keys, GenerateRandom, RSA OAEP,
 * Sign/Verify (cross-checked with node:crypto), GetPublicKey, GenerateMac/VerifyMac, DeriveSharedSecret.
 */
import assert from 'node:assert/strict';
import {
  constants, createHash, createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync,
  publicEncrypt, sign as nodeSign, verify as nodeVerify,
} from 'node:crypto';
import { makeKms, rejectsWith, tempHome, text, utf8 } from './helpers.js';
import type { Kms } from '../../../packages/core/src/kms/kms.js';

describe('kms: cryptographic operations', function () {
  this.timeout(60_000);
  let env: ReturnType<typeof tempHome>;
  let kms: Kms;
  let store: Kms['store'];
  let sym: string;
  let rsaEnc: string;
  let rsaSign: string;
  before(async () => {
    env = tempHome();
    ({ kms, store } = makeKms(env.home));
    sym = (await kms.CreateKey()).KeyMetadata.KeyId;
    // RSA key generation is slow: two 2048-bit keys shared by the tests below.
    rsaEnc = (await kms.CreateKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' })).KeyMetadata.KeyId;
    rsaSign = (await kms.CreateKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
  });
  after(() => env.cleanup());

  it('Encrypt/Decrypt round-trips; Decrypt needs no KeyId; the context is authenticated', async () => {
    const e = await kms.Encrypt({ KeyId: sym, Plaintext: utf8('hello'), EncryptionContext: { app: 'x', b: '2' } });
    assert.equal(e.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.match(e.KeyId, /^arn:aws:kms:us-east-1:111122223333:key\//);
    const d = await kms.Decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { b: '2', app: 'x' } });
    assert.equal(text(d.Plaintext), 'hello');
    assert.equal(d.KeyId, e.KeyId);
    await rejectsWith(kms.Decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { app: 'y', b: '2' } }), 'InvalidCiphertextException');
    await rejectsWith(kms.Decrypt({ CiphertextBlob: e.CiphertextBlob }), 'InvalidCiphertextException');
    const flipped = new Uint8Array(e.CiphertextBlob);
    flipped[flipped.length - 1]! ^= 1;
    await rejectsWith(kms.Decrypt({ CiphertextBlob: flipped, EncryptionContext: { app: 'x', b: '2' } }), 'InvalidCiphertextException');
    await rejectsWith(kms.Decrypt({ CiphertextBlob: utf8('garbage that is not a blob at all') }), 'InvalidCiphertextException');
  });

  it('RSA Encrypt and RSA/ECC Verify use the public key: no private key is unsealed', async () => {
    const ecc = (await kms.CreateKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
    const rsaSig = await kms.Sign({ KeyId: rsaSign, Message: utf8('m'), SigningAlgorithm: 'RSASSA_PSS_SHA_256' });
    const eccSig = await kms.Sign({ KeyId: ecc, Message: utf8('m'), SigningAlgorithm: 'ECDSA_SHA_256' });
    const open = store.sealer.open;
    let unsealed = 0;
    store.sealer.open = (sealed, aad) => { unsealed++; return open(sealed, aad); };
    try {
      await kms.Encrypt({ KeyId: rsaEnc, Plaintext: utf8('public'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
      await kms.Verify({ KeyId: rsaSign, Message: utf8('m'), Signature: rsaSig.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' });
      await kms.Verify({ KeyId: ecc, Message: utf8('m'), Signature: eccSig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' });
      await rejectsWith(kms.Verify({ KeyId: ecc, Message: utf8('other'), Signature: eccSig.Signature, SigningAlgorithm: 'ECDSA_SHA_256' }), 'KMSInvalidSignatureException');
    } finally {
      store.sealer.open = open;
    }
    assert.equal(unsealed, 0);
  });

  it('Decrypt with the wrong KeyId gives IncorrectKeyException', async () => {
    const other = (await kms.CreateKey()).KeyMetadata.KeyId;
    const e = await kms.Encrypt({ KeyId: sym, Plaintext: utf8('x') });
    await rejectsWith(kms.Decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: other }), 'IncorrectKeyException');
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: e.CiphertextBlob, KeyId: sym })).Plaintext), 'x');
  });

  it('Decrypt/ReEncrypt of a blob that is not a valid ciphertext give InvalidCiphertextException, not NotFoundException', async () => {
    const ascii = (s: string) => [s.length, ...Buffer.from(s, 'latin1')];
    // version 0x01 | A | account | K | key id | version id (16) | nonce (32) | tag (16): the layout parses, the names do not
    const blob = (account: string, keyId: string) => Uint8Array.from([0x01, ...ascii(account), ...ascii(keyId), ...new Array(64).fill(0xa5)]);
    const keyId = sym.replace(/^.*\//, '');
    const garbage = [
      blob('abc', 'xy'), // → arn:aws:kms:us-east-1:abc:key/xy
      blob('', ''),
      blob('111122223333', 'not-a-key-id'),
      blob('11112222333x', keyId),
      blob('111122223333:key/a', keyId),
      blob('\xb1\xb1\xb1\xb1\xb2\xb2\xb2\xb2\xb3\xb3\xb3\xb3', keyId), // high-bit digits
      Uint8Array.from([0x01, 3, 0x61, 0x62, 0x63, 2, 0x78, 0x79, ...new Array(56).fill(0x5a)]), // 64 bytes
    ];
    for (const [i, b] of garbage.entries()) {
      await rejectsWith(kms.Decrypt({ CiphertextBlob: b }), 'InvalidCiphertextException').catch((e) => assert.fail(`blob ${i}: ${(e as Error).message}`));
      await rejectsWith(kms.ReEncrypt({ CiphertextBlob: b, DestinationKeyId: sym }), 'InvalidCiphertextException').catch((e) => assert.fail(`blob ${i}: ${(e as Error).message}`));
    }
    // A well-formed blob naming a key that does not exist is still NotFoundException (as after deletion).
    await rejectsWith(kms.Decrypt({ CiphertextBlob: blob('111122223333', '1234abcd-12ab-44cd-96ef-1234567890ab') }), 'NotFoundException');
  });

  it('Encrypt validates the plaintext size (1..4096) and key usage', async () => {
    await rejectsWith(kms.Encrypt({ KeyId: sym, Plaintext: new Uint8Array(4097) }), 'ValidationException');
    await rejectsWith(kms.Encrypt({ KeyId: sym, Plaintext: new Uint8Array(0) }), 'ValidationException');
    await kms.Encrypt({ KeyId: sym, Plaintext: new Uint8Array(4096) });
    await rejectsWith(kms.Encrypt({ KeyId: rsaSign, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'InvalidKeyUsageException');
    await rejectsWith(kms.Encrypt({ KeyId: sym, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }), 'InvalidKeyUsageException');
  });

  it('ReEncrypt moves a ciphertext to another key and context without returning plaintext', async () => {
    const dst = (await kms.CreateKey()).KeyMetadata.KeyId;
    const e = await kms.Encrypt({ KeyId: sym, Plaintext: utf8('move me'), EncryptionContext: { a: '1' } });
    const r = await kms.ReEncrypt({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { a: '1' }, DestinationKeyId: dst, DestinationEncryptionContext: { b: '2' } });
    assert.ok(!('Plaintext' in r));
    assert.match(r.SourceKeyId, new RegExp(sym));
    assert.match(r.KeyId, new RegExp(dst));
    assert.equal(text((await kms.Decrypt({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { b: '2' } })).Plaintext), 'move me');
    await rejectsWith(kms.ReEncrypt({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: dst }), 'InvalidCiphertextException');
  });

  it('GenerateDataKey / WithoutPlaintext: KeySpec or NumberOfBytes', async () => {
    const g = await kms.GenerateDataKey({ KeyId: sym, KeySpec: 'AES_256', EncryptionContext: { f: 'g' } });
    assert.equal(g.Plaintext.length, 32);
    const d = await kms.Decrypt({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { f: 'g' } });
    assert.deepEqual(d.Plaintext, g.Plaintext);
    assert.equal((await kms.GenerateDataKey({ KeyId: sym, KeySpec: 'AES_128' })).Plaintext.length, 16);
    assert.equal((await kms.GenerateDataKey({ KeyId: sym, NumberOfBytes: 64 })).Plaintext.length, 64);
    await rejectsWith(kms.GenerateDataKey({ KeyId: sym }), 'ValidationException');
    await rejectsWith(kms.GenerateDataKey({ KeyId: sym, KeySpec: 'AES_256', NumberOfBytes: 32 }), 'ValidationException');
    await rejectsWith(kms.GenerateDataKey({ KeyId: sym, NumberOfBytes: 1025 }), 'ValidationException');
    await rejectsWith(kms.GenerateDataKey({ KeyId: rsaEnc, KeySpec: 'AES_256' }), 'InvalidKeyUsageException');
    const w = await kms.GenerateDataKeyWithoutPlaintext({ KeyId: sym, KeySpec: 'AES_256' });
    assert.ok(!('Plaintext' in w));
    assert.equal((await kms.Decrypt({ CiphertextBlob: w.CiphertextBlob })).Plaintext.length, 32);
  });

  it('GenerateRandom returns 1..1024 bytes', async () => {
    assert.equal((await kms.GenerateRandom({ NumberOfBytes: 1024 })).Plaintext.length, 1024);
    await rejectsWith(kms.GenerateRandom({ NumberOfBytes: 0 }), 'ValidationException');
    await rejectsWith(kms.GenerateRandom({ NumberOfBytes: 1025 }), 'ValidationException');
  });

  it('GenerateDataKeyPair: the private key decrypts from its blob and matches the public key', async () => {
    const p = await kms.GenerateDataKeyPair({ KeyId: sym, KeyPairSpec: 'ECC_NIST_P256' });
    const priv = createPrivateKey({ key: Buffer.from(p.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
    const pub = createPublicKey({ key: Buffer.from(p.PublicKey), format: 'der', type: 'spki' });
    const sig = nodeSign('sha256', Buffer.from('m'), priv);
    assert.ok(nodeVerify('sha256', Buffer.from('m'), pub, sig));
    assert.deepEqual((await kms.Decrypt({ CiphertextBlob: p.PrivateKeyCiphertextBlob })).Plaintext, p.PrivateKeyPlaintext);
    const rsa = await kms.GenerateDataKeyPair({ KeyId: sym, KeyPairSpec: 'RSA_2048', EncryptionContext: { pair: 'rsa' } });
    const rsaPriv = createPrivateKey({ key: Buffer.from(rsa.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
    assert.equal(rsaPriv.asymmetricKeyDetails?.modulusLength, 2048);
    const rsaSig = nodeSign('sha256', Buffer.from('m'), rsaPriv);
    assert.ok(nodeVerify('sha256', Buffer.from('m'), createPublicKey({ key: Buffer.from(rsa.PublicKey), format: 'der', type: 'spki' }), rsaSig));
    await rejectsWith(kms.Decrypt({ CiphertextBlob: rsa.PrivateKeyCiphertextBlob }), 'InvalidCiphertextException');
    const w = await kms.GenerateDataKeyPairWithoutPlaintext({ KeyId: sym, KeyPairSpec: 'ECC_SECG_P256K1' });
    assert.ok(!('PrivateKeyPlaintext' in w));
    assert.equal(createPublicKey({ key: Buffer.from(w.PublicKey), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'secp256k1');
  });

  it('RSA OAEP: a ciphertext made by node:crypto.publicEncrypt with the GetPublicKey key decrypts in Kms', async () => {
    const pk = await kms.GetPublicKey({ KeyId: rsaEnc });
    assert.deepEqual(pk.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    const pub = createPublicKey({ key: Buffer.from(pk.PublicKey), format: 'der', type: 'spki' });
    for (const [alg, hash] of [['RSAES_OAEP_SHA_256', 'sha256'], ['RSAES_OAEP_SHA_1', 'sha1']] as const) {
      const ct = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, Buffer.from(`rsa ${alg}`));
      const d = await kms.Decrypt({ KeyId: rsaEnc, CiphertextBlob: new Uint8Array(ct), EncryptionAlgorithm: alg });
      assert.equal(text(d.Plaintext), `rsa ${alg}`);
    }
    const e = await kms.Encrypt({ KeyId: rsaEnc, Plaintext: utf8('x'.repeat(190)), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    assert.equal(e.CiphertextBlob.length, 256);
    await rejectsWith(kms.Encrypt({ KeyId: rsaEnc, Plaintext: utf8('x'.repeat(191)), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'ValidationException');
    await rejectsWith(kms.Decrypt({ KeyId: rsaEnc, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }), 'InvalidCiphertextException');
    await rejectsWith(kms.Decrypt({ KeyId: rsaEnc, CiphertextBlob: e.CiphertextBlob }), 'InvalidKeyUsageException');
  });

  it('RSA signatures (PSS and PKCS#1 v1.5, RAW and DIGEST) verify with node:crypto.verify', async () => {
    const pub = createPublicKey({ key: Buffer.from((await kms.GetPublicKey({ KeyId: rsaSign })).PublicKey), format: 'der', type: 'spki' });
    const msg = utf8('sign this');
    for (const alg of ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384'] as const) {
      const hash = alg.endsWith('256') ? 'sha256' : alg.endsWith('384') ? 'sha384' : 'sha512';
      const pss = alg.includes('PSS');
      const opts = { key: pub, padding: pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING, saltLength: pss ? createHash(hash).digest().length : undefined };
      const raw = await kms.Sign({ KeyId: rsaSign, Message: msg, SigningAlgorithm: alg });
      assert.ok(nodeVerify(hash, msg, opts as never, raw.Signature), `${alg} RAW`);
      const digest = new Uint8Array(createHash(hash).update(msg).digest());
      const dig = await kms.Sign({ KeyId: rsaSign, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: alg });
      assert.ok(nodeVerify(hash, msg, opts as never, dig.Signature), `${alg} DIGEST`);
      assert.equal((await kms.Verify({ KeyId: rsaSign, Message: msg, SigningAlgorithm: alg, Signature: dig.Signature })).SignatureValid, true);
      assert.equal((await kms.Verify({ KeyId: rsaSign, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: alg, Signature: raw.Signature })).SignatureValid, true);
      await rejectsWith(kms.Verify({ KeyId: rsaSign, Message: utf8('other'), SigningAlgorithm: alg, Signature: raw.Signature }), 'KMSInvalidSignatureException');
    }
    await rejectsWith(kms.Sign({ KeyId: rsaSign, Message: utf8('short'), MessageType: 'DIGEST', SigningAlgorithm: 'RSASSA_PSS_SHA_256' }), 'ValidationException');
    await rejectsWith(kms.Sign({ KeyId: rsaSign, Message: msg, SigningAlgorithm: 'ECDSA_SHA_256' }), 'InvalidKeyUsageException');
    await rejectsWith(kms.Sign({ KeyId: rsaEnc, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }), 'InvalidKeyUsageException');
  });

  it('ECDSA signatures (DER) on every curve verify with node:crypto.verify', async () => {
    const cases = [['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256'], ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384'], ['ECC_NIST_P521', 'ECDSA_SHA_512', 'sha512'], ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'sha256']] as const;
    for (const [spec, alg, hash] of cases) {
      const id = (await kms.CreateKey({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' })).KeyMetadata.KeyId;
      const pk = await kms.GetPublicKey({ KeyId: id });
      assert.deepEqual(pk.SigningAlgorithms, [alg]);
      const pub = createPublicKey({ key: Buffer.from(pk.PublicKey), format: 'der', type: 'spki' });
      const msg = utf8(`ecdsa ${spec}`);
      const s = await kms.Sign({ KeyId: id, Message: msg, SigningAlgorithm: alg });
      assert.equal(s.Signature[0], 0x30, 'DER SEQUENCE');
      assert.ok(nodeVerify(hash, msg, pub, s.Signature), spec);
      assert.equal((await kms.Verify({ KeyId: id, Message: msg, SigningAlgorithm: alg, Signature: s.Signature })).SignatureValid, true);
      const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const forged = nodeSign('sha256', Buffer.from(msg), other.privateKey);
      await rejectsWith(kms.Verify({ KeyId: id, Message: msg, SigningAlgorithm: alg, Signature: new Uint8Array(forged) }), 'KMSInvalidSignatureException');
    }
  });

  it('GenerateMac / VerifyMac match node:crypto HMAC', async () => {
    for (const [spec, alg, hash] of [['HMAC_224', 'HMAC_SHA_224', 'sha224'], ['HMAC_512', 'HMAC_SHA_512', 'sha512']] as const) {
      const id = (await kms.CreateKey({ KeySpec: spec, KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata.KeyId;
      const m = await kms.GenerateMac({ KeyId: id, Message: utf8('mac me'), MacAlgorithm: alg });
      assert.equal(m.Mac.length, createHmac(hash, 'k').digest().length);
      assert.equal((await kms.VerifyMac({ KeyId: id, Message: utf8('mac me'), MacAlgorithm: alg, Mac: m.Mac })).MacValid, true);
      await rejectsWith(kms.VerifyMac({ KeyId: id, Message: utf8('mac you'), MacAlgorithm: alg, Mac: m.Mac }), 'KMSInvalidMacException');
      await rejectsWith(kms.GenerateMac({ KeyId: id, Message: utf8('x'), MacAlgorithm: 'HMAC_SHA_256' }), 'InvalidKeyUsageException');
    }
    await rejectsWith(kms.GenerateMac({ KeyId: sym, Message: utf8('x'), MacAlgorithm: 'HMAC_SHA_256' }), 'InvalidKeyUsageException');
  });

  it('DeriveSharedSecret equals node:crypto ECDH with the peer', async () => {
    const id = (await kms.CreateKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' })).KeyMetadata.KeyId;
    const kmsPub = createPublicKey({ key: Buffer.from((await kms.GetPublicKey({ KeyId: id })).PublicKey), format: 'der', type: 'spki' });
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const peerSpki = new Uint8Array(peer.publicKey.export({ type: 'spki', format: 'der' }));
    const r = await kms.DeriveSharedSecret({ KeyId: id, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerSpki });
    const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPub });
    assert.deepEqual(Buffer.from(r.SharedSecret), expected);
    const wrongCurve = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
    await rejectsWith(kms.DeriveSharedSecret({ KeyId: id, KeyAgreementAlgorithm: 'ECDH', PublicKey: new Uint8Array(wrongCurve) }), 'ValidationException');
    await rejectsWith(kms.DeriveSharedSecret({ KeyId: sym, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerSpki }), 'InvalidKeyUsageException');
  });

  it('DryRun checks key state and permissions, then answers DryRunOperationException without acting', async () => {
    const id = (await kms.CreateKey()).KeyMetadata.KeyId;
    await rejectsWith(kms.Encrypt({ KeyId: id, Plaintext: utf8('x'), DryRun: true }), 'DryRunOperationException');
    await rejectsWith(kms.GenerateDataKey({ KeyId: id, KeySpec: 'AES_256', DryRun: true }), 'DryRunOperationException');
    await kms.DisableKey({ KeyId: id });
    await rejectsWith(kms.Encrypt({ KeyId: id, Plaintext: utf8('x'), DryRun: true }), 'DisabledException');
  });

  it('GetPublicKey is refused for symmetric keys', async () => {
    await rejectsWith(kms.GetPublicKey({ KeyId: sym }), 'InvalidKeyUsageException');
  });
});
