/**
 * Per-message key schedule and header tag (docs/FORMAT.md §3.3, §4):
 *   contentKey = HKDF-SHA-512(dataKey, salt = messageId, info = "ENVELOPE-V1 CONTENT KEY" || uint16(suite), 32)
 *   commitment = HKDF-SHA-512(dataKey, salt = messageId, info = "ENVELOPE-V1 COMMITMENT"  || uint16(suite), 32)
 *   headerKey  = HKDF-SHA-512(dataKey, salt = messageId, info = "ENVELOPE-V1 HEADER KEY"  || uint16(suite), 32)
 *   headerTag  = HMAC-SHA-256(headerKey, preamble || header body)
 * Runs once per message on the backend's HKDF and HMAC (node:crypto or @noble/hashes).
 */
import type { AeadBackend } from './aead.js';

export interface MessageKeys {
  readonly contentKey: Uint8Array;
  readonly commitment: Uint8Array;
  readonly headerKey: Uint8Array;
}

const LABELS = {
  contentKey: 'ENVELOPE-V1 CONTENT KEY',
  commitment: 'ENVELOPE-V1 COMMITMENT',
  headerKey: 'ENVELOPE-V1 HEADER KEY',
} as const;

function info(label: string, suiteId: number): Uint8Array {
  const l = new TextEncoder().encode(label);
  const out = new Uint8Array(l.length + 2);
  out.set(l, 0);
  out[l.length] = suiteId >>> 8;
  out[l.length + 1] = suiteId & 0xff;
  return out;
}

/** Derives the content key, commitment and header key of one message. */
export function deriveMessageKeys(backend: AeadBackend, dataKey: Uint8Array, messageId: Uint8Array, suiteId: number): MessageKeys {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== 32) throw new RangeError('"dataKey" expected Uint8Array of length 32');
  if (!(messageId instanceof Uint8Array) || messageId.length !== 32) throw new RangeError('"messageId" expected Uint8Array of length 32');
  return {
    contentKey: backend.hkdfSha512(dataKey, messageId, info(LABELS.contentKey, suiteId), 32),
    commitment: backend.hkdfSha512(dataKey, messageId, info(LABELS.commitment, suiteId), 32),
    headerKey: backend.hkdfSha512(dataKey, messageId, info(LABELS.headerKey, suiteId), 32),
  };
}

/** HMAC-SHA-256(headerKey, preamble || header body). */
export function computeHeaderTag(backend: AeadBackend, headerKey: Uint8Array, authenticatedBytes: Uint8Array): Uint8Array {
  return backend.hmacSha256(headerKey, authenticatedBytes);
}

/** Erases derived keys (best effort). */
export function wipeMessageKeys(keys: MessageKeys): void {
  keys.contentKey.fill(0);
  keys.headerKey.fill(0);
}
