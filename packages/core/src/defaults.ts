/**
 * The only module that reads the wall clock or the system CSPRNG. Everything else takes a
 * `Clock` and a `Random` by injection so tests are deterministic (STYLE.md, convention 4).
 */
import { randomBytes, randomFillSync } from 'node:crypto';

/** Returns the current time. */
export type Clock = () => Date;
/** Returns `n` bytes from a CSPRNG. */
export type Random = (n: number) => Uint8Array;

export const systemClock: Clock = () => new Date();
/** Requests up to this many bytes are served from a pool (ids, IVs, data keys); larger ones directly. */
const POOLED_MAX = 64;
const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolOffset = 0;

/**
 * The system CSPRNG. A KMS call takes several small random values (request and event ids, IVs,
 * data keys); one `randomBytes` call costs ~5 µs, so small requests are cut from a 4 KiB buffer
 * filled by one `randomFillSync`. Every byte is handed out once: the bytes given away are zeroed
 * in the pool at once, so the pool never holds a value already returned.
 */
export const systemRandom: Random = (n) => {
  if (n > POOLED_MAX) return new Uint8Array(randomBytes(n));
  if (poolOffset + n > pool.length) {
    pool = new Uint8Array(POOL_SIZE);
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = pool.slice(poolOffset, poolOffset + n);
  pool.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
};
