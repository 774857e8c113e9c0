/**
 * The raw node:crypto baseline of `npm run bench -- files` (bench/files.bench.ts): a file-to-file
 * AES-256-GCM pipeline with nothing but the cipher — one cipher per 64 KiB chunk, a counter nonce,
 * the 16-byte tag after each chunk, no header, no key management — as a user would write it with
 * `pipeline(createReadStream, Transform, createWriteStream)`, plus the fsync that makes the output
 * durable (Envelope's CLI fsyncs its outputs; age does not). Run (bundled by the bench, so no
 * TypeScript loader is in the measured process): `node files-raw.mjs encrypt|decrypt <in> <out>`.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const CHUNK = 64 * 1024;
const TAG = 16;
const KEY = Buffer.alloc(32, 7);

function nonce(seq: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeUInt32BE(seq, 8);
  return n;
}

function encryptor(): Transform {
  let seq = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const c = createCipheriv('aes-256-gcm', KEY, nonce(seq++));
      const body = c.update(chunk);
      c.final();
      this.push(body);
      cb(null, c.getAuthTag());
    },
  });
}

function decryptor(): Transform {
  let seq = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const d = createDecipheriv('aes-256-gcm', KEY, nonce(seq++));
      d.setAuthTag(chunk.subarray(chunk.length - TAG));
      const body = d.update(chunk.subarray(0, chunk.length - TAG));
      try {
        d.final();
      } catch {
        return cb(new Error(`chunk ${seq - 1} failed authentication`));
      }
      cb(null, body);
    },
  });
}

const [mode, input, output] = process.argv.slice(2);
if ((mode !== 'encrypt' && mode !== 'decrypt') || !input || !output) {
  console.error('usage: files-raw encrypt|decrypt <in> <out>');
  process.exit(2);
}
// A file read stream hands out chunks of exactly highWaterMark bytes (the last one shorter), so a
// decrypt reading CHUNK + TAG at a time sees one sealed chunk per read.
const source = createReadStream(input, { highWaterMark: mode === 'encrypt' ? CHUNK : CHUNK + TAG });
// `flush`: fsync before closing, for output as durable as Envelope's CLI makes it.
// BENCH_RAW_FSYNC=0 leaves it out, as age does (the bench shows the difference).
const sink = createWriteStream(output, { flags: 'wx', flush: process.env['BENCH_RAW_FSYNC'] !== '0' });
await pipeline(source, mode === 'encrypt' ? encryptor() : decryptor(), sink);
