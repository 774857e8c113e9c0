/**
 * Golden vectors (docs/FORMAT.md §11): every committed v1 message decrypts byte-for-byte with both
 * backends, buffers and streams, and the writer reproduces each message exactly from the fixed
 * inputs (so a silent format change fails here). Negative vectors fail with their exact error name.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, decrypt, encrypt, nodeAead, RawAesKeyring, readHeader } from '@envelope/core';
import { deriveMessageKeys } from '../../../packages/core/src/crypto/message-keys.js';
import { encodeCanonical } from '../../../packages/core/src/format/canonical-msgpack.js';
import { FrameCounter } from '../../../packages/core/src/format/frame.js';
import {
  DATA_KEY, goldenKeyring, IV, KEY_NAME, MESSAGE_ID, WRAPPING_KEY, type NegativeVector, type PositiveVector,
} from '../../../fixtures/vectors/vector-inputs.js';

const load = <T>(name: string): T[] => JSON.parse(readFileSync(new URL(`../../../fixtures/vectors/v1/${name}`, import.meta.url), 'utf8')) as T[];
const positive = load<PositiveVector>('positive.json');
const negative = load<NegativeVector>('negative.json');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function streamDecrypt(message: Uint8Array, keyring: RawAesKeyring, context?: Record<string, string>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const chunks = [];
  for (let i = 0; i < message.length; i += 777) chunks.push(Buffer.from(message.subarray(i, i + 777)));
  await pipeline(Readable.from(chunks), createDecryptStream({ keyring, ...(context ? { context } : {}) }), new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }));
  return Buffer.concat(parts);
}

describe('format: golden vectors v1', () => {
  it('the fixed inputs are the ones the vectors record', () => {
    assert.ok(positive.length >= 7 && negative.length >= 15);
    for (const v of positive) {
      assert.deepEqual([v.wrappingKey, v.dataKey, v.messageId, v.iv], [WRAPPING_KEY, DATA_KEY, MESSAGE_ID, IV].map((b) => Buffer.from(b).toString('hex')));
      assert.equal(sha(bytes(v.message)), v.messageSha256);
      assert.equal(sha(bytes(v.plaintext)), v.plaintextSha256);
    }
  });

  for (const v of positive) {
    it(`${v.name}: decrypts (node, noble, stream) and re-encrypts byte-for-byte`, async () => {
      const keyring = new RawAesKeyring({ keyNamespace: v.keyNamespace, keyName: v.keyName, wrappingKey: bytes(v.wrappingKey) });
      const message = bytes(v.message);
      const plaintext = bytes(v.plaintext);
      for (const backend of ['node', 'noble'] as const) {
        const r = await decrypt(message, { keyring, backend, context: v.context });
        assert.equal(sha(r.plaintext), v.plaintextSha256, backend);
        assert.equal(r.header.frameLength, v.frameLength);
      }
      assert.ok((await streamDecrypt(message, keyring, v.context)).equals(plaintext));
      for (const backend of ['node', 'noble'] as const) {
        const again = await encrypt(plaintext, {
          keyring: goldenKeyring(v.keyName, bytes(v.wrappingKey), bytes(v.iv)), backend, context: v.context,
          frameLength: v.frameLength, dataKey: bytes(v.dataKey), messageId: bytes(v.messageId),
        });
        assert.equal(Buffer.from(again).toString('hex'), v.message, `${backend} writer no longer reproduces ${v.name}`);
      }
    });
  }

  it('docs/FORMAT.md §12 worked example matches the one-byte vector and the key schedule', async () => {
    const doc = readFileSync(new URL('../../../docs/FORMAT.md', import.meta.url), 'utf8');
    const example = doc.slice(doc.indexOf('## 12. Worked example'));
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const v = positive.find((p) => p.name === 'one-byte')!;
    const message = bytes(v.message);
    const header = await readHeader(message);
    const keys = deriveMessageKeys(nodeAead, DATA_KEY, MESSAGE_ID, header.suiteId);
    const frame = new FrameCounter(MESSAGE_ID);
    frame.prepare(true, 0);
    const expected: [string, string][] = [
      ['dataKey', hex(DATA_KEY)], ['messageId', hex(MESSAGE_ID)], ['wrappingKey', hex(WRAPPING_KEY)], ['iv', hex(IV)],
      ['contentKey', hex(keys.contentKey)], ['commitment', hex(keys.commitment)], ['headerKey', hex(keys.headerKey)],
      ['nonce_0 =', hex(frame.nonce)],
    ];
    for (const [label, value] of expected) assert.match(example, new RegExp(`${label} +${value}\\b`), label);
    assert.ok(example.includes(`aad_0   = ${hex(MESSAGE_ID)} 0000000000000000 01`));
    const aad = encodeCanonical(['ENVELOPE-RAW-AES-V1', header.suiteId, v.keyNamespace, v.keyName, Object.entries(v.context)]);
    for (const piece of [hex(aad), hex(header.encryptedDataKeys[0]!.ciphertext), hex(header.headerTag)]) assert.ok(example.includes(piece), piece);
    const body = message.subarray(header.headerLength);
    assert.ok(example.includes(`frame_0 = ${hex(body.subarray(0, 1))} ${hex(body.subarray(1))}`));
    assert.equal(header.headerLength, 216);
    assert.equal(message.length, 233);
  });

  for (const v of negative) {
    it(`negative ${v.name}: ${v.error}`, async () => {
      const keyring = new RawAesKeyring({
        keyNamespace: 'raw-aes', keyName: v.keyName ?? KEY_NAME, wrappingKey: v.wrappingKey ? bytes(v.wrappingKey) : WRAPPING_KEY,
      });
      const ctx = v.expectedContext ? { context: v.expectedContext } : {};
      await assert.rejects(decrypt(bytes(v.message), { keyring, ...ctx }), { name: v.error }, `buffer: ${v.description}`);
      await assert.rejects(streamDecrypt(bytes(v.message), keyring, v.expectedContext), { name: v.error }, `stream: ${v.description}`);
    });
  }
});
