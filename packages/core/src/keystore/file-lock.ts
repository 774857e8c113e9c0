/**
 * Inter-process write lock for the keystore (docs/KMS.md "Concurrency"): an exclusive-create
 * lock file holding the owner's pid and a random nonce. A lock whose owner process no longer
 * exists, or that this waiter has seen unchanged for `staleMs` of its own waiting (no wall clock
 * involved, so processes with different injected clocks agree), is stale and is broken by
 * renaming it aside (only one breaker can win the rename) and re-checking its content.
 */
import { openSync, writeSync, closeSync, readFileSync, renameSync, unlinkSync, linkSync, statSync } from 'node:fs';
import type { Clock, Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';

export interface LockOptions {
  readonly clock: Clock;
  readonly random: Random;
  /** Give up after waiting this long (ms of polling). Default 30 s. */
  readonly timeoutMs?: number;
  /** A lock seen unchanged this long is considered abandoned even if its pid is alive. Default 20 s. */
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
  const staleMs = opts.staleMs ?? 20_000;
  const nonce = Buffer.from(opts.random(12)).toString('hex');
  const content = JSON.stringify({ pid: process.pid, nonce, at: opts.clock().getTime() });
  let waited = 0;
  let delay = 2;
  let seen = '';
  let seenSince = 0;
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
    let ident: string;
    try {
      ident = holder?.nonce ?? `ino:${statSync(path).ino}`;
    } catch {
      continue; // released meanwhile: try again at once
    }
    if (ident !== seen) {
      seen = ident;
      seenSince = waited;
    }
    // An empty or half-written lock (its writer died between create and write) gets 2 s.
    const stale = (holder !== undefined && !pidAlive(holder.pid)) || waited - seenSince > (holder ? staleMs : 2_000);
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
