/**
 * Node `Transform` streams over the framed format (docs/FORMAT.md §5, §6; STYLE.md §8): the
 * encryptor calls the keyring, emits the header, then one sealed frame per frameLength bytes; the
 * decryptor emits 'header' once the header is authenticated and releases each frame's plaintext
 * only after its tag verifies. Both hold at most one frame and respect push() backpressure (a
 * Transform withholds its write callback while the readable side is full).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { systemRandom } from '../defaults.js';
import type { MessageHeader } from '../format/header.js';
import { startEncryption } from './encrypt-session.js';
import type { FrameSealer } from './frame-sealer.js';
import { MessageDecoder } from './message-decoder.js';
import { resolveNodeBackend } from './node-backend.js';
import type { DecryptOptions, EncryptOptions } from './options.js';

class EncryptTransform extends Transform {
  private sealer: FrameSealer | undefined;
  private readonly ready: Promise<void>;

  constructor(opts: EncryptOptions) {
    super();
    const backend = resolveNodeBackend(opts?.backend);
    this.ready = Promise.resolve(backend).then((b) => startEncryption(opts, b, opts?.random ?? systemRandom)).then((session) => {
      this.push(session.headerBytes);
      this.sealer = session.sealer;
    });
    this.ready.catch((err: unknown) => this.destroy(err as Error));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.sealer) return this.seal(chunk, cb);
    this.ready.then(() => this.seal(chunk, cb), cb);
  }

  override _flush(cb: TransformCallback): void {
    const finish = () => {
      try {
        const out: Uint8Array[] = [];
        this.sealer!.end(out);
        for (const o of out) this.push(o);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    };
    if (this.sealer) finish();
    else this.ready.then(finish, cb);
  }

  private seal(chunk: Buffer, cb: TransformCallback): void {
    try {
      const out: Uint8Array[] = [];
      this.sealer!.write(chunk, out);
      for (const o of out) this.push(o);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

class DecryptTransform extends Transform {
  private readonly decoder: MessageDecoder;

  constructor(opts: DecryptOptions) {
    super();
    this.decoder = new MessageDecoder(opts, resolveNodeBackend(opts?.backend), (header: MessageHeader) => {
      opts.onHeader?.(header);
      this.emit('header', header);
    });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const out: Uint8Array[] = [];
    let wait: Promise<void> | undefined;
    try {
      wait = this.decoder.write(chunk, out);
    } catch (err) {
      return cb(err as Error);
    }
    if (!wait) return this.emitAll(out, cb);
    wait.then(() => this.emitAll(out, cb), cb);
  }

  override _flush(cb: TransformCallback): void {
    const out: Uint8Array[] = [];
    try {
      this.decoder.end(out);
    } catch (err) {
      return cb(err as Error);
    }
    this.emitAll(out, cb);
  }

  private emitAll(out: Uint8Array[], cb: TransformCallback): void {
    for (const o of out) this.push(o);
    cb();
  }
}

/** A Transform that encrypts its input into one Envelope message. */
export function createEncryptStream(opts: EncryptOptions): Transform {
  return new EncryptTransform(opts);
}

/**
 * A Transform that decrypts one Envelope message; emits `'header'` (MessageHeader) once the header
 * is authenticated, before any plaintext. Errors with InvalidCiphertextException on tampering or
 * truncation.
 */
export function createDecryptStream(opts: DecryptOptions): Transform {
  return new DecryptTransform(opts);
}
