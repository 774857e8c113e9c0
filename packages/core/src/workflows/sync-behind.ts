/**
 * A pass-through Transform that starts an fdatasync of the output file every `every` bytes while
 * a large output is still being written (at most one in flight, on the libuv thread pool), so
 * the kernel writes the data back while the CPU is busy and the fsync that makes the file durable
 * before it is published (artifact-store.ts commit) finds little left to do. Durability is
 * unchanged: the final fsync still runs; this only moves the write-back earlier. A failed
 * fdatasync fails the stream (its error would otherwise be consumed here, not seen by the final fsync).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { FileHandle } from 'node:fs/promises';

export class SyncBehind extends Transform {
  #since = 0;
  #inFlight: Promise<void> | undefined;
  #error: Error | undefined;
  readonly #file: FileHandle;
  readonly #every: number;

  constructor(file: FileHandle, every = 32 << 20) {
    super();
    this.#file = file;
    this.#every = every;
  }

  override _transform(chunk: Uint8Array, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.#error) return cb(this.#error);
    this.#since += chunk.length;
    if (this.#since >= this.#every && !this.#inFlight) {
      this.#since = 0;
      this.#inFlight = this.#file.datasync().then(
        () => {
          this.#inFlight = undefined;
        },
        (e: Error) => {
          this.#inFlight = undefined;
          this.#error = e;
        },
      );
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    void (this.#inFlight ?? Promise.resolve()).then(() => cb(this.#error));
  }
}
