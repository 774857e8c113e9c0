/**
 * File outputs (docs/CLI.md "Outputs"): the core's `planOutput`/`openOutput` decide how `-o PATH`
 * is written — a device or FIFO directly, a regular file atomically (an anonymous O_TMPFILE file
 * linked into place on success; never a half-written file under the target's name), a symlink only
 * with --force (its target is replaced, not the link), a directory never. `-` means stdout (not
 * atomic: a pipe cannot be un-written; failures are reported by the exit code).
 */
import { namedWriteError, openOutputPath, planOutput } from '@envelope/core/outputs';
import { fstat as fstatCb } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Readable, Transform } from 'node:stream';
import { UsageError } from '../errors.js';

export interface AtomicTarget {
  /** Absolute target path, or '-' for stdout. */
  readonly path: string;
  /** Overwrite an existing file / follow a symlink (otherwise they are usage errors). */
  readonly force: boolean;
}

/**
 * '-' when `path` names this process's own stdout (`/dev/stdout`, `/proc/self/fd/1`, or the file
 * stdout is redirected to), so it is written through the stream like `-o -`: a socket or pipe
 * behind /dev/stdout cannot always be re-opened (ENXIO for a socket).
 */
export async function stdoutAlias(path: string): Promise<string> {
  if (path === '-') return path;
  try {
    const [a, b] = await Promise.all([stat(path), fstat(1)]);
    return a.dev === b.dev && a.ino === b.ino && !a.isFile() ? '-' : path;
  } catch {
    return path;
  }
}

const fstat = (fd: number) => new Promise<import('node:fs').Stats>((res, rej) => fstatCb(fd, (e, st) => (e ? rej(e) : res(st))));

/** Throws a UsageError when the target may not be written (exists without --force, a directory, …). */
export async function assertWritable(target: AtomicTarget): Promise<void> {
  if (target.path === '-') return;
  const plan = await planOutput(target.path, target.force);
  if (!plan.ok) throw new UsageError(plan.problem);
}

/**
 * Runs `write(sink)` into the output and publishes it on success (atomically for files). On any
 * failure nothing is left under the target's name. Call `assertWritable` first: this follows
 * symlinks and replaces regular files.
 */
export async function writeAtomically(
  targetPath: string,
  _tempSuffix: string,
  write: (sink: Writable) => Promise<void>,
): Promise<void> {
  const out = await openOutputPath(targetPath, true, (problem) => new UsageError(problem));
  try {
    await write(out.sink);
    await out.commit();
  } catch (e) {
    await out.discard();
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

/** Wraps stdout so that the end of a pipeline does not end (close) the process's stdout. */
export function nonClosing(target: Writable): Writable {
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      // The write callback carries stdout's errors (EPIPE, ENOSPC) into the pipeline.
      target.write(chunk, (e) => cb(e ? namedWriteError(e, 'writing stdout') : undefined));
    },
  });
}
