/**
 * The AEAD backend contract for AES-256-GCM (NIST SP 800-38D; docs/FORMAT.md §1, §5). Two
 * implementations produce byte-identical output: node-aead.ts (node:crypto, the hot path) and
 * noble-aead.ts (@noble/ciphers and @noble/hashes, portable). Each also provides the two once-per-
 * message primitives, HKDF-SHA-512 and HMAC-SHA-256 (docs/FORMAT.md §3.3, §4). This file imports nothing platform-specific.
 */

/** AES-GCM tag length in bytes (FORMAT.md §1). */
export const AEAD_TAG_LENGTH = 16;

/** A content key prepared for one backend. */
export interface AeadKey {
  readonly backend: string;
  /** Best-effort erase of the key bytes this object holds. */
  destroy(): void;
}

export interface AeadBackend {
  readonly name: 'node' | 'noble' | (string & {});
  /** Prepares a 32-byte key for repeated use. */
  importKey(key: Uint8Array): AeadKey;
  /**
   * Encrypts the concatenation of `plaintext` pieces. Returns ciphertext pieces whose concatenation
   * is `ciphertext || tag`; the last element is always the 16-byte tag.
   */
  seal(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, plaintext: readonly Uint8Array[]): Uint8Array[];
  /**
   * Decrypts the concatenation of `ciphertext` pieces with `tag`. Returns plaintext pieces only
   * after the tag verified, or `undefined` when authentication fails.
   */
  open(key: AeadKey, nonce: Uint8Array, aad: Uint8Array, ciphertext: readonly Uint8Array[], tag: Uint8Array): Uint8Array[] | undefined;
  /** HKDF-SHA-512 (RFC 5869), `length` bytes. */
  hkdfSha512(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** HMAC-SHA-256 (RFC 2104), 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Concatenates pieces (one copy; returns the piece itself when there is only one). */
export function concatBytes(pieces: readonly Uint8Array[]): Uint8Array {
  if (pieces.length === 1) return pieces[0]!;
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
