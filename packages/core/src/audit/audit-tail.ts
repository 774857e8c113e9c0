/**
 * Reading the end of an append-only log file (the audit log's events and digests files), with the
 * repair a crash needs: a complete last line whose newline was lost gets its newline; a torn last
 * line (its write never completed, so it was never committed) is truncated. Works on bytes: a
 * chunk may start inside a multi-byte character.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { isCompleteLine } from './audit-chain.js';

/** The last line of `path` (repairing its end first), or undefined when the file is absent or empty. */
export function readTail(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r+');
  try {
    let size = fstatSync(fd).size;
    let chunk = 4096;
    while (size > 0) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl < 0 && start > 0) { chunk *= 2; continue; }
      if (nl !== buf.length - 1) {
        const tail = buf.toString('utf8', nl + 1);
        if (isCompleteLine(tail)) {
          writeSync(fd, '\n', size);
          return tail;
        }
        size = start + nl + 1;
        ftruncateSync(fd, size);
        continue;
      }
      const prev = nl > 0 ? buf.lastIndexOf(0x0a, nl - 1) : -1;
      if (prev >= 0) return buf.toString('utf8', prev + 1, nl);
      if (start === 0) return buf.toString('utf8', 0, nl);
      chunk *= 2;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The first line of `path` (up to 64 KiB), or undefined. */
export function readFirstLine(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    return nl < 0 ? (text || undefined) : text.slice(0, nl);
  } finally {
    closeSync(fd);
  }
}

export interface FileMark {
  readonly ino: number;
  readonly size: number;
}

/** Identity and size of a file (a cheap "did anyone else write it" check), or undefined. */
export function fileMark(path: string): FileMark | undefined {
  try {
    const st = statSync(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return undefined;
  }
}

export function sameMark(a: FileMark | undefined, b: FileMark | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size;
}
