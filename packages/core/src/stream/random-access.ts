/**
 * Random access over a complete message (docs/FORMAT.md §5.1–5.2): read and check a header
 * without keys, and decrypt a plaintext byte range by reading only the header and the frames that
 * cover it. Platform-neutral; file-source.ts adapts files.
 */
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import { wipeMessageKeys } from '../crypto/message-keys.js';
import { FrameCounter } from '../format/frame.js';
import { DEFAULT_LIMITS, parseHeader, peekHeaderLength, type HeaderLimits, type MessageHeader } from '../format/header.js';
import { bodyLayout } from '../format/lengths.js';
import { GCM_TAG_LENGTH, PREAMBLE_LENGTH } from '../format/suite.js';
import { unwrapHeader } from './decrypt-session.js';
import { resolveNodeBackend } from './node-backend.js';
import { assertKeyring, assertOptions, resolveLimits, type DecryptOptions } from './options.js';

/** Something with a size that can be read at any offset (a file, a buffer, an object store). */
export interface RandomAccessSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** A RandomAccessSource over bytes in memory. */
export function bufferSource(bytes: Uint8Array): RandomAccessSource {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('"bytes" expected Uint8Array');
  return {
    size: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

async function readExactly(source: RandomAccessSource, offset: number, length: number): Promise<Uint8Array> {
  const b = await source.read(offset, length);
  if (b.length !== length) throw new InvalidCiphertextException(`message is truncated: wanted ${length} bytes at offset ${offset}, got ${b.length}`);
  return b;
}

/**
 * Parses and validates a header (structure and limits; not its tag, which needs the data key).
 * Throws InvalidCiphertextException when the input is not a complete Envelope header.
 */
export async function readHeader(source: RandomAccessSource | Uint8Array, limits: Partial<HeaderLimits> = DEFAULT_LIMITS): Promise<MessageHeader> {
  const l = resolveLimits(limits);
  if (source instanceof Uint8Array) {
    const header = parseHeader(source, l);
    if (!header) throw new InvalidCiphertextException('message is truncated inside its header');
    return header;
  }
  const prefix = await source.read(0, PREAMBLE_LENGTH);
  const headerLength = peekHeaderLength(prefix, l);
  if (headerLength === undefined || headerLength > source.size) throw new InvalidCiphertextException('message is truncated inside its header');
  return parseHeader(await readExactly(source, 0, headerLength), l)!;
}

/**
 * Decrypts plaintext bytes [start, end) (end is clamped to the plaintext length), reading only the
 * header and the frames covering the range. The header is authenticated first, then each frame.
 */
export async function decryptRange(source: RandomAccessSource, start: number, end: number, opts: DecryptOptions): Promise<Uint8Array> {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new ValidationException(`range must satisfy 0 <= start <= end, got [${start}, ${end})`);
  }
  assertOptions(opts, 'decrypt');
  assertKeyring(opts.keyring);
  const header = await readHeader(source, opts);
  const F = header.frameLength;
  const layout = bodyLayout(source.size - header.headerLength, F);
  const backend = await resolveNodeBackend(opts.backend);
  const { dataKey, keys } = await unwrapHeader(header, opts.keyring, opts.context, backend);
  const key = backend.importKey(keys.contentKey);
  dataKey.fill(0);
  wipeMessageKeys(keys);
  opts.onHeader?.(header);
  try {
    const stop = Math.min(end, layout.plaintextLength);
    if (start >= stop) return new Uint8Array(0);
    const first = Math.floor(start / F);
    // A range reaching the end of the plaintext also verifies the final frame, even an empty one (FORMAT.md §5.2).
    const last = stop === layout.plaintextLength ? layout.fullFrames : Math.floor((stop - 1) / F);
    const frameSize = F + GCM_TAG_LENGTH;
    const begin = header.headerLength + first * frameSize;
    const finish = header.headerLength + last * frameSize + (last < layout.fullFrames ? F : layout.finalLength) + GCM_TAG_LENGTH;
    const body = await readExactly(source, begin, finish - begin);
    const out = new Uint8Array(stop - start);
    const frames = new FrameCounter(header.messageId);
    let written = 0;
    for (let i = first; i <= last; i++) {
      const final = i === layout.fullFrames;
      const len = final ? layout.finalLength : F;
      const at = (i - first) * frameSize;
      frames.prepare(final, i);
      const plain = backend.open(key, frames.nonce, frames.aad, [body.subarray(at, at + len)], body.subarray(at + len, at + len + GCM_TAG_LENGTH));
      if (!plain) throw new InvalidCiphertextException(`frame ${i} failed authentication: the message was altered`);
      let offset = i * F;
      for (const p of plain) {
        const from = Math.max(start, offset) - offset;
        const to = Math.min(stop, offset + p.length) - offset;
        if (to > from) {
          out.set(p.subarray(from, to), written);
          written += to - from;
        }
        offset += p.length;
      }
    }
    return out;
  } finally {
    key.destroy();
  }
}
