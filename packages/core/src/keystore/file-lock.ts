/**
 * Inter-process write lock for the keystore (docs/KMS.md "Concurrency"): a lock file recording its
 * owner (pid + process start time) and a random nonce. It is created with its content in one step
 * (a temp file hard-linked to the lock's name, which fails if the lock is held), so a lock is never
 * empty or half-written. A lock whose owner is no longer running (dead pid, or the pid now belongs
 * to a process started at another time) is taken over at once; one that cannot be read (left by an
 * older version) too; one this waiter has seen unchanged for `staleMs` of its own waiting (no wall
 * clock involved, so processes with different injected clocks agree) is abandoned. A stale lock is
 * broken by renaming it aside (only one breaker can win the rename) and re-checking its content.
 */
import { writeFileSync, readFileSync, renameSync, unlinkSync, linkSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock, Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';
import { ownedTempPath, ownerAlive, selfOwner, sweepStaleTemps } from '../fsio/owner.js';

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

/** What a lock file records: its owner (pid + process start time), a nonce and when it was taken. */
export interface LockContent { pid: number; start?: string; nonce: string; at: number }

/** The lock's content; undefined when it is absent, empty or not a lock we wrote. */
export function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as LockContent;
    return typeof parsed?.pid === 'number' && typeof parsed.nonce === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireFileLock(path: string, opts: LockOptions): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const staleMs = opts.staleMs ?? 20_000;
  const nonce = Buffer.from(opts.random(12)).toString('hex');
  const me = selfOwner();
  const content = JSON.stringify({ pid: me.pid, start: me.start, nonce, at: opts.clock().getTime() });
  // Temp lock files of killed waiters (and other owned temps in this directory) go first.
  sweepStaleTemps(dirname(path));
  const tmp = ownedTempPath(path, 'lock');
  try {
    writeFileSync(tmp, content, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    throw new KeystoreException(`Cannot create keystore lock ${path}: ${(e as Error).message}`);
  }
  let waited = 0;
  let delay = 2;
  let seen = '';
  let seenSince = 0;
  try {
    for (;;) {
      try {
        linkSync(tmp, path);
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
      // A dead owner's lock, or one we cannot read (locks are never empty now), is taken over at once.
      const stale = holder === undefined || !ownerAlive({ pid: holder.pid, start: holder.start ?? '0' }) || waited - seenSince > staleMs;
      if (stale && breakStaleLock(path, holder, opts.random)) continue;
      if (waited >= timeoutMs) {
        throw new KeystoreException(`Timed out after ${timeoutMs} ms waiting for the keystore lock ${path} (held by pid ${holder?.pid ?? "unknown"})`);
      }
      await sleep(delay);
      waited += delay;
      delay = Math.min(delay * 2, 50);
    }
  } finally {
    try { unlinkSync(tmp); } catch { /* gone */ }
  }
}

/** Moves a stale lock aside and deletes it; false when there was nothing to move. */
function breakStaleLock(path: string, seen: LockContent | undefined, random: Random): boolean {
  const aside = `${path}.stale.${Buffer.from(random(6)).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT'; // released or broken by someone else: try again
  }
  const got = readLock(aside);
  if (seen !== undefined && got?.nonce !== seen.nonce) {
    // We moved a fresh lock taken after our check: put it back (fails if yet another exists).
    try { linkSync(aside, path); } catch { /* a newer lock exists; the moved one's owner will notice on release */ }
  }
  try { unlinkSync(aside); } catch { /* gone */ }
  return true;
}
