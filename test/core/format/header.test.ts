/**
 * Header codec (docs/FORMAT.md §3, §6 rules 1–5, §7): canonical encoding, rejection of
 * non-canonical or malformed headers, limits checked from the preamble, length formulas,
 * describeHeader and isEnvelopeMessage.
 */
import { strict as assert } from 'node:assert';
import {
  ciphertextLength, describeHeader, encrypt, isEnvelopeMessage, MultiKeyring, plaintextLength, readHeader, bufferSource,
} from '@envelope/core';
import { encodeCanonical } from '../../../packages/core/src/format/canonical-msgpack.js';
import { parseHeader, peekHeaderLength } from '../../../packages/core/src/format/header.js';
import { bytesFrom, rawKeyring, rejection, seededRandom } from '../stream/helpers.js';

const keyring = rawKeyring();

async function sample(context: Record<string, string> = { purpose: 'test', b: '2', a: '1' }, plaintext = new Uint8Array(10)) {
  const fixed = rawKeyring('test-key', 'wrapping-key', seededRandom('keyring'));
  return encrypt(plaintext, { keyring: fixed, context, random: seededRandom('header'), frameLength: 4096 });
}

/** Rebuilds a message's header with a replaced body (no valid tag; structure tests only). */
function withBody(msg: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(11 + body.length + 32);
  out.set(msg.subarray(0, 11));
  new DataView(out.buffer).setUint32(7, body.length);
  out.set(body, 11);
  return out;
}

describe('format: header codec', () => {
  it('encodes the documented layout: magic, version, suite, body length, msgpack array of 5', async () => {
    const msg = await sample();
    assert.deepEqual([...msg.subarray(0, 7)], [0x89, 0x45, 0x4e, 0x56, 0x01, 0x00, 0x01]);
    const n = new DataView(msg.buffer, msg.byteOffset).getUint32(7);
    assert.equal(msg[11], 0x95, 'header body is a fixarray of 5');
    const h = await readHeader(msg);
    assert.equal(h.headerLength, 11 + n + 32);
    assert.deepEqual(Object.keys(h.context), ['a', 'b', 'purpose'], 'context sorted by UTF-8 bytes');
    assert.equal(h.frameLength, 4096);
    assert.equal(h.encryptedDataKeys.length, 1);
    assert.equal(h.encryptedDataKeys[0]!.providerId, 'raw-aes');
  });

  it('is canonical: the same inputs give the same header bytes, whatever the context insertion order', async () => {
    const a = await sample({ x: '1', y: '2' });
    const b = await sample({ y: '2', x: '1' });
    assert.deepEqual(a, b);
  });

  it('sorts context keys by UTF-8 bytes, not UTF-16 code units', async () => {
    // U+FF61 (UTF-8 EF BD A1) sorts before U+1F600 (F0 9F 98 80) in UTF-8, after it in UTF-16.
    const h = await readHeader(await sample({ '\u{1F600}': 'a', '\uFF61': 'b' }));
    assert.deepEqual(Object.keys(h.context), ['\uFF61', '\u{1F600}']);
  });

  it('rejects non-canonical encodings of the same values', async () => {
    const msg = await sample({});
    const h = parseHeader(msg)!;
    const body = msg.subarray(11, h.headerLength - 32);
    // frame length 4096 is "cd 10 00"; re-encode it as uint32 "ce 00 00 10 00".
    const i = Buffer.from(body).indexOf(Buffer.from([0xcd, 0x10, 0x00]));
    assert.ok(i > 0);
    const longer = Buffer.concat([body.subarray(0, i), Buffer.from([0xce, 0, 0, 0x10, 0]), body.subarray(i + 3)]);
    assert.throws(() => parseHeader(withBody(msg, longer)), { name: 'InvalidCiphertextException', message: /not canonical/ });
    // trailing byte after the array
    assert.throws(() => parseHeader(withBody(msg, Buffer.concat([body, Buffer.from([0])]))), { name: 'InvalidCiphertextException' });
  });

  it('rejects unsorted or duplicate context keys and malformed fields', async () => {
    const msg = await sample({});
    const h = parseHeader(msg)!;
    const edk = h.encryptedDataKeys[0]!;
    const edkArr = [edk.providerId, edk.keyId, edk.providerInfo, edk.ciphertext];
    const cases: [string, unknown[]][] = [
      ['unsorted', [h.messageId, [['b', '1'], ['a', '2']], [edkArr], 4096, h.commitment]],
      ['duplicate', [h.messageId, [['a', '1'], ['a', '2']], [edkArr], 4096, h.commitment]],
      ['empty key', [h.messageId, [['', '1']], [edkArr], 4096, h.commitment]],
      ['short message id', [h.messageId.subarray(0, 31), [], [edkArr], 4096, h.commitment]],
      ['no EDKs', [h.messageId, [], [], 4096, h.commitment]],
      ['frame too small', [h.messageId, [], [edkArr], 4095, h.commitment]],
      ['frame too large', [h.messageId, [], [edkArr], 16 * 1024 * 1024 + 1, h.commitment]],
      ['6 fields', [h.messageId, [], [edkArr], 4096, h.commitment, 1]],
      ['EDK with 3 fields', [h.messageId, [], [edkArr.slice(0, 3)], 4096, h.commitment]],
      ['empty providerId', [h.messageId, [], [['', 'k', '', edk.ciphertext]], 4096, h.commitment]],
    ];
    for (const [name, value] of cases) {
      const bytes = withBody(msg, encodeCanonical(value as never));
      assert.throws(() => parseHeader(bytes), { name: 'InvalidCiphertextException' }, name);
    }
  });

  it('checks magic and version first; an unknown version is InvalidCiphertextException', async () => {
    const msg = await sample();
    const v2 = new Uint8Array(msg);
    v2[4] = 2;
    assert.throws(() => parseHeader(v2), { name: 'InvalidCiphertextException', message: /unsupported Envelope format version 2/ });
    const notOurs = new Uint8Array(msg);
    notOurs[0] = 0x50;
    assert.throws(() => parseHeader(notOurs), { name: 'InvalidCiphertextException', message: /magic/ });
    const suite = new Uint8Array(msg);
    suite[6] = 9;
    assert.throws(() => parseHeader(suite), { name: 'InvalidCiphertextException', message: /suite/ });
    // A short prefix is checked as far as it goes and otherwise needs more bytes.
    assert.equal(peekHeaderLength(msg.subarray(0, 5)), undefined);
    assert.equal(parseHeader(msg.subarray(0, 40)), undefined);
  });

  it('enforces the header size limit from the preamble alone, before buffering the body', async () => {
    const preamble = new Uint8Array([0x89, 0x45, 0x4e, 0x56, 1, 0, 1, 0xff, 0xff, 0xff, 0xf0]);
    assert.throws(() => peekHeaderLength(preamble), { name: 'LimitExceededException', message: /maxHeaderSize/ });
    await assert.rejects(readHeader(bufferSource(preamble)), { name: 'LimitExceededException' });
    const msg = await sample();
    const h = parseHeader(msg)!;
    assert.throws(() => parseHeader(msg, { maxHeaderSize: h.headerLength - 1, maxEncryptedDataKeys: 10, maxContextSize: 8192 }), {
      name: 'LimitExceededException',
    });
  });

  it('enforces the EDK count and context size limits on read and write', async () => {
    const children = [1, 2, 3].map((i) => rawKeyring(`k${i}`));
    const msg = await encrypt(new Uint8Array(1), { keyring: new MultiKeyring({ children }) });
    await assert.rejects(readHeader(msg, { maxEncryptedDataKeys: 2 }), { name: 'LimitExceededException', message: /3 encrypted data keys/ });
    assert.equal((await readHeader(msg, { maxEncryptedDataKeys: 3 })).encryptedDataKeys.length, 3);
    const eleven = new MultiKeyring({ children: Array.from({ length: 11 }, (_, i) => rawKeyring(`k${i}`)) });
    await assert.rejects(encrypt(new Uint8Array(1), { keyring: eleven }), { name: 'LimitExceededException', message: /11 encrypted data keys/ });
    await assert.rejects(encrypt(new Uint8Array(1), { keyring, context: { k: 'x'.repeat(9000) } }), { name: 'LimitExceededException' });
    const big = await encrypt(new Uint8Array(1), { keyring, context: { k: 'x'.repeat(9000) }, maxContextSize: 10000 });
    await assert.rejects(readHeader(big), { name: 'LimitExceededException', message: /maxContextSize/ });
  });

  it('validates writer options with typed errors', async () => {
    await assert.rejects(encrypt(new Uint8Array(1), { keyring, frameLength: 1000 }), { name: 'ValidationException' });
    await assert.rejects(encrypt(new Uint8Array(1), { keyring, context: { a: 1 as unknown as string } }), { name: 'ValidationException' });
    await assert.rejects(encrypt('text' as unknown as Uint8Array, { keyring }), TypeError);
    await assert.rejects(encrypt(new Uint8Array(1), { keyring, messageId: new Uint8Array(5) }), RangeError);
  });

  it('computes exact ciphertext and plaintext lengths (FORMAT.md §5.1)', async () => {
    for (const n of [0, 1, 4095, 4096, 4097, 8192, 3 * 4096 + 5]) {
      const msg = await encrypt(bytesFrom('len', n), { keyring, frameLength: 4096 });
      const h = await readHeader(msg);
      assert.equal(ciphertextLength(n, h.headerLength, 4096), msg.length, `size ${n}`);
      assert.equal(plaintextLength(msg.length, h.headerLength, 4096), n);
      const d = describeHeader(h, msg.length);
      assert.equal(d.plaintextLength, n);
      assert.equal(d.frameCount, Math.floor(n / 4096) + 1);
    }
    assert.throws(() => plaintextLength(100 + 16 + 4096 + 15, 100, 4096), { name: 'InvalidCiphertextException' });
    assert.throws(() => plaintextLength(100 + 15, 100, 4096), { name: 'InvalidCiphertextException' });
  });

  it('describes a header without keys and recognizes messages by magic', async () => {
    const msg = await sample({ team: 'a' });
    const d = describeHeader(await readHeader(bufferSource(msg)), msg.length);
    assert.deepEqual(d.context, { team: 'a' });
    assert.deepEqual(d.encryptedDataKeys, [{ providerId: 'raw-aes', keyId: 'test-key', providerInfo: '' }]);
    assert.match(d.messageId, /^[0-9a-f]{64}$/);
    assert.equal(d.suite, 'ENV_AES_256_GCM_HKDF_SHA512_COMMIT_HMAC_SHA256');
    assert.equal(isEnvelopeMessage(msg.subarray(0, 4)), true);
    assert.equal(isEnvelopeMessage(new TextEncoder().encode('ENV1 hello')), false);
    assert.equal(isEnvelopeMessage(new Uint8Array(2)), false);
    await assert.rejects(readHeader(msg.subarray(0, 50)), { name: 'InvalidCiphertextException', message: /truncated/ });
    const err = await rejection(() => readHeader(new Uint8Array(0)));
    assert.equal(err.name, 'InvalidCiphertextException');
  });
});
