/**
 * Inter-process write lock for the keystore (docs/KMS.md "Concurrency"): an exclusive-create
 * lock file holding the owner's pid and a random nonce. A lock whose owner process no longer
 * exists, or that is older than `staleMs` by the injected clock, is stale and is broken by
 * renaming it aside (only one breaker can win the rename) and re-checking its content.
 */
import { openSync, writeSync, closeSync, readFileSync, renameSync, unlinkSync, linkSync, statSync } from 'node:fs';
import type { Clock, Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';

export interface LockOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Give up after this long (ms of the injected clock or of polling). Default 30 s. */
  readonly timeoutMs?: number;
  /** A lock older than this is considered abandoned even if its pid is alive. Default 60 s. */
  readonly staleMs?: number;
}

export interface HeldLock {
  release(): void;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface LockContent { pid: number; nonce: string; at: number }

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
    return parsed;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireFileLock(path: string, opts: LockOptions): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 60_000;
  const nonce = Buffer.from(opts.random(12)).toString('hex');
  const content = JSON.stringify({ pid: process.pid, nonce, at: opts.clock().getTime() });
  let waited = 0;
  let delay = 2;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, content);
      closeSync(fd);
      return {
        release() {
          const cur = readLock(path);
          if (cur?.nonce === nonce) {
            try { unlinkSync(path); } catch { /* already gone */ }
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new KeystoreException(`Cannot create keystore lock ${path}: ${(e as Error).message}`);
      }
    }
    const holder = readLock(path);
    let stale = false;
    if (holder === undefined) {
      // Empty or half-written lock file: stale when its writer is gone long enough (by mtime age).
      try {
        stale = opts.clock().getTime() - statSync(path).mtimeMs > 2_000;
      } catch { /* vanished */ }
    } else {
      stale = !pidAlive(holder.pid) || opts.clock().getTime() - holder.at > staleMs;
    }
    if (stale) breakStaleLock(path, holder, opts.random);
    if (waited >= timeoutMs) {
      throw new KeystoreException(`Timed out after ${timeoutMs} ms waiting for the keystore lock ${path} (held by pid ${holder?.pid ?? 'unknown'})`);
    }
    await sleep(delay);
    waited += delay;
    delay = Math.min(delay * 2, 50);
  }
}

function breakStaleLock(path: string, seen: LockContent | undefined, random: Random): void {
  const aside = `${path}.stale.${Buffer.from(random(6)).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else broke or released it
  }
  const got = readLock(aside);
  if (seen !== undefined && got?.nonce !== seen.nonce) {
    // We moved a fresh lock taken after our check: put it back (fails if yet another exists).
    try { linkSync(aside, path); } catch { /* a newer lock exists; the moved one's owner will notice on release */ }
  }
  try { unlinkSync(aside); } catch { /* gone */ }
}
