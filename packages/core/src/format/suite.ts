/**
 * Format constants: magic bytes, version, the algorithm suite and frame-length bounds
 * (docs/FORMAT.md §3.1, §3.4, §7).
 */

/** `0x89` then ASCII "ENV" (FORMAT.md §3.1). */
export const MAGIC: readonly number[] = Object.freeze([0x89, 0x45, 0x4e, 0x56]);
export const FORMAT_VERSION = 1;
/** ENV_AES_256_GCM_HKDF_SHA512_COMMIT_HMAC_SHA256 (FORMAT.md §3.4). */
export const SUITE_AES256_GCM_HKDF_SHA512_COMMIT = 0x0001;
export const SUITE_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [SUITE_AES256_GCM_HKDF_SHA512_COMMIT]: 'ENV_AES_256_GCM_HKDF_SHA512_COMMIT_HMAC_SHA256',
});

/** magic(4) + version(1) + suite(2) + header-body length(4). */
export const PREAMBLE_LENGTH = 11;
export const HEADER_TAG_LENGTH = 32;
export const MESSAGE_ID_LENGTH = 32;
export const DATA_KEY_LENGTH = 32;
export const COMMITMENT_LENGTH = 32;
export const GCM_TAG_LENGTH = 16;
export const GCM_NONCE_LENGTH = 12;

export const MIN_FRAME_LENGTH = 4096;
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;
/** Writer default, chosen by measurement (docs/PERFORMANCE.md). */
export const DEFAULT_FRAME_LENGTH = 64 * 1024;
/** A message has at most 2^32 frames (FORMAT.md §5). */
export const MAX_FRAMES = 2 ** 32;

export const DEFAULT_MAX_ENCRYPTED_DATA_KEYS = 10;
export const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
export const DEFAULT_MAX_CONTEXT_SIZE = 8192;

export const MAX_PROVIDER_ID_BYTES = 255;
export const MAX_KEY_ID_BYTES = 2048;
export const MAX_PROVIDER_INFO_BYTES = 2048;
export const MAX_EDK_CIPHERTEXT_BYTES = 4096;

/** True when the first bytes carry the Envelope magic (FORMAT.md §3.1). */
export function isEnvelopeMessage(firstBytes: Uint8Array): boolean {
  if (!(firstBytes instanceof Uint8Array) || firstBytes.length < MAGIC.length) return false;
  return MAGIC.every((b, i) => firstBytes[i] === b);
}
