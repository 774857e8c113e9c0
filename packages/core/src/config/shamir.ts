/**
 * Shamir secret sharing of the data key across key groups, byte-compatible with SOPS
 * (docs/CONFIG.md "Key groups"): each secret byte is the constant term of a random polynomial of
 * degree threshold-1 over GF(2^8) with the AES reduction polynomial x^8+x^4+x^3+x+1 (0x11B); share
 * i (1-based) is the polynomial evaluated at x = i for every byte, followed by the byte x.
 * Combining is Lagrange interpolation at x = 0.
 */
import type { Random } from '../defaults.js';

/** Multiplication in GF(2^8) mod 0x11B (shift-and-add; no secret-dependent table lookups). */
function mul(a: number, b: number): number {
  let acc = 0;
  for (let i = 7; i >= 0; i--) {
    const bit = (b >> i) & 1;
    acc = ((acc << 1) ^ ((acc >> 7) * 0x11b)) & 0xff;
    acc ^= -bit & a & 0xff;
  }
  return acc;
}

/** a^254 = a^-1 in GF(2^8). */
function inverse(a: number): number {
  let r = 1;
  let base = a;
  for (let e = 254; e > 0; e >>= 1) {
    if (e & 1) r = mul(r, base);
    base = mul(base, base);
  }
  return r;
}

export function split(secret: Uint8Array, parts: number, threshold: number, random: Random): Uint8Array[] {
  if (parts < threshold) throw new RangeError('shamir: parts cannot be less than the threshold');
  if (parts > 255) throw new RangeError('shamir: parts cannot exceed 255');
  if (threshold < 2) throw new RangeError('shamir: the threshold must be at least 2');
  if (secret.length === 0) throw new RangeError('shamir: cannot split an empty secret');
  const out = Array.from({ length: parts }, (_, i) => {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = i + 1;
    return share;
  });
  const coeffs = new Uint8Array(threshold);
  for (let idx = 0; idx < secret.length; idx++) {
    coeffs[0] = secret[idx]!;
    coeffs.set(random(threshold - 1), 1);
    for (let i = 0; i < parts; i++) {
      const x = i + 1;
      let y = coeffs[threshold - 1]!;
      for (let d = threshold - 2; d >= 0; d--) y = mul(y, x) ^ coeffs[d]!;
      out[i]![idx] = y;
    }
  }
  coeffs.fill(0);
  return out;
}

export function combine(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length < 2) throw new RangeError('shamir: fewer than two parts cannot rebuild the secret');
  const len = parts[0]!.length;
  if (len < 2) throw new RangeError('shamir: parts must be at least two bytes');
  if (parts.some((p) => p.length !== len)) throw new RangeError('shamir: all parts must be the same length');
  const xs = parts.map((p) => p[len - 1]!);
  if (new Set(xs).size !== xs.length) throw new RangeError('shamir: duplicate part');
  if (xs.includes(0)) throw new RangeError('shamir: a part has x = 0');
  // Lagrange basis at x = 0: prod_j x_j / (x_i + x_j) (addition is XOR).
  const basis = xs.map((xi, i) => {
    let b = 1;
    xs.forEach((xj, j) => {
      if (i !== j) b = mul(b, mul(xj, inverse(xi ^ xj)));
    });
    return b;
  });
  const secret = new Uint8Array(len - 1);
  for (let idx = 0; idx < len - 1; idx++) {
    let v = 0;
    parts.forEach((p, i) => (v ^= mul(p[idx]!, basis[i]!)));
    secret[idx] = v;
  }
  return secret;
}
