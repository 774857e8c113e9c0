/**
 * Shared test fixtures for the format/stream tests: deterministic bytes, keyrings and a
 * counter-based deterministic `random` (never for production use).
 */
import { createHash } from 'node:crypto';
import { RawAesKeyring } from '@envelope/core';
import type { Random } from '@envelope/core';

/** Deterministic pseudo-random bytes from a label (SHA-256 in counter mode). */
export function bytesFrom(label: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0, at = 0; at < n; i++) {
    const block = createHash('sha256').update(`${label}/${i}`).digest();
    out.set(block.subarray(0, Math.min(32, n - at)), at);
    at += 32;
  }
  return out;
}

/** A deterministic Random: successive calls return successive bytes of one labelled stream. */
export function seededRandom(label: string): Random {
  let calls = 0;
  return (n) => bytesFrom(`${label}#${calls++}`, n);
}

export function rawKeyring(name = 'test-key', seed = 'wrapping-key', random?: Random): RawAesKeyring {
  return new RawAesKeyring({ keyName: name, keyNamespace: 'raw-aes', wrappingKey: bytesFrom(seed, 32), ...(random ? { random } : {}) });
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Resolves to the error `fn` rejects with, failing when it resolves. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, but the call succeeded');
}
