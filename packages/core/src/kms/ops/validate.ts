/**
 * Request checks shared by operations (STYLE.md §7: ValidationException naming the field and
 * the constraint, in AWS's "1 validation error detected" wording).
 */
import { InvalidMarkerException, ValidationException, type KmsError } from '../../errors.js';
import { MAX_LIST_LIMIT } from '../constants.js';
import type { EncryptionContext } from '../types.js';

export function fieldError(field: string, constraint: string): KmsError {
  return new ValidationException(`1 validation error detected: Value at '${field}' failed to satisfy constraint: ${constraint}`);
}

export function requireString(value: unknown, field: string, min = 1, max = 2048): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw fieldError(field, `Member must be a string of length between ${min} and ${max}`);
  }
  return value;
}

export function requireBytes(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw fieldError(field, 'Member must be a binary blob (Uint8Array)');
  if (value.length < min || value.length > max) {
    throw fieldError(field, `Member must have length between ${min} and ${max} bytes (got ${value.length})`);
  }
  return value;
}

export function optionalInt(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fieldError(field, `Member must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function requireEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw fieldError(field, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

export function validateContext(ctx: unknown, field = 'EncryptionContext'): EncryptionContext | undefined {
  if (ctx === undefined || ctx === null) return undefined;
  if (typeof ctx !== 'object' || Array.isArray(ctx)) throw fieldError(field, 'Member must be a map of string to string');
  for (const [k, v] of Object.entries(ctx as Record<string, unknown>)) {
    if (typeof v !== 'string') throw fieldError(`${field}.${k}`, 'Member must be a string');
    if (k.length === 0) throw fieldError(field, 'Keys must not be empty');
  }
  return ctx as EncryptionContext;
}

/** Pagination over a sorted list with an opaque marker (the next offset, base64url). */
export function paginate<T>(items: T[], limit: number | undefined, marker: string | undefined, defaultLimit: number): { page: T[]; NextMarker?: string; Truncated: boolean } {
  const lim = optionalInt(limit, 'Limit', 1, MAX_LIST_LIMIT) ?? defaultLimit;
  let start = 0;
  if (marker !== undefined) {
    const decoded = /^[A-Za-z0-9_-]+$/.test(marker) ? Number(Buffer.from(marker, 'base64url').toString('utf8')) : NaN;
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) throw new InvalidMarkerException(`Marker ${marker} is not valid`);
    start = decoded;
  }
  const page = items.slice(start, start + lim);
  const end = start + page.length;
  return end < items.length
    ? { page, NextMarker: Buffer.from(String(end), 'utf8').toString('base64url'), Truncated: true }
    : { page, Truncated: false };
}
