/**
 * Raw AES keyring and multi-keyring (docs/FORMAT.md §8): wrapping binds suite, namespace, name and
 * context; the wrong wrapping key or context fails; foreign EDKs are ignored; a multi-keyring wraps
 * one data key for every member and any one member decrypts.
 */
import { strict as assert } from 'node:assert';
import { AWS_KMS_PROVIDER_ID, decrypt, encrypt, KMS_PROVIDER_ID, MultiKeyring, RawAesKeyring, readHeader, type Keyring } from '@envelope/core';
import { bytesFrom, rawKeyring, rejection } from '../stream/helpers.js';

describe('keyrings: raw AES and multi', () => {
  it('raw AES wraps a 32-byte data key into a 60-byte EDK and unwraps it under the same context', async () => {
    const kr = rawKeyring();
    const dk = bytesFrom('dk', 32);
    const r = await kr.onEncrypt({ suiteId: 1, context: { a: '1' }, dataKey: dk });
    assert.deepEqual(r.dataKey, dk);
    assert.equal(r.encryptedDataKeys.length, 1);
    const edk = r.encryptedDataKeys[0]!;
    assert.deepEqual([edk.providerId, edk.keyId, edk.providerInfo, edk.ciphertext.length], ['raw-aes', 'test-key', '', 60]);
    assert.deepEqual(await kr.onDecrypt({ suiteId: 1, context: { a: '1' }, encryptedDataKeys: r.encryptedDataKeys }), dk);
    await assert.rejects(kr.onDecrypt({ suiteId: 1, context: { a: '2' }, encryptedDataKeys: r.encryptedDataKeys }), { name: 'InvalidCiphertextException' });
    await assert.rejects(kr.onDecrypt({ suiteId: 2, context: { a: '1' }, encryptedDataKeys: r.encryptedDataKeys }), { name: 'InvalidCiphertextException' });
    assert.equal(await rawKeyring('other').onDecrypt({ suiteId: 1, context: { a: '1' }, encryptedDataKeys: r.encryptedDataKeys }), undefined);
  });

  it('raw AES generates a fresh data key when none is given and validates its options', async () => {
    const kr = rawKeyring();
    const a = await kr.onEncrypt({ suiteId: 1, context: {} });
    const b = await kr.onEncrypt({ suiteId: 1, context: {} });
    assert.equal(a.dataKey.length, 32);
    assert.notDeepEqual(a.dataKey, b.dataKey);
    assert.throws(() => new RawAesKeyring({ keyName: 'k', keyNamespace: 'n', wrappingKey: new Uint8Array(16) }), RangeError);
    assert.throws(() => new RawAesKeyring({ keyName: 'k', keyNamespace: '', wrappingKey: new Uint8Array(32) }), { name: 'ValidationException' });
  });

  it('raw AES refuses a keyName or keyNamespace that cannot go into a header (lone surrogate, too long) when it is made', () => {
    const make = (keyNamespace: string, keyName: string) => () => new RawAesKeyring({ keyName, keyNamespace, wrappingKey: new Uint8Array(32) });
    for (const [ns, name] of [['n', '\uD800'], ['a\uDC00b', 'k'], ['n'.repeat(256), 'k'], ['n', 'k'.repeat(2049)]]) {
      assert.throws(make(ns!, name!), { name: 'ValidationException' }, JSON.stringify([ns, name]).slice(0, 40));
    }
    assert.doesNotThrow(make('n'.repeat(255), 'ключ'.repeat(256)));
  });

  it('raw AES refuses the KMS keyrings\' provider ids as its namespace (AWS Encryption SDK: not "aws-kms")', () => {
    for (const keyNamespace of [AWS_KMS_PROVIDER_ID, KMS_PROVIDER_ID]) {
      assert.throws(() => new RawAesKeyring({ keyName: 'k', keyNamespace, wrappingKey: new Uint8Array(32) }), { name: 'ValidationException' }, keyNamespace);
    }
  });

  it('raw AES copies the wrapping key (later changes to the caller buffer do not matter)', async () => {
    const wk = bytesFrom('wk', 32);
    const kr = new RawAesKeyring({ keyName: 'k', keyNamespace: 'n', wrappingKey: wk });
    const ct = await encrypt(new Uint8Array(3), { keyring: kr });
    wk.fill(0);
    assert.deepEqual((await decrypt(ct, { keyring: kr })).plaintext, new Uint8Array(3));
  });

  it('raw AES wraps through Web Crypto; without crypto.subtle (an insecure browser page) it says so when made', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'crypto')!;
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true });
    try {
      assert.throws(
        () => new RawAesKeyring({ keyName: 'k', keyNamespace: 'ns', wrappingKey: new Uint8Array(32) }),
        (e: Error) => e.name === 'ValidationException' && /crypto\.subtle/.test(e.message),
      );
    } finally {
      Object.defineProperty(globalThis, 'crypto', saved);
    }
  });

  it('multi-keyring: every member wraps the same data key; any one decrypts', async () => {
    const a = rawKeyring('a', 'wa');
    const b = rawKeyring('b', 'wb');
    const c = rawKeyring('c', 'wc');
    const multi = new MultiKeyring({ generator: a, children: [b, c] });
    const ct = await encrypt(bytesFrom('m', 5000), { keyring: multi, context: { x: 'y' } });
    assert.deepEqual((await readHeader(ct)).encryptedDataKeys.map((e) => e.keyId), ['a', 'b', 'c']);
    for (const k of [a, b, c, multi, new MultiKeyring({ children: [rawKeyring('zzz'), c] })]) {
      assert.deepEqual((await decrypt(ct, { keyring: k })).plaintext, bytesFrom('m', 5000));
    }
    assert.equal((await rejection(() => decrypt(ct, { keyring: rawKeyring('d') }))).name, 'IncorrectKeyException');
  });

  it('multi-keyring: a failing member does not hide a later one that succeeds; otherwise its error surfaces', async () => {
    const good = rawKeyring('k', 'right');
    const wrongMaterial = rawKeyring('k', 'wrong');
    const ct = await encrypt(new Uint8Array(1), { keyring: good });
    assert.deepEqual((await decrypt(ct, { keyring: new MultiKeyring({ children: [wrongMaterial, good] }) })).plaintext, new Uint8Array(1));
    const e = await rejection(() => decrypt(ct, { keyring: new MultiKeyring({ children: [wrongMaterial] }) }));
    assert.equal(e.name, 'InvalidCiphertextException');
    assert.throws(() => new MultiKeyring({ children: [] }), { name: 'ValidationException' });
  });

  it('multi-keyring: a member that replaces the data key it was given fails the encryption (its EDK could never decrypt)', async () => {
    const good = rawKeyring('a', 'wa');
    const regenerating = rawKeyring('b', 'wb');
    const replacing: Keyring = { onEncrypt: (r) => regenerating.onEncrypt({ ...r, dataKey: undefined }), onDecrypt: (r) => regenerating.onDecrypt(r) };
    const multi = new MultiKeyring({ generator: good, children: [replacing] });
    await assert.rejects(encrypt(new Uint8Array(1), { keyring: multi }), { name: 'KMSInternalException' });
  });
});
