/**
 * Round trips through every API (docs/FORMAT.md §5): buffers at 0, 1, F−1, F, F+1 and several
 * frames, both backends byte-identical and mutually decryptable, Node streams through pipeline()
 * with real files, Web streams, chunk boundaries that split frames anywhere, and backpressure.
 */
import { strict as assert } from 'node:assert';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  createDecryptStream, createEncryptStream, createWebDecryptStream, createWebEncryptStream, decrypt, encrypt,
  type MessageHeader,
} from '@envelope/core';
import {
  bufferSource, createDecryptStream as createDecryptStreamRaw, decrypt as decryptRaw, decryptRange as decryptRangeRaw,
  encrypt as encryptRaw,
} from '@envelope/core/streams';
import { bytesFrom, rawKeyring, seededRandom } from './helpers.js';

const F = 4096;
const keyring = rawKeyring();
const SIZES = [0, 1, F - 1, F, F + 1, 3 * F, 5 * F + 17];

function fixedOpts(backend: 'node' | 'noble') {
  return {
    keyring: rawKeyring('test-key', 'wrapping-key', seededRandom('iv')),
    backend,
    frameLength: F,
    context: { purpose: 'roundtrip' },
    messageId: bytesFrom('message-id', 32),
    dataKey: bytesFrom('data-key', 32),
  } as const;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Splits bytes into chunks of the given sizes, cycling. */
function* chunked(bytes: Uint8Array, sizes: number[]): Generator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield Buffer.from(bytes.subarray(at, at + n));
    at += n;
  }
}

describe('stream: round trips', () => {
  for (const backend of ['node', 'noble'] as const) {
    for (const n of SIZES) {
      it(`buffers, ${backend} backend, ${n} bytes`, async () => {
        const pt = bytesFrom(`pt${n}`, n);
        const ct = await encrypt(pt, { keyring, frameLength: F, backend, context: { a: 'b' } });
        const { plaintext, header } = await decrypt(ct, { keyring, backend, context: { a: 'b' } });
        assert.deepEqual(plaintext, pt);
        assert.equal(header.frameLength, F);
        assert.ok(plaintext instanceof Uint8Array);
      });
    }
  }

  it('the node and noble backends produce byte-identical messages and decrypt each other', async () => {
    for (const n of SIZES) {
      const pt = bytesFrom(`x${n}`, n);
      const a = await encrypt(pt, fixedOpts('node'));
      const b = await encrypt(pt, fixedOpts('noble'));
      assert.deepEqual(a, b, `size ${n}`);
      assert.deepEqual((await decrypt(a, { keyring, backend: 'noble' })).plaintext, pt);
      assert.deepEqual((await decrypt(b, { keyring, backend: 'node' })).plaintext, pt);
    }
  });

  it('uses a fresh message id and data key per message', async () => {
    const a = await encrypt(new Uint8Array(10), { keyring });
    const b = await encrypt(new Uint8Array(10), { keyring });
    assert.notDeepEqual(a.subarray(0, 80), b.subarray(0, 80));
  });

  it('Node streams: any chunking of input gives the same message; decrypt in any chunking', async () => {
    const pt = bytesFrom('chunks', 5 * F + 123);
    const expected = await encrypt(pt, fixedOpts('node'));
    for (const sizes of [[1, 7, 4095], [F], [F + 16], [F + 17, 3], [100000]]) {
      const enc = createEncryptStream(fixedOpts('node'));
      const ct = await collect(Readable.from(chunked(pt, sizes)).pipe(enc));
      assert.deepEqual(new Uint8Array(ct), expected, `encrypt chunks ${sizes}`);
      let header: MessageHeader | undefined;
      const dec = createDecryptStream({ keyring, context: { purpose: 'roundtrip' } });
      dec.on('header', (h: MessageHeader) => (header = h));
      const out = await collect(Readable.from(chunked(expected, sizes)).pipe(dec));
      assert.deepEqual(new Uint8Array(out), pt, `decrypt chunks ${sizes}`);
      assert.deepEqual(header?.context, { purpose: 'roundtrip' });
    }
  });

  it('Node streams: an empty input still produces a header and an empty final frame', async () => {
    const ct = await collect(Readable.from([]).pipe(createEncryptStream({ keyring, frameLength: F })));
    assert.deepEqual((await decrypt(ct, { keyring })).plaintext, new Uint8Array(0));
  });

  it('Node streams: a several-MiB file, file to file through pipeline(), with the default frame length', async function () {
    this.timeout(30000);
    const dir = await mkdtemp(join(tmpdir(), 'envelope-rt-'));
    try {
      const pt = bytesFrom('file', 6 * 1024 * 1024 + 333);
      await writeFile(join(dir, 'in'), pt);
      let headerSeenBeforeData = false;
      let sawData = false;
      await pipeline(createReadStream(join(dir, 'in')), createEncryptStream({ keyring, context: { f: 'in' } }), createWriteStream(join(dir, 'ct')));
      const dec = createDecryptStream({ keyring, context: { f: 'in' } });
      dec.on('header', () => (headerSeenBeforeData = !sawData));
      dec.on('data', () => (sawData = true));
      await pipeline(createReadStream(join(dir, 'ct')), dec, createWriteStream(join(dir, 'out')));
      assert.ok(headerSeenBeforeData);
      assert.ok((await readFile(join(dir, 'out'))).equals(Buffer.from(pt)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Node streams: respect backpressure (a stalled consumer stops the producer)', async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced += F;
        this.push(produced > 400 * F ? null : Buffer.alloc(F));
      },
    });
    const enc = createEncryptStream({ keyring, frameLength: F });
    source.pipe(enc);
    await new Promise((r) => setTimeout(r, 100));
    // Nothing reads `enc`: production stops after a few buffers' worth (highWaterMarks), not 400 frames.
    assert.ok(produced < 20 * F, `produced ${produced / F} frames with no consumer`);
    const ct = await collect(enc);
    assert.equal((await decrypt(ct, { keyring })).plaintext.length, 400 * F);
  });

  it('Node streams: the decrypt stream also respects backpressure', async () => {
    const ct = await encrypt(new Uint8Array(400 * F), { keyring, frameLength: F });
    let offered = 0;
    const source = new Readable({
      read() {
        const n = Math.min(F, ct.length - offered);
        this.push(n === 0 ? null : Buffer.from(ct.subarray(offered, offered + n)));
        offered += n;
      },
    });
    const dec = createDecryptStream({ keyring });
    source.pipe(dec);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(offered < 20 * F, `read ${Math.round(offered / F)} frames with no consumer`);
    assert.equal((await collect(dec)).length, 400 * F);
  });

  it('Web streams: round trip with both backends, interoperable with the Node streams', async () => {
    const pt = bytesFrom('web', 3 * F + 5);
    for (const backend of ['noble', 'node'] as const) {
      const enc = createWebEncryptStream(fixedOpts(backend));
      const ct = new Uint8Array(await new Response(new Blob([pt as BlobPart]).stream().pipeThrough(enc)).arrayBuffer());
      assert.deepEqual(ct, await encrypt(pt, fixedOpts('node')));
      let header: MessageHeader | undefined;
      const dec = createWebDecryptStream({ keyring, backend, onHeader: (h) => (header = h) });
      const out = new Uint8Array(await new Response(new Blob([ct as BlobPart]).stream().pipeThrough(dec)).arrayBuffer());
      assert.deepEqual(out, pt);
      assert.equal(header?.frameLength, F);
    }
  });

  it('Web streams: a truncated message errors the stream', async () => {
    const ct = await encrypt(bytesFrom('w', 2 * F), { keyring, frameLength: F });
    const dec = createWebDecryptStream({ keyring });
    await assert.rejects(new Response(new Blob([ct.subarray(0, ct.length - 16) as BlobPart]).stream().pipeThrough(dec)).arrayBuffer(), {
      name: 'InvalidCiphertextException',
    });
  });

  it('Web streams: a chunk that is not a Uint8Array (e.g. an ArrayBuffer) is a TypeError, not silently dropped', async () => {
    const message = await encrypt(new Uint8Array([1, 2, 3]), { keyring });
    for (const [stream, chunk] of [
      [createWebEncryptStream({ keyring }), new Uint8Array([1, 2, 3]).buffer],
      [createWebDecryptStream({ keyring }), message.slice().buffer],
      [createWebEncryptStream({ keyring }), 'text'],
    ] as const) {
      const source = new ReadableStream({ start(c) { c.enqueue(chunk); c.close(); } });
      await assert.rejects(new Response(source.pipeThrough(stream as TransformStream)).arrayBuffer(), { name: 'TypeError', message: /"chunk" expected Uint8Array/ });
    }
  });

  it('a keyring failure fails the encrypt stream before any output', async () => {
    const failing = { onEncrypt: async () => { throw new Error('kms down'); }, onDecrypt: async () => undefined };
    const chunks: Buffer[] = [];
    await assert.rejects(
      pipeline(Readable.from([Buffer.alloc(10)]), createEncryptStream({ keyring: failing }), new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } })),
      /kms down/,
    );
    assert.equal(chunks.length, 0);
  });

  it('missing options are a ValidationException on every entry point, not a TypeError', async () => {
    const none = undefined as never;
    const message = await encrypt(new Uint8Array(3), { keyring: rawKeyring() });
    await assert.rejects(encryptRaw(new Uint8Array(3), none), { name: 'ValidationException' });
    await assert.rejects(decryptRaw(message, none), { name: 'ValidationException', message: /decrypt options are required/ });
    assert.throws(() => createDecryptStreamRaw(none), { name: 'ValidationException' });
    assert.throws(() => createDecryptStreamRaw(null as never), { name: 'ValidationException' });
    await assert.rejects(decryptRangeRaw(bufferSource(message), 0, 1, none), { name: 'ValidationException' });
    await assert.rejects(decryptRangeRaw(bufferSource(message), 0, 1, {} as never), { name: 'ValidationException' });
    const web = createWebDecryptStream(none);
    await assert.rejects(new Response(new Blob([message as BlobPart]).stream().pipeThrough(web)).arrayBuffer(), { name: 'ValidationException' });
  });
});

describe('stream: producers that reuse their buffers', () => {
  it('encrypt and decrypt copy what they keep past the write callback', async () => {
    const pt = bytesFrom('reuse', 3 * F + 999);
    const expected = await encrypt(pt, fixedOpts('node'));
    // One scratch buffer, refilled for every write after the previous write's callback.
    const writeReusing = async (stream: NodeJS.WritableStream & NodeJS.ReadableStream, bytes: Uint8Array, size: number) => {
      const out = collect(stream);
      const scratch = Buffer.alloc(size);
      for (let at = 0; at < bytes.length; at += size) {
        const n = Math.min(size, bytes.length - at);
        scratch.set(bytes.subarray(at, at + n));
        await new Promise<void>((res, rej) => stream.write(scratch.subarray(0, n), (e) => (e ? rej(e) : res())));
        scratch.fill(0xee);
      }
      stream.end();
      return out;
    };
    // Sizes below, across and above a frame: what stays queued goes through the reused stash
    // buffers (byte-queue.ts), alone or gathered with bytes stashed before.
    for (const backend of ['node', 'noble'] as const) {
      for (const size of [1000, F - 1, F + 17, F + 16 + 1, 3 * F + 5]) {
        const ct = await writeReusing(createEncryptStream(fixedOpts(backend)), pt, size);
        assert.deepEqual(new Uint8Array(ct), expected, `encrypt, ${backend}, ${size}-byte writes`);
        const back = await writeReusing(createDecryptStream({ keyring, backend }), expected, size);
        assert.deepEqual(new Uint8Array(back), pt, `decrypt, ${backend}, ${size}-byte writes`);
      }
    }
  });
});
