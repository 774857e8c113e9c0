/**
 * Crash-safe file replacement (docs/KMS.md "Crash safety"): write a temp file in the same
 * directory, fsync it, rename it over the target (atomic on POSIX), then fsync the directory.
 * A reader therefore sees either the old or the new file, never a torn one.
 */
import { openSync, writeSync, fsyncSync, closeSync, linkSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { ownedTempPath } from '../fsio/owner.js';

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * `sync: false` skips both fsyncs (still atomic against crashes of the process, not of the machine).
 * `replace: false` never replaces an existing file: the temp file is hard-linked into place, so a
 * concurrent writer's file wins and this call throws EEXIST.
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string, mode = 0o600, sync = true, replace = true): void {
  const dir = dirname(path);
  // The temp name records its writer (pid + start time): a killed writer's copy is swept later (sweepStaleTemps).
  const tmp = ownedTempPath(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (sync) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  try {
    if (replace) {
      renameSync(tmp, path);
    } else {
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  if (sync) fsyncDir(dir);
}
