/**
 * Atomic file output: data is written to a temp file in the target's directory, fsync'd, then
 * renamed over the target on success. On any failure (including abort on SIGINT) the temp file is
 * removed, so no partial output ever appears under the target name. `-` means stdout (not atomic:
 * a pipe cannot be un-written; failures are reported by the exit code).
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Readable, Transform } from 'node:stream';
import { UsageError } from '../errors.js';

export interface AtomicTarget {
  /** Absolute target path, or '-' for stdout. */
  readonly path: string;
  /** Overwrite an existing file (otherwise an existing target is a usage error). */
  readonly force: boolean;
}

/** Throws a UsageError when the target exists and --force was not given. */
export async function assertWritable(target: AtomicTarget): Promise<void> {
  if (target.path === '-' || target.force) return;
  const exists = await stat(target.path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  if (exists) throw new UsageError(`${target.path} already exists; pass --force to overwrite it`);
}

/** A temp file beside `path` with a unique suffix derived from `suffix` (random hex). */
export function tempPathFor(path: string, suffix: string): string {
  return join(dirname(path), `.${basename(path)}.${suffix}.tmp`);
}

/**
 * Runs `write(sink)` into a temp file beside `target.path` and renames it into place on success.
 * `sink` is a Writable over the temp file. The temp file is removed on any failure.
 */
export async function writeAtomically(
  targetPath: string,
  tempSuffix: string,
  write: (sink: Writable) => Promise<void>,
): Promise<void> {
  const tmp = tempPathFor(targetPath, tempSuffix);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx', 0o600);
    const sink = fileHandleWritable(handle);
    await write(sink);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, targetPath);
    await fsyncDir(dirname(targetPath));
  } catch (e) {
    if (handle !== undefined) await handle.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Pipes `source` through the transforms made by `makeTransforms` into the target (file atomically,
 * or stdout for '-'). The transforms are created only once the sink is ready, so an early error
 * (e.g. a keyring failing) always has the pipeline listening.
 */
export async function pipeToTarget(
  source: Readable | Feed,
  makeTransforms: () => readonly Transform[],
  targetPath: string,
  stdout: Writable,
  tempSuffix: string,
  signal?: AbortSignal,
): Promise<void> {
  const opts = signal ? { signal } : {};
  const run = (sink: Writable): Promise<void> => {
    const streams = [...makeTransforms(), sink];
    if (typeof source === 'function') return feedPipeline(source, streams, opts);
    return pipeline([source, ...streams] as unknown as NodeJS.ReadWriteStream[], opts);
  };
  if (targetPath === '-') {
    await run(nonClosing(stdout));
    return;
  }
  await writeAtomically(targetPath, tempSuffix, run);
}

/** Writes the input into the first stream of a chain and ends it (util/file-feed.ts). */
export type Feed = (first: Writable) => Promise<void>;

/**
 * `pipeline(streams)` with `feed` writing into its first stream. A failing feed destroys the chain;
 * a failing chain fails the feed's pending write. The chain's error wins (it is the cause).
 */
async function feedPipeline(feed: Feed, streams: Writable[], opts: { signal?: AbortSignal }): Promise<void> {
  const first = streams[0]!;
  const piping = streams.length > 1 ? pipeline(streams as unknown as NodeJS.ReadWriteStream[], opts) : finished(first, opts);
  const feeding = feed(first).catch((err: unknown) => {
    first.destroy(err as Error);
    throw err;
  });
  const [chain, fed] = await Promise.allSettled([piping, feeding]);
  if (chain.status === 'rejected') throw chain.reason;
  if (fed.status === 'rejected') throw fed.reason;
}

/** A Writable over an open FileHandle that does not close the handle (the caller fsyncs first). */
export function fileHandleWritable(handle: FileHandle): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      writeFully(handle, chunk).then(() => cb(), cb);
    },
    // One writev(2) of the queued chunks as they are: concatenating them first copied every byte
    // of the output once more (a third of the CLI's encrypt CPU in a profile; docs/PERFORMANCE.md).
    writev(chunks, cb) {
      writevFully(handle, chunks.map((c) => c.chunk as Buffer)).then(() => cb(), cb);
    },
  });
}

async function writeFully(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
    off += bytesWritten;
  }
}

/** The most buffers one writev(2) takes (IOV_MAX on Linux and macOS). */
const IOV_MAX = 1024;

/** Writes every buffer in order, resuming after short writes. */
async function writevFully(handle: FileHandle, buffers: Uint8Array[]): Promise<void> {
  let i = 0;
  while (i < buffers.length) {
    const batch = buffers.slice(i, i + IOV_MAX);
    const want = batch.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await handle.writev(batch);
    i += batch.length;
    if (bytesWritten < want) {
      // A short write: finish the batch buffer by buffer from where the kernel stopped.
      let skip = bytesWritten;
      for (const b of batch) {
        if (skip >= b.length) {
          skip -= b.length;
          continue;
        }
        await writeFully(handle, b.subarray(skip));
        skip = 0;
      }
    }
  }
}

/** Wraps stdout so that the end of a pipeline does not end (close) the process's stdout. */
export function nonClosing(target: Writable): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      if (target.write(chunk)) cb();
      else target.once('drain', () => cb());
    },
  });
}

async function fsyncDir(dir: string): Promise<void> {
  // Best effort: makes the rename durable on POSIX; not supported on every platform.
  const h = await open(dir, 'r').catch(() => undefined);
  if (h === undefined) return;
  await h.sync().catch(() => undefined);
  await h.close().catch(() => undefined);
}
