/**
 * AWS JSON 1.1 ↔ local Kms shapes (AWS KMS API Reference, "Common Parameters" and each action's
 * request/response syntax). On the wire blobs are base64 strings and timestamps are epoch seconds;
 * the local Kms takes Uint8Array and Date with the same AWS field names. Conversion is by field
 * name, recursively, never descending into string maps such as EncryptionContext.
 */
import { ValidationException } from '@envelope/core/errors';

/** Fields whose values are blobs (base64 on the wire). */
const BLOB_FIELDS: ReadonlySet<string> = new Set([
  'CiphertextBlob',
  'Plaintext',
  'Message',
  'Signature',
  'PublicKey',
  'Mac',
  'ImportToken',
  'EncryptedKeyMaterial',
  'SharedSecret',
  'CiphertextForRecipient',
  'AttestationDocument',
  'PrivateKeyCiphertextBlob',
  'PrivateKeyPlaintext',
]);

/** Fields whose values are timestamps (epoch seconds on the wire). */
const DATE_FIELDS: ReadonlySet<string> = new Set([
  'CreationDate',
  'DeletionDate',
  'ValidTo',
  'ParametersValidTo',
  'RotationDate',
  'NextRotationDate',
  'OnDemandRotationStartDate',
  'ImportDate',
  'ExpirationDate',
  'LastUpdatedDate',
]);

/** String maps: copied verbatim, never converted (their keys are user data). */
const OPAQUE_FIELDS: ReadonlySet<string> = new Set([
  'EncryptionContext',
  'SourceEncryptionContext',
  'DestinationEncryptionContext',
  'EncryptionContextSubset',
  'EncryptionContextEquals',
]);

/** Thrown for a wire value of the wrong type; the server maps it to SerializationException. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SerializationException';
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes canonical base64 (padding optional), rejecting anything else. */
export function decodeBase64(value: unknown, field: string): Uint8Array {
  if (typeof value !== 'string') throw new ShapeError(`${field} must be a base64 string`);
  const s = value.replace(/\s+/g, '');
  if (!BASE64.test(s) || s.length % 4 === 1) throw new ShapeError(`${field} is not valid base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Converts an AWS JSON request body (already parsed) to the local Kms request shape. */
export function fromWire(value: unknown, field = ''): unknown {
  if (BLOB_FIELDS.has(field)) return decodeBase64(value, field);
  if (DATE_FIELDS.has(field)) {
    if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000);
    if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(Date.parse(value));
    throw new ShapeError(`${field} must be a timestamp (epoch seconds)`);
  }
  if (OPAQUE_FIELDS.has(field)) return value;
  if (Array.isArray(value)) return value.map((v) => fromWire(v, field));
  if (value !== null && typeof value === 'object') {
    // Null-prototype: a member named __proto__ stays an own property, never the prototype.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = fromWire(v, k);
    return out;
  }
  return value;
}

/**
 * Converts a local Kms response to its AWS JSON form (base64 blobs, epoch-second dates). With
 * `dates: 'iso'` (the CLI's human output) timestamps become ISO-8601 strings instead.
 */
export function toWire(value: unknown, field = '', dates: 'epoch' | 'iso' = 'epoch'): unknown {
  if (value instanceof Uint8Array) return encodeBase64(value);
  if (value instanceof Date) return dates === 'iso' ? value.toISOString() : value.getTime() / 1000;
  // A timestamp field held as an ISO-8601 string still goes out as epoch seconds.
  if (dates === 'epoch' && typeof value === 'string' && DATE_FIELDS.has(field) && !Number.isNaN(Date.parse(value))) return Date.parse(value) / 1000;
  if (Array.isArray(value)) return value.map((v) => toWire(v, field, dates));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      out[k] = OPAQUE_FIELDS.has(k) ? v : toWire(v, k, dates);
    }
    return out;
  }
  return value;
}

/** Requires a JSON object as the request body (AWS sends `{}` for an empty request). */
export function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationException(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
