/**
 * The encryption context (docs/FORMAT.md §3.2 index 1): a UTF-8 string → string map, stored as
 * key/value pairs sorted by the keys' UTF-8 bytes, bounded in size. Also the exact-match check a
 * decrypting caller asks for (§6 rule 6).
 */
import { InvalidCiphertextException, LimitExceededException, ValidationException } from '../errors.js';

export type EncryptionContext = Readonly<Record<string, string>>;
export type ContextPairs = readonly (readonly [string, string])[];

const utf8 = new TextEncoder();

/** Compares two strings by their UTF-8 bytes (unsigned, a proper prefix first). */
export function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** Σ(len(key) + len(value)) in UTF-8 bytes. */
export function contextSize(pairs: ContextPairs): number {
  let size = 0;
  for (const [k, v] of pairs) size += utf8.encode(k).length + utf8.encode(v).length;
  return size;
}

/**
 * Validates a caller's context and returns its canonical pairs. Bad shapes throw
 * ValidationException; a context over `maxSize` bytes throws LimitExceededException.
 */
export function canonicalContext(context: unknown, maxSize: number): ContextPairs {
  if (context === undefined) return [];
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw new ValidationException('encryption context must be an object mapping strings to strings');
  }
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(context as Record<string, unknown>)) {
    if (k.length === 0) throw new ValidationException('encryption context keys must be non-empty strings');
    if (typeof v !== 'string') throw new ValidationException(`encryption context value for key "${k}" must be a string`);
    if (!isWellFormed(k) || !isWellFormed(v)) {
      throw new ValidationException(`encryption context entry "${safeKey(k)}" is not valid Unicode (lone surrogate)`);
    }
    pairs.push([k, v]);
  }
  pairs.sort((a, b) => compareUtf8(a[0], b[0]));
  const size = contextSize(pairs);
  if (size > maxSize) {
    throw new LimitExceededException(`encryption context is ${size} bytes; the limit is ${maxSize} bytes`);
  }
  return pairs;
}

/** A frozen, prototype-free-safe record from canonical pairs. */
export function contextFromPairs(pairs: ContextPairs): EncryptionContext {
  return Object.freeze(Object.fromEntries(pairs.map(([k, v]) => [k, v])));
}

/**
 * Throws InvalidCiphertextException unless `actual` equals `expected` exactly. The message names
 * the first missing, unexpected or differing key, never a value.
 */
export function assertContextMatches(expected: unknown, actual: EncryptionContext): void {
  const want = canonicalContext(expected, Number.MAX_SAFE_INTEGER);
  const have = Object.entries(actual);
  const haveMap = new Map(have);
  for (const [k, v] of want) {
    if (!haveMap.has(k)) throw new InvalidCiphertextException(`encryption context mismatch: key "${safeKey(k)}" is missing from the message`);
    if (haveMap.get(k) !== v) throw new InvalidCiphertextException(`encryption context mismatch: the value of key "${safeKey(k)}" differs`);
  }
  const wantKeys = new Set(want.map(([k]) => k));
  for (const [k] of have) {
    if (!wantKeys.has(k)) throw new InvalidCiphertextException(`encryption context mismatch: the message has unexpected key "${safeKey(k)}"`);
  }
}

/** False for a string with a lone surrogate (it has no UTF-8 encoding; msgpack would write invalid bytes). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Context keys are not secret, but keep messages one line and bounded. */
function safeKey(k: string): string {
  const s = JSON.stringify(k).slice(1, -1);
  return s.length > 128 ? `${s.slice(0, 128)}…` : s;
}
