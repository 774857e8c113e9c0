/** The symmetric ciphertext blob, rebuilt byte by byte from docs/KMS.md "Ciphertext blob". */
import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync } from 'node:crypto';
import { canonicalContext, openBlob, parseBlobHeader, sealBlob } from '../../../packages/core/src/kms/ciphertext-blob.js';

describe('kms: ciphertext blob format', () => {
  const material = new Uint8Array(32).map((_, i) => i);
  const nonce = new Uint8Array(32).fill(0xa5);
  const header = { accountId: '111122223333', keyId: '1234abcd-12ab-44cd-96ef-1234567890ab', versionId: '00112233445566778899aabbccddeeff' };
  const ctx = { b: '2', a: '1' };
  const plaintext = new TextEncoder().encode('plaintext');

  it('matches an independent construction from the spec', () => {
    const blob = sealBlob(header, material, plaintext, ctx, () => nonce);
    const head = Buffer.concat([
      Buffer.from([0x01, 12]), Buffer.from(header.accountId), Buffer.from([36]), Buffer.from(header.keyId), Buffer.from(header.versionId, 'hex'),
    ]);
    const okm = Buffer.from(hkdfSync('sha256', material, nonce, Buffer.concat([Buffer.from('envelope-kms/blob/v1'), head]), 44));
    const c = createCipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
    // canonical context: count, then pairs sorted by key, u16 big-endian lengths
    const aadCtx = Buffer.from([0, 2, 0, 1, 0x61, 0, 1, 0x31, 0, 1, 0x62, 0, 1, 0x32]);
    assert.deepEqual(Buffer.from(canonicalContext(ctx)), aadCtx);
    c.setAAD(Buffer.concat([head, aadCtx]));
    const expected = Buffer.concat([head, nonce, c.update(plaintext), c.final(), c.getAuthTag()]);
    assert.equal(Buffer.from(blob).toString('hex'), expected.toString('hex'));
    const parsed = parseBlobHeader(blob);
    assert.deepEqual(parsed.header, header);
    assert.equal(parsed.headerLength, head.length);
    assert.deepEqual(openBlob(blob, parsed.headerLength, material, { a: '1', b: '2' }), plaintext);
  });

  it('rejects other versions, truncation and any changed byte', () => {
    const blob = sealBlob(header, material, plaintext, ctx, () => nonce);
    const { headerLength } = parseBlobHeader(blob);
    assert.throws(() => parseBlobHeader(Uint8Array.of(0x02, ...blob.subarray(1))), { name: 'InvalidCiphertextException' });
    assert.throws(() => parseBlobHeader(blob.subarray(0, headerLength + 20)), { name: 'InvalidCiphertextException' });
    for (const i of [1, headerLength - 1, headerLength, blob.length - 1]) {
      const bad = new Uint8Array(blob);
      bad[i]! ^= 0x01;
      assert.throws(() => openBlob(bad, headerLength, material, ctx), { name: 'InvalidCiphertextException' }, `byte ${i}`);
    }
    assert.throws(() => openBlob(blob, headerLength, material, {}), { name: 'InvalidCiphertextException' });
  });
});
