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
