/** Test helpers for the local KMS: a movable clock, a seeded random source, a temp keystore. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import type { AuditSink, KmsCallEvent } from '../../../packages/core/src/kms/hooks.js';

export const DAY = 24 * 60 * 60 * 1000;

export interface TestClock {
  (): Date;
  advance(ms: number): void;
  set(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 0, 1)): TestClock {
  let now = start;
  const c = (() => new Date(now)) as TestClock;
  c.advance = (ms) => { now += ms; };
  c.set = (ms) => { now = ms; };
  return c;
}

/** Deterministic random bytes: SHA-256 in counter mode over a seed. */
export function seededRandom(seed = 'envelope-test'): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      out.set(block.subarray(0, Math.min(32, n - off)), off);
      off += 32;
    }
    return out;
  };
}

export const ROOT_KEY = new Uint8Array(32).fill(7);

export function tempHome(prefix = 'envelope-kms-'): { home: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

export class MemoryAudit implements AuditSink {
  events: KmsCallEvent[] = [];
  async record(e: KmsCallEvent): Promise<void> {
    this.events.push(e);
  }
}

export function makeKms(home: string, opts: { clock?: TestClock; region?: string; audit?: AuditSink; seed?: string } = {}) {
  const clock = opts.clock ?? testClock();
  const random = seededRandom(opts.seed ?? home);
  const store = Keystore.open({ home, rootKey: ROOT_KEY, clock, random, durable: false });
  // Auditing is exercised where a test passes a sink; elsewhere it is off to keep the suite fast.
  const kms = new Kms({ store, clock, random, audit: opts.audit ?? null, ...(opts.region ? { region: opts.region } : {}) });
  return { kms, clock, store };
}

export async function rejectsWith(p: Promise<unknown>, name: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if ((e as Error).name !== name) throw new Error(`expected ${name}, got ${(e as Error).name}: ${(e as Error).message}`);
    return e as Error;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
export const text = (b: Uint8Array) => new TextDecoder().decode(b);
