/**
 * Random access and re-wrapping (docs/FORMAT.md §5.2, §3.3): decryptRange reads only the header
 * and the covering frames (checked by counting source reads), matches the plaintext at and around
 * frame boundaries, and detects tampering; rewrapHeader issues a new header for the unchanged body.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bufferSource, decrypt, decryptRange, encrypt, fileSource, MultiKeyring, readHeader, rewrapHeader, type RandomAccessSource,
} from '@envelope/core';
import { bytesFrom, rawKeyring, rejection } from './helpers.js';

const F = 4096;
const T = 16;
const keyring = rawKeyring();

function countingSource(bytes: Uint8Array): RandomAccessSource & { reads: [number, number][] } {
  const inner = bufferSource(bytes);
  const reads: [number, number][] = [];
  return { size: inner.size, reads, read: (o, l) => (reads.push([o, l]), inner.read(o, l)) };
}

describe('stream: random access and rewrap', () => {
  const pt = bytesFrom('ra', 5 * F + 100);
  let ct: Uint8Array;
  before(async () => {
    ct = await encrypt(pt, { keyring, frameLength: F, context: { r: 'a' } });
  });

  it('decrypts ranges at and around frame boundaries', async () => {
    const L = pt.length;
    const ranges: [number, number][] = [
      [0, 0], [0, 1], [0, F], [F - 1, F + 1], [F, 2 * F], [F, F + 1], [2 * F - 1, 2 * F], [3 * F + 7, 5 * F + 3],
      [5 * F, L], [L - 1, L], [0, L], [L, L], [L - 10, L + 1000],
    ];
    for (const [s, e] of ranges) {
      const got = await decryptRange(bufferSource(ct), s, e, { keyring, context: { r: 'a' } });
      assert.deepEqual(got, pt.subarray(s, Math.min(e, L)), `[${s}, ${e})`);
    }
  });

  it('reads only the header and the frames covering the range', async () => {
    const h = (await readHeader(ct)).headerLength;
    const src = countingSource(ct);
    await decryptRange(src, 2 * F + 5, 3 * F + 5, { keyring });
    const bodyReads = src.reads.filter(([o]) => o >= h);
    assert.deepEqual(bodyReads, [[h + 2 * (F + T), 2 * (F + T)]]);
    const total = src.reads.reduce((n, [, l]) => n + l, 0);
    assert.ok(total <= 11 + h + 2 * (F + T), `read ${total} bytes`);
  });

  it('works on files through fileSource and the final frame is recognized by size', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envelope-ra-'));
    try {
      await writeFile(join(dir, 'm'), ct);
      const src = await fileSource(join(dir, 'm'));
      try {
        assert.deepEqual(await decryptRange(src, 5 * F + 50, 5 * F + 100, { keyring }), pt.subarray(5 * F + 50));
        assert.deepEqual((await readHeader(src)).context, { r: 'a' });
      } finally {
        await src.close?.();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects tampered frames, truncated sources, wrong context and bad ranges', async () => {
    const h = (await readHeader(ct)).headerLength;
    const bad = new Uint8Array(ct);
    bad[h + F + T + 3]! ^= 1;
    assert.equal((await rejection(() => decryptRange(bufferSource(bad), F, F + 10, { keyring }))).name, 'InvalidCiphertextException');
    // an untouched frame still reads
    assert.deepEqual(await decryptRange(bufferSource(bad), 0, 10, { keyring }), pt.subarray(0, 10));
    // Truncation shows when the range reaches the (now wrong) final frame, or when the length fits no layout.
    const cut = bufferSource(ct.subarray(0, ct.length - 1));
    assert.equal((await rejection(() => decryptRange(cut, 5 * F, 5 * F + 10, { keyring }))).name, 'InvalidCiphertextException');
    const noLayout = bufferSource(ct.subarray(0, ct.length - 111));
    assert.equal((await rejection(() => decryptRange(noLayout, 0, 10, { keyring }))).name, 'InvalidCiphertextException');
    assert.equal((await rejection(() => decryptRange(bufferSource(ct), 0, 10, { keyring, context: { r: 'b' } }))).name, 'InvalidCiphertextException');
    assert.equal((await rejection(() => decryptRange(bufferSource(ct), 10, 5, { keyring }))).name, 'ValidationException');
  });

  it('a range reaching the end verifies the final frame even when it is empty (plaintext a multiple of F)', async () => {
    const whole = bytesFrom('ra-exact', 2 * F);
    const exact = await encrypt(whole, { keyring, frameLength: F });
    assert.deepEqual(await decryptRange(bufferSource(exact), F, 2 * F, { keyring }), whole.subarray(F));
    const flipped = new Uint8Array(exact);
    flipped[flipped.length - 1]! ^= 1; // the empty final frame's tag
    assert.equal((await rejection(() => decryptRange(bufferSource(flipped), F, 2 * F, { keyring }))).name, 'InvalidCiphertextException');
    assert.equal((await rejection(() => decryptRange(bufferSource(flipped), 0, 3 * F, { keyring }))).name, 'InvalidCiphertextException');
    // A range that stops short of the end does not read the final frame.
    assert.deepEqual(await decryptRange(bufferSource(flipped), F, 2 * F - 1, { keyring }), whole.subarray(F, 2 * F - 1));
  });

  it('rewrapHeader: new EDKs and tag, same body; old keyring no longer opens the new message', async () => {
    const next = rawKeyring('next-key', 'next-wrapping');
    const { header, bodyOffset } = await rewrapHeader(ct, { decryptKeyring: keyring, encryptKeyring: next, context: { r: 'a' } });
    const old = await readHeader(ct);
    assert.equal(bodyOffset, old.headerLength);
    const moved = Buffer.concat([header, ct.subarray(bodyOffset)]);
    const fresh = await readHeader(moved);
    assert.deepEqual(fresh.messageId, old.messageId);
    assert.deepEqual(fresh.commitment, old.commitment);
    assert.deepEqual(fresh.encryptedDataKeys.map((e) => e.keyId), ['next-key']);
    assert.deepEqual((await decrypt(moved, { keyring: next })).plaintext, pt);
    assert.equal((await rejection(() => decrypt(moved, { keyring }))).name, 'IncorrectKeyException');
    // a source works too, and a multi-keyring can add recipients
    const both = await rewrapHeader(bufferSource(ct), { decryptKeyring: keyring, encryptKeyring: new MultiKeyring({ children: [keyring, next] }) });
    const two = Buffer.concat([both.header, ct.subarray(both.bodyOffset)]);
    assert.deepEqual((await decrypt(two, { keyring })).plaintext, pt);
    assert.deepEqual((await decrypt(two, { keyring: next })).plaintext, pt);
  });

  it('rewrapHeader refuses a tampered header or a wrong decrypt keyring', async () => {
    const next = rawKeyring('next-key', 'next-wrapping');
    const e = await rejection(() => rewrapHeader(ct, { decryptKeyring: next, encryptKeyring: keyring }));
    assert.equal(e.name, 'IncorrectKeyException');
    const h = await readHeader(ct);
    const bad = new Uint8Array(ct);
    bad[h.headerLength - 1]! ^= 1; // header tag
    assert.equal((await rejection(() => rewrapHeader(bad, { decryptKeyring: keyring, encryptKeyring: next }))).name, 'InvalidCiphertextException');
  });
});
