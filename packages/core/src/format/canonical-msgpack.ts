/**
 * Canonical msgpack (docs/FORMAT.md §1): only uint / str / bin / array, shortest forms, no maps.
 * Encoding goes through msgpackr; decoding is followed by a re-encode-and-compare so any
 * non-canonical input (non-minimal lengths, trailing bytes, foreign types) is rejected.
 */
// The 'msgpackr/pack' entry (Packr packs and unpacks) skips the optional native string extractor
// that the package root loads: headers hold short strings, and the addon costs ~5 MiB of RSS.
import { Packr } from 'msgpackr/pack';

/** Values the canonical encoding can carry. */
export type CanonicalValue = number | string | Uint8Array | readonly CanonicalValue[];

const packr = new Packr({ useRecords: false, moreTypes: false, structuredClone: false, mapsAsObjects: true });

/** Encodes `value` canonically; the result is a fresh copy (msgpackr reuses its buffer). */
export function encodeCanonical(value: CanonicalValue): Uint8Array {
  assertCanonicalValue(value);
  return new Uint8Array(packr.pack(value));
}

/**
 * Decodes `bytes`, returning `undefined` when they are not exactly one canonical value
 * (the caller turns that into its own typed error).
 */
export function decodeCanonical(bytes: Uint8Array): CanonicalValue | undefined {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch {
    return undefined;
  }
  if (!isCanonicalValue(value)) return undefined;
  const again = packr.pack(value);
  if (again.length !== bytes.length) return undefined;
  for (let i = 0; i < again.length; i++) if (again[i] !== bytes[i]) return undefined;
  return value;
}

function isCanonicalValue(v: unknown, depth = 0): v is CanonicalValue {
  if (depth > 8) return false;
  if (typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff;
  if (v instanceof Uint8Array) return true;
  if (Array.isArray(v)) return v.every((x) => isCanonicalValue(x, depth + 1));
  return false;
}

function assertCanonicalValue(v: unknown): void {
  if (!isCanonicalValue(v)) throw new TypeError('value cannot be encoded as canonical msgpack');
}
