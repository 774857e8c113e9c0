/**
 * The typed plaintext of one SOPS leaf and its byte form (docs/CONFIG.md "Values"): what is
 * encrypted and what the MAC covers. Strings as UTF-8, ints in decimal, floats as Go's
 * `strconv.FormatFloat(f, 'f', -1, 64)`, bools `True`/`False`, comments the text after `#`.
 */

export type LeafType = 'str' | 'int' | 'float' | 'bool' | 'bytes' | 'time' | 'comment';
export const LEAF_TYPES: readonly LeafType[] = ['str', 'int', 'float', 'bool', 'bytes', 'time', 'comment'];

/** One leaf's plaintext: its SOPS type and the exact bytes that are encrypted and MAC'd. */
export interface LeafValue {
  readonly type: LeafType;
  readonly bytes: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

export function textOf(v: LeafValue): string {
  return dec.decode(v.bytes);
}

export function strValue(s: string): LeafValue {
  return { type: 'str', bytes: enc.encode(s) };
}

export function commentValue(s: string): LeafValue {
  return { type: 'comment', bytes: enc.encode(s) };
}

export function boolValue(b: boolean): LeafValue {
  return { type: 'bool', bytes: enc.encode(b ? 'True' : 'False') };
}

/** An integer from its decimal text (bigint keeps 64-bit values exact). */
export function intValue(n: bigint | number): LeafValue {
  return { type: 'int', bytes: enc.encode(BigInt(n).toString(10)) };
}

export function floatValue(f: number): LeafValue {
  return { type: 'float', bytes: enc.encode(goFormatFloat(f)) };
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest digits that round-trip, written
 * without an exponent; `+Inf`, `-Inf`, `NaN`.
 */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const sign = f < 0 ? '-' : '';
  const s = Math.abs(f).toString(); // shortest round-trip digits (ECMA-262 Number::toString)
  const m = /^(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return sign + s;
  const digits = m[1]! + (m[2] ?? '');
  const exp = Number(m[3]);
  if (exp >= 0) return sign + digits + '0'.repeat(Math.max(0, exp - (digits.length - 1)));
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** Parses the bytes of a decrypted value of `type` back into a JS value (for the Node API and stores). */
export function jsValueOf(v: LeafValue): string | number | bigint | boolean | Uint8Array {
  const t = textOf(v);
  switch (v.type) {
    case 'str':
    case 'comment':
    case 'time':
      return t;
    case 'bytes':
      return v.bytes;
    case 'int': {
      const n = BigInt(t);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float':
      return t === '+Inf' ? Infinity : t === '-Inf' ? -Infinity : Number(t);
    case 'bool':
      return /^(1|t|T|TRUE|true|True)$/.test(t);
  }
}

export function sameValue(a: LeafValue, b: LeafValue): boolean {
  return a.type === b.type && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
}
