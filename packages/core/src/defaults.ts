/**
 * The only module that reads the wall clock or the system CSPRNG. Everything else takes a
 * `Clock` and a `Random` by injection so tests are deterministic (STYLE.md, convention 4).
 */
import { randomBytes } from 'node:crypto';

/** Returns the current time. */
export type Clock = () => Date;
/** Returns `n` bytes from a CSPRNG. */
export type Random = (n: number) => Uint8Array;

export const systemClock: Clock = () => new Date();
export const systemRandom: Random = (n) => new Uint8Array(randomBytes(n));
