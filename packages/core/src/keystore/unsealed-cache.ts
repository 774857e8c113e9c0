/**
 * A short-lived in-memory cache of unsealed secrets (access-key secrets, session tokens), so that
 * `envelope serve` does not run AES-GCM to unseal the same secret on every SigV4 request.
 *
 * Entries are keyed by the sealed bytes object itself (a WeakMap): the keystore decodes a fresh
 * state whenever its file changes, so any change to a section (a key deleted, rotated or
 * deactivated by this or another process) gives new sealed objects, and the old entries are
 * never looked up again (and are collected with the old state). An entry also expires `ttlMs`
 * after it was unsealed. Values are never logged; the cache holds nothing the sealer's root key
 * could not recover from the same state in memory.
 */
import type { Clock } from '../defaults.js';

export const UNSEALED_TTL_MS = 60_000;

export class UnsealedCache {
  private entries = new WeakMap<Uint8Array, { value: string; until: number }>();

  constructor(private readonly clock: Clock, private readonly ttlMs: number = UNSEALED_TTL_MS) {}

  /** The unsealed text of `sealed` (a string is already plain), unsealing at most once per TTL. */
  open(sealed: Uint8Array | string, unseal: (sealed: Uint8Array) => string): string {
    if (typeof sealed === 'string') return sealed;
    const now = this.clock().getTime();
    const hit = this.entries.get(sealed);
    if (hit !== undefined && hit.until > now) return hit.value;
    const value = unseal(sealed);
    this.entries.set(sealed, { value, until: now + this.ttlMs });
    return value;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries = new WeakMap();
  }
}
