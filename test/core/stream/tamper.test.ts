/**
 * Tamper resistance (docs/FORMAT.md §4–§6): every byte of a 3-frame message altered at rotating bit
 * positions (and every header bit) is rejected; truncation at every frame boundary and mid-frame;
 * appended bytes; frames reordered, duplicated or swapped between messages; wrong or missing
 * context; key commitment mismatch; wrong keys. Errors are typed and carry no key material.
 */
import { strict as assert } from 'node:assert';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { createDecryptStream, decrypt, encrypt, nodeAead, readHeader, RawAesKeyring, rewrapHeader, type Keyring } from '@envelope/core';
import { equalBytes } from '../../../packages/core/src/crypto/constant-time.js';
import { computeHeaderTag, deriveMessageKeys } from '../../../packages/core/src/crypto/message-keys.js';
import { appendHeaderTag, encodeUnsignedHeader } from '../../../packages/core/src/format/header.js';
import { bytesFrom, hex, rawKeyring, rejection } from './helpers.js';

const F = 4096;
const T = 16;
const keyring = rawKeyring();
const context = { purpose: 'tamper' };

async function threeFrames(label = 'tamper'): Promise<{ pt: Uint8Array; ct: Uint8Array; h: number }> {
  const pt = bytesFrom(label, 2 * F + 100);
  const ct = await encrypt(pt, { keyring, frameLength: F, context });
  return { pt, ct, h: (await readHeader(ct)).headerLength };
}

/** Decrypts through a Node stream; resolves to the released plaintext or rejects. */
async function streamDecrypt(ct: Uint8Array, kr: Keyring = keyring, chunk = 1000): Promise<{ out: Buffer; err?: Error }> {
  const parts: Buffer[] = [];
  const chunks = [];
  for (let i = 0; i < ct.length; i += chunk) chunks.push(Buffer.from(ct.subarray(i, i + chunk)));
  try {
    await pipeline(Readable.from(chunks), createDecryptStream({ keyring: kr }), new Writable({ write(c, _e, cb) { parts.push(c); cb(); } }));
    return { out: Buffer.concat(parts) };
  } catch (err) {
    return { out: Buffer.concat(parts), err: err as Error };
  }
}

describe('stream: tamper, truncation and splicing', () => {
  it('rejects every header bit flip and every body byte altered (bit position rotating)', async function () {
    this.timeout(60000);
    const { ct, h } = await threeFrames();
    const names = new Set<string>();
    let accepted = 0;
    const check = async (i: number, bit: number) => {
      const bad = new Uint8Array(ct);
      bad[i]! ^= 1 << bit;
      try {
        await decrypt(bad, { keyring });
        accepted++;
      } catch (err) {
        names.add((err as Error).name);
      }
    };
    for (let i = 0; i < h; i++) for (let bit = 0; bit < 8; bit++) await check(i, bit);
    for (let i = h; i < ct.length; i++) await check(i, (i * 3) % 8);
    assert.equal(accepted, 0);
    for (const n of names) assert.ok(['InvalidCiphertextException', 'LimitExceededException', 'IncorrectKeyException'].includes(n), n);
  });

  it('a stream releases no plaintext of a frame whose tag fails', async () => {
    const { pt, ct, h } = await threeFrames();
    const bad = new Uint8Array(ct);
    bad[h + F + T + 5]! ^= 0x10; // inside frame 1
    const { out, err } = await streamDecrypt(bad);
    assert.equal(err?.name, 'InvalidCiphertextException');
    assert.match(err!.message, /frame 1 failed authentication/);
    assert.ok(out.length <= F, 'at most frame 0 was released');
    assert.ok(out.equals(Buffer.from(pt.subarray(0, out.length))));
  });

  it('detects truncation at every frame boundary and mid-frame, in buffers and streams', async () => {
    const { ct, h } = await threeFrames();
    const cuts = [0, 5, h - 1, h, h + 1, h + F, h + F + T, h + F + T + 1, h + 2 * (F + T), h + 2 * (F + T) + 50, ct.length - 1];
    for (const cut of cuts) {
      const err = await rejection(() => decrypt(ct.subarray(0, cut), { keyring }));
      assert.equal(err.name, 'InvalidCiphertextException', `cut at ${cut}`);
      const s = await streamDecrypt(ct.subarray(0, cut));
      assert.equal(s.err?.name, 'InvalidCiphertextException', `stream cut at ${cut}`);
    }
  });

  it('detects a message whose plaintext filled the last frame when its empty final frame is dropped', async () => {
    const ct = await encrypt(bytesFrom('full', 2 * F), { keyring, frameLength: F });
    const err = await rejection(() => decrypt(ct.subarray(0, ct.length - T), { keyring }));
    assert.equal(err.name, 'InvalidCiphertextException');
    assert.match(err.message, /without a final frame/);
  });

  it('rejects appended bytes', async () => {
    const { ct } = await threeFrames();
    for (const extra of [1, 16, 100, F + T, F + T + 1]) {
      const longer = Buffer.concat([ct, Buffer.alloc(extra, 7)]);
      const err = await rejection(() => decrypt(longer, { keyring }));
      assert.equal(err.name, 'InvalidCiphertextException', `+${extra}`);
    }
  });

  it('rejects reordered, duplicated and cross-message frames', async () => {
    const a = await threeFrames('a');
    const b = await threeFrames('b');
    const frame = (m: { ct: Uint8Array; h: number }, i: number) => m.ct.subarray(m.h + i * (F + T), m.h + (i + 1) * (F + T));
    const head = a.ct.subarray(0, a.h);
    const tail = a.ct.subarray(a.h + 2 * (F + T));
    const variants = {
      reordered: [head, frame(a, 1), frame(a, 0), tail],
      duplicated: [head, frame(a, 0), frame(a, 0), tail],
      swapped: [head, frame(b, 0), frame(a, 1), tail],
      'final from other message': [head, frame(a, 0), frame(a, 1), b.ct.subarray(b.h + 2 * (F + T))],
      'frame dropped': [head, frame(a, 0), tail],
    };
    for (const [name, parts] of Object.entries(variants)) {
      const err = await rejection(() => decrypt(Buffer.concat(parts), { keyring }));
      assert.equal(err.name, 'InvalidCiphertextException', name);
    }
  });

  it('rejects a wrong, missing or extra expected context, naming the key but no value', async () => {
    const { ct } = await threeFrames();
    const cases: [Record<string, string>, RegExp][] = [
      [{ purpose: 'other' }, /value of key "purpose" differs/],
      [{}, /unexpected key "purpose"/],
      [{ purpose: 'tamper', extra: 'x' }, /key "extra" is missing/],
    ];
    for (const [expected, re] of cases) {
      const err = await rejection(() => decrypt(ct, { keyring, context: expected }));
      assert.equal(err.name, 'InvalidCiphertextException');
      assert.match(err.message, re);
      assert.ok(!err.message.includes('tamper'), 'no context value in the message');
    }
    assert.deepEqual((await decrypt(ct, { keyring, context })).header.context, context);
  });

  it('rejects a header whose context was altered (the wrapped key is bound to it)', async () => {
    const ct = await encrypt(new Uint8Array(5), { keyring, context: { p: 'aaaa' }, frameLength: F });
    const i = Buffer.from(ct).indexOf(Buffer.from('aaaa'));
    const bad = new Uint8Array(ct);
    bad.set(Buffer.from('aaab'), i);
    const err = await rejection(() => decrypt(bad, { keyring }));
    assert.equal(err.name, 'InvalidCiphertextException');
  });

  it('rejects a key commitment mismatch before decrypting any frame', async () => {
    // A header whose EDK wraps data key K2 but whose commitment and tag come from K1.
    const k1 = bytesFrom('k1', 32);
    const k2 = bytesFrom('k2', 32);
    const messageId = bytesFrom('mid', 32);
    const genuine = await encrypt(bytesFrom('p', 100), { keyring, dataKey: k1, messageId, frameLength: F });
    const h = await readHeader(genuine);
    const wrapped = await keyring.onEncrypt({ suiteId: 1, context: {}, dataKey: k2 });
    const keys1 = deriveMessageKeys(nodeAead, k1, messageId, 1);
    const unsigned = encodeUnsignedHeader({
      suiteId: 1, messageId, contextPairs: [], encryptedDataKeys: wrapped.encryptedDataKeys, frameLength: F, commitment: keys1.commitment,
    });
    const forged = Buffer.concat([appendHeaderTag(unsigned, computeHeaderTag(nodeAead, keys1.headerKey, unsigned)), genuine.subarray(h.headerLength)]);
    const err = await rejection(() => decrypt(forged, { keyring }));
    assert.equal(err.name, 'InvalidCiphertextException');
    assert.match(err.message, /commitment mismatch/);
    assert.ok(!err.message.includes(hex(k1)) && !err.message.includes(hex(k2)));
    assert.ok(equalBytes(keys1.commitment, h.commitment));
  });

  it('wrong keys: a keyring that owns no EDK is IncorrectKeyException; same name, wrong material is InvalidCiphertextException', async () => {
    const { ct } = await threeFrames();
    const other = rawKeyring('someone-else');
    const e1 = await rejection(() => decrypt(ct, { keyring: other }));
    assert.equal(e1.name, 'IncorrectKeyException');
    assert.match(e1.message, /raw-aes:test-key/);
    const sameName = new RawAesKeyring({ keyName: 'test-key', keyNamespace: 'raw-aes', wrappingKey: bytesFrom('not-it', 32) });
    const e2 = await rejection(() => decrypt(ct, { keyring: sameName }));
    assert.equal(e2.name, 'InvalidCiphertextException');
    assert.ok(!e2.message.includes(hex(bytesFrom('not-it', 32))));
  });
});

describe('stream: limits through the decrypt stream', () => {
  it('rejects a header over maxHeaderSize from the preamble, before the header body arrives', async () => {
    const ct = await encrypt(new Uint8Array(10), { keyring, context: { k: 'v'.repeat(3000) } });
    const dec = createDecryptStream({ keyring, maxHeaderSize: 1024 });
    let headerSeen = false;
    dec.on('header', () => (headerSeen = true));
    // Only the first 11 bytes are written: the limit must fire without waiting for more.
    const done = new Promise<Error>((resolve) => dec.on('error', resolve));
    dec.write(Buffer.from(ct.subarray(0, 11)));
    const err = await done;
    assert.equal(err.name, 'LimitExceededException');
    assert.match(err.message, /maxHeaderSize/);
    assert.equal(headerSeen, false);
  });

  it('the writer refuses a header over maxHeaderSize (default: the readers\' 64 KiB), so it never writes what a default reader rejects', async () => {
    // A keyring whose EDKs are large but each within the format's field limits: 10 of ~7 KB make a ~70 KB header.
    const big: Keyring = {
      async onEncrypt(req) {
        const dataKey = req.dataKey ?? new Uint8Array(32).fill(7);
        const encryptedDataKeys = Array.from({ length: 10 }, (_, i) => ({ providerId: 'big', keyId: `k${i}`.padEnd(2000, 'x'), providerInfo: 'i'.repeat(1000), ciphertext: new Uint8Array(4000).fill(i) }));
        return { dataKey, encryptedDataKeys };
      },
      async onDecrypt() {
        return new Uint8Array(32).fill(7);
      },
    };
    const err = await rejection(() => encrypt(new Uint8Array(10), { keyring: big }));
    assert.equal(err.name, 'LimitExceededException');
    assert.match(err.message, /maxHeaderSize/);
    // Raised on both sides, the same message is written and read back.
    const ct = await encrypt(new Uint8Array(10), { keyring: big, maxHeaderSize: 128 * 1024 });
    assert.ok((await readHeader(ct, { maxHeaderSize: 128 * 1024 })).headerLength > 65536);
    assert.equal((await rejection(() => decrypt(ct, { keyring: big }))).name, 'LimitExceededException');
    assert.equal((await decrypt(ct, { keyring: big, maxHeaderSize: 128 * 1024 })).plaintext.length, 10);
    // rewrapHeader applies the same bound to the header it writes.
    const small = await encrypt(new Uint8Array(10), { keyring });
    const rewrapErr = await rejection(() => rewrapHeader(small, { decryptKeyring: keyring, encryptKeyring: big }));
    assert.equal(rewrapErr.name, 'LimitExceededException');
    assert.match(rewrapErr.message, /maxHeaderSize/);
    assert.ok((await rewrapHeader(small, { decryptKeyring: keyring, encryptKeyring: big, maxHeaderSize: 128 * 1024 })).header.length > 65536);
  });

  it('rejects an empty input and a non-Envelope input', async () => {
    assert.equal((await streamDecrypt(new Uint8Array(0))).err?.name, 'InvalidCiphertextException');
    const text = new TextEncoder().encode('hello, this is not an envelope message at all');
    const r = await streamDecrypt(text);
    assert.equal(r.err?.name, 'InvalidCiphertextException');
    assert.match(r.err!.message, /magic/);
  });
});
