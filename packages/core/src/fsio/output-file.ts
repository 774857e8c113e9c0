/**
 * Output files that never clobber what is not a regular file and leave nothing behind after a
 * crash (docs/CLI.md "Outputs").
 *
 * - What `-o PATH` names decides how it is written: a character device, FIFO or socket is written
 *   to directly (so `/dev/null` and `/dev/stdout` work and are never replaced); a regular file or
 *   nothing is replaced atomically; a symlink is refused unless `force`, and then the file it points
 *   to is replaced, never the link; a directory is refused.
 * - Atomic replacement writes into an anonymous file (Linux `O_TMPFILE`: no name, so a killed
 *   writer leaves nothing), and on success gives it a temp name (`ln -L /proc/self/fd/N`, i.e.
 *   linkat(AT_SYMLINK_FOLLOW), which Node's fs lacks) and renames that over the target. Where
 *   `O_TMPFILE` is unsupported the data goes to a 0600 temp file named after its owner
 *   (`ownedTempPath`), which the next write into that directory removes once its owner is dead.
 */
import { spawn } from 'node:child_process';
import { constants, lstatSync, readlinkSync } from 'node:fs';
import { copyFile, lstat, open, realpath, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { ownedTempPath, sweepStaleTemps } from './owner.js';

/** What a path names, by lstat (a symlink is not followed). */
export type PathKind = 'absent' | 'file' | 'directory' | 'symlink' | 'device' | 'fifo' | 'socket' | 'other';

export async function pathKind(path: string): Promise<PathKind> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (st === undefined) return 'absent';
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device';
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  return 'other';
}

/** How an output will be written, or why it may not be. */
export type OutputPlan =
  | { readonly ok: true; readonly path: string; readonly mode: 'atomic' | 'direct'; readonly kind: PathKind }
  | { readonly ok: false; readonly kind: PathKind; readonly problem: string };

/** Follows a symlink chain to the path it finally names (which may not exist yet). */
function followLinks(path: string): string {
  let p = path;
  for (let i = 0; i < 40; i++) {
    let st;
    try {
      st = lstatSync(p);
    } catch {
      return p;
    }
    if (!st.isSymbolicLink()) return p;
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw Object.assign(new Error(`ELOOP: too many symbolic links, ${path}`), { code: 'ELOOP' });
}

/**
 * Decides how `path` is written. `force` allows replacing an existing regular file and following a
 * symlink (the file it names is replaced; the link stays).
 */
export async function planOutput(path: string, force: boolean): Promise<OutputPlan> {
  const kind = await pathKind(path);
  switch (kind) {
    case 'absent':
      return { ok: true, path, mode: 'atomic', kind };
    case 'device':
    case 'fifo':
    case 'socket':
      return { ok: true, path, mode: 'direct', kind };
    case 'file':
      return force ? { ok: true, path, mode: 'atomic', kind } : { ok: false, kind, problem: `${path} already exists; pass --force to overwrite it` };
    case 'directory':
      return { ok: false, kind, problem: `${path} is a directory; name a file to write` };
    case 'symlink': {
      // What the link finally names decides: a device or FIFO (e.g. /dev/stdout) is written through
      // the link; a file, or nothing yet, is replaced only with --force — the file, not the link.
      const st = await stat(path).catch(() => undefined);
      if (st !== undefined && (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO() || st.isSocket())) return { ok: true, path, mode: 'direct', kind };
      if (st?.isDirectory()) return { ok: false, kind, problem: `${path} is a directory; name a file to write` };
      if (!force) return { ok: false, kind, problem: `${path} is a symbolic link; pass --force to replace the file it points to (the link is kept)` };
      const inner = await planOutput(st !== undefined ? await realpath(path) : followLinks(path), true);
      return inner.ok ? { ...inner, kind } : inner;
    }
    default:
      return { ok: false, kind, problem: `${path} is not a regular file, device or FIFO` };
  }
}

/** An output being written: `sink` takes the bytes; `commit` publishes them, `discard` drops them. */
export interface OutputFile {
  readonly sink: Writable;
  /** Where the bytes go (the symlink's target when a link was followed). */
  readonly path: string;
  /** How the data is held until commit: 'anonymous' (O_TMPFILE), 'named' temp file, or 'direct'. */
  readonly holding: 'anonymous' | 'named' | 'direct';
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Names the output in an I/O error ("ENOSPC: no space left on device, write (writing /x/out)"), keeping its code. */
export function namedWriteError(e: unknown, what: string): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || err.message.includes(`(${what})`)) return err;
  return Object.assign(new Error(`${err.message} (${what})`, { cause: err }), { code, name: err.name });
}

// Linux O_TMPFILE (__O_TMPFILE | O_DIRECTORY); Node does not export it.
const O_TMPFILE = 0o20000000 | constants.O_DIRECTORY;

async function openAnonymous(dir: string): Promise<FileHandle | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    return await open(dir, O_TMPFILE | constants.O_RDWR, 0o600);
  } catch {
    return undefined; // EOPNOTSUPP / EISDIR / EINVAL: the filesystem or kernel has no O_TMPFILE
  }
}

/** Gives the anonymous file behind `fd` the name `to` (linkat AT_SYMLINK_FOLLOW on /proc/self/fd). */
function linkAnonymous(handle: FileHandle, to: string): Promise<boolean> {
  return new Promise((res) => {
    const child = spawn('ln', ['-L', '/proc/self/fd/3', to], { stdio: ['ignore', 'ignore', 'ignore', handle.fd] });
    child.once('error', () => res(false));
    child.once('exit', (code) => res(code === 0));
  });
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r').catch(() => undefined);
  if (h === undefined) return;
  await h.sync().catch(() => undefined);
  await h.close().catch(() => undefined);
}

/** Opens the output planned by `planOutput` (which must have said ok). */
export async function openOutput(plan: Extract<OutputPlan, { ok: true }>): Promise<OutputFile> {
  const target = plan.path;
  const what = `writing ${target}`;
  if (plan.mode === 'direct') {
    // No O_CREAT, no O_TRUNC: the device or FIFO is written as it is, and never replaced.
    const handle = await open(target, constants.O_WRONLY | constants.O_NOCTTY).catch((e: unknown) => { throw namedWriteError(e, what); });
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
    };
    return { sink: handleWritable(handle, what), path: target, holding: 'direct', commit: close, discard: () => close().catch(() => undefined) };
  }
  const dir = dirname(target);
  sweepStaleTemps(dir);
  const anon = await openAnonymous(dir);
  const named = anon === undefined ? ownedTempPath(target) : undefined;
  const handle = anon ?? await open(named!, 'wx', 0o600).catch((e: unknown) => { throw namedWriteError(e, what); });
  let done = false;
  const finish = async (publish: boolean) => {
    if (done) return;
    done = true;
    let linked: string | undefined = named;
    try {
      try {
        if (publish) {
          await handle.sync().catch((e: unknown) => { throw namedWriteError(e, what); });
          if (anon !== undefined) {
            linked = ownedTempPath(target);
            if (!(await linkAnonymous(handle, linked))) {
              // No `ln` (or no /proc): copy the anonymous file out (costs a second write of the data).
              await copyFile(`/proc/self/fd/${handle.fd}`, linked, constants.COPYFILE_EXCL);
            }
          }
        }
      } finally {
        await handle.close().catch(() => undefined);
      }
      if (publish) {
        await rename(linked!, target).catch((e: unknown) => { throw namedWriteError(e, `renaming into ${target}`); });
        linked = undefined;
        await fsyncDir(dir);
      }
    } finally {
      if (linked !== undefined) await rm(linked, { force: true }).catch(() => undefined);
    }
  };
  return {
    sink: handleWritable(handle, what),
    path: target,
    holding: anon !== undefined ? 'anonymous' : 'named',
    commit: () => finish(true),
    discard: () => finish(false).catch(() => undefined),
  };
}

/** Plans and opens in one step; throws `refused(problem)` when the plan says no. */
export async function openOutputPath(path: string, force: boolean, refused: (problem: string) => Error): Promise<OutputFile> {
  const plan = await planOutput(path, force);
  if (!plan.ok) throw refused(plan.problem);
  return openOutput(plan);
}

/** A Writable over an open FileHandle that does not close it; errors name the output. */
export function handleWritable(handle: FileHandle, what: string): Writable {
  const writeFully = async (chunk: Uint8Array): Promise<void> => {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  };
  return new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      writeFully(chunk).then(() => cb(), (e: unknown) => cb(namedWriteError(e, what)));
    },
    // One writev(2) of the queued chunks as they are: concatenating them first copied every byte
    // of the output once more (a third of the CLI's encrypt CPU in a profile; docs/PERFORMANCE.md).
    writev(chunks, cb) {
      writevFully(chunks.map((c) => c.chunk as Buffer)).then(() => cb(), (e: unknown) => cb(namedWriteError(e, what)));
    },
  });

  /** Writes every buffer in order, resuming after short writes. */
  async function writevFully(buffers: Uint8Array[]): Promise<void> {
    for (let i = 0; i < buffers.length; ) {
      const batch = buffers.slice(i, i + IOV_MAX);
      const want = batch.reduce((n, b) => n + b.length, 0);
      const { bytesWritten } = await handle.writev(batch);
      i += batch.length;
      // A short write: finish the batch buffer by buffer from where the kernel stopped.
      for (let skip = bytesWritten, k = 0; bytesWritten < want && k < batch.length; k++) {
        const b = batch[k]!;
        if (skip >= b.length) skip -= b.length;
        else {
          await writeFully(b.subarray(skip));
          skip = 0;
        }
      }
    }
  }
}

/** The most buffers one writev(2) takes (IOV_MAX on Linux and macOS). */
const IOV_MAX = 1024;
