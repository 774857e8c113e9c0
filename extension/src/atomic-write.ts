/**
 * Atomic file output for the extension (issue #6: "cancel or failure leaves no partial output
 * file"): bytes go to a hidden temp file beside the target, are fsync'd, and the temp file is
 * renamed over the target only on success; on any error or abort the temp file is removed.
 */
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `.<name>.<suffix>.envelope-tmp` in the target's directory. */
export function tempPathBeside(target: string, suffix: string): string {
  return join(dirname(target), `.${basename(target)}.${suffix}.envelope-tmp`);
}

export interface AtomicWriteOptions {
  /** Random hex making the temp name unique. */
  readonly suffix: string;
  /** File mode of a new target (the temp file is created with it). */
  readonly mode?: number;
  readonly signal?: AbortSignal;
}

/** Streams `source` through `transforms` into `target` atomically. */
export async function pipeToFileAtomically(
  source: Readable | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  transforms: readonly Transform[],
  target: string,
  opts: AtomicWriteOptions,
): Promise<void> {
  const tmp = tempPathBeside(target, opts.suffix);
  try {
    const sink = createWriteStream(tmp, { flags: 'wx', mode: opts.mode ?? 0o644, highWaterMark: 1 << 20 });
    const run = pipeline as unknown as (stages: readonly unknown[], options: { signal?: AbortSignal }) => Promise<void>;
    await run([source, ...transforms, sink], opts.signal ? { signal: opts.signal } : {});
    opts.signal?.throwIfAborted();
    await fsync(tmp, 'r+');
    await rename(tmp, target);
    await fsync(dirname(target), 'r').catch(() => undefined);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Writes `bytes` to `target` atomically. */
export function writeFileAtomically(target: string, bytes: Uint8Array, opts: AtomicWriteOptions): Promise<void> {
  return pipeToFileAtomically([bytes], [], target, opts);
}

async function fsync(path: string, flags: string): Promise<void> {
  const h = await open(path, flags);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
