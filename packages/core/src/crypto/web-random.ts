/**
 * The browser counterpart of defaults.ts `systemRandom`: Web Crypto getRandomValues (W3C Web
 * Cryptography API §10.1.1). Used only as the default `random` of the Web Streams entry points,
 * which must not import node:crypto; everything else injects `random`.
 */
import type { Random } from '../defaults.js';

const MAX_PER_CALL = 65536;

export const webRandom: Random = (n) => {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += MAX_PER_CALL) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + MAX_PER_CALL)));
  return out;
};
