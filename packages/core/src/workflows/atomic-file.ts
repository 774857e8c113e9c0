/**
 * Crash-safe outputs for the workflows: metadata goes through the keystore's
 * `writeFileAtomicSync` (temp + fsync + rename + fsync dir); streamed outputs inside the artifact
 * store (snapshot bodies, replicated objects) are written to `tempPathFor(target)` and published with
 * `publishFile` once complete, so a reader never sees a torn file (POSIX rename(2) atomicity).
 */
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from '../keystore/atomic-file.js';
import { ownedTempPath, ownerAlive, ownerOfTempName, type Owner } from '../fsio/owner.js';

/** A hidden temp path next to `target`, unique, naming its writer (pid + start time; fsio/owner.ts). */
export function tempPathFor(target: string): string {
  return ownedTempPath(target, 'partial');
}

/** True while process `pid` exists. */
export function isProcessAlive(pid: number): boolean {
  return ownerAlive({ pid, start: '0' });
}

/** The writer recorded in a name made by `tempPathFor` (or by older versions: `.<name>.<pid>.<n>.partial`), or undefined. */
export function tempWriter(name: string): Owner | undefined {
  const owned = ownerOfTempName(name);
  if (owned !== undefined) return owned;
  const m = /^\..+\.(\d+)\.\d+\.partial$/.exec(name);
  return m ? { pid: Number(m[1]), start: '0' } : undefined;
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
