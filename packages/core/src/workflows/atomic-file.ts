/**
 * Crash-safe outputs for the workflows: metadata goes through the keystore's
 * `writeFileAtomicSync` (temp + fsync + rename + fsync dir); streamed outputs (snapshot bodies,
 * exports, replicated objects) are written to `tempPathFor(target)` and published with
 * `publishFile` once complete, so a reader never sees a torn file (POSIX rename(2) atomicity).
 */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../keystore/atomic-file.js';

let counter = 0;

/** A hidden temp path next to `target`, unique within this process and across processes. */
export function tempPathFor(target: string): string {
  counter += 1;
  return join(dirname(target), `.${basename(target)}.${process.pid}.${counter}.partial`);
}

/** True while process `pid` exists (a temp or staging name carries its writer's pid). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a name made by `tempPathFor`, or undefined. */
export function tempWriterPid(name: string): number | undefined {
  const m = /^\..+\.(\d+)\.\d+\.partial$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** fsync a file (its data) or a directory (so a rename inside it is durable). */
export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsyncs the finished temp file, renames it over `target` and fsyncs the directory. */
export async function publishFile(tmp: string, target: string): Promise<void> {
  try {
    await fsyncPath(tmp);
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncPath(dirname(target));
}

/** Atomically replaces `target` with pretty-printed JSON. */
export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  writeFileAtomicSync(target, `${JSON.stringify(value, null, 2)}\n`);
}
