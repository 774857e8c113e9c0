/**
 * Feeds a file into a Writable (the first transform of a file command's chain) from two read
 * buffers used in turn, where `fs.createReadStream` allocates a fresh buffer for every read: on
 * a 512 MiB encrypt that was 512 MiB of new memory for the kernel to fault in and for V8's young
 * generation to collect (docs/PERFORMANCE.md, "Files"). The next read runs on the thread pool
 * while the current chunk is encrypted on the main thread.
 *
 * Reusing a buffer relies on Node's write contract: once a chunk's write callback has run, the
 * Writable is done with it (the core's streams copy what they keep past the callback into their
 * own stash). So a buffer is read into again only after the callback of the chunk it held, and
 * one chunk at a time is written, which is also the backpressure: a Transform withholds the
 * callback while its readable side is full. Every few MiB it runs a minor GC, which keeps the dead
 * cipher outputs from piling up to V8's 32 MiB threshold (util/young-gc.ts).
 */
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { collectYoungGarbage } from './young-gc.js';

export interface FeedOptions {
  /** Bytes per read (default 1 MiB). */
  readonly chunkSize?: number;
  /** Called with the size of every chunk handed to the Writable (progress, byte counts). */
  readonly onBytes?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  /** Run a minor GC after about this many bytes (util/young-gc.ts; default 8 MiB; 0: never). */
  readonly collectEvery?: number;
}

/** Writes the whole file at `path` into `target`, then ends it. */
export async function feedFile(path: string, target: Writable, opts: FeedOptions = {}): Promise<void> {
  const size = opts.chunkSize ?? 1 << 20;
  const collectEvery = opts.collectEvery ?? 8 << 20;
  let sinceCollect = 0;
  const handle = await open(path, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let current = 0;
    let position = 0;
    const read = (into: Buffer) => quiet(handle.read(into, 0, size, position));
    let reading = read(buffers[0]!);
    let written: Promise<void> = Promise.resolve();
    for (;;) {
      const { bytesRead } = await reading;
      if (bytesRead === 0) break;
      position += bytesRead;
      const chunk = buffers[current]!.subarray(0, bytesRead);
      current ^= 1;
      await written; // the other buffer's chunk is consumed: it may be read into again
      opts.signal?.throwIfAborted();
      reading = read(buffers[current]!);
      written = quiet(writeChunk(target, chunk));
      opts.onBytes?.(bytesRead);
      sinceCollect += bytesRead;
      if (collectEvery > 0 && sinceCollect >= collectEvery) {
        sinceCollect = 0;
        collectYoungGarbage();
      }
    }
    await written;
    target.end();
  } finally {
    await handle.close();
  }
}

/** Resolves once `target` is done with `chunk` (its write callback), rejects with its error. */
function writeChunk(target: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    target.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

/** The promise itself, marked as handled: it is awaited later, maybe after it has failed. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
