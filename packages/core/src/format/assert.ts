/**
 * Argument checks at the public boundary (STYLE.md §1 "Assert at the boundary", §7 first layer):
 * a wrong type throws TypeError, a wrong size or range throws RangeError, and the message names the
 * argument, what was expected and what was received. Messages never include the bytes themselves.
 */

/** Asserts `value` is a Uint8Array (optionally of exactly `length` bytes). */
export function abytes(value: unknown, length?: number, title = 'value'): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`"${title}" expected Uint8Array, got ${describeType(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`"${title}" expected Uint8Array of length ${length}, got length=${value.length}`);
  }
}

/** Asserts `value` is a safe integer in [min, max]. */
export function anumber(value: unknown, min: number, max: number, title = 'value'): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`"${title}" expected an integer, got ${describeType(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`"${title}" expected an integer in [${min}, ${max}], got ${value}`);
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
