/**
 * The symmetric CiphertextBlob (docs/KMS.md "Ciphertext blob"): it names its key (account +
 * key id) and key version so Decrypt needs no KeyId, and multi-Region replicas (same key id,
 * same material) decrypt each other's blobs.
 *
 *   version(1)=0x01 | A(1) | accountId(A, ASCII) | K(1) | keyId(K, ASCII) | versionId(16)
 *   | nonce(32) | ciphertext | tag(16)
 *   key(32) || IV(12) = HKDF-SHA-256(ikm = the key version's material, salt = nonce,
 *                                    info = "envelope-kms/blob/v1" || header), RFC 5869;
 *   AES-256-GCM with AAD = header bytes (version .. versionId) || canonicalContext(EncryptionContext).
 * A fresh random nonce per blob gives a fresh key and IV, so no GCM IV-reuse bound applies to the
 * version key.
 */
import { createCipheriv, hkdfSync } from 'node:crypto';
import { gcmOpenSecret } from '../crypto/gcm-open-secret.js';
import type { Random } from '../defaults.js';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import { isKeyId } from './identifiers.js';
import type { EncryptionContext } from './types.js';

export const BLOB_VERSION = 0x01;
const VERSION_ID_BYTES = 16;
const NONCE_BYTES = 32;
const IV_BYTES = 12;
const INFO = Buffer.from('envelope-kms/blob/v1', 'ascii');
const TAG_BYTES = 16;

export interface BlobHeader {
  accountId: string;
  keyId: string;
  /** 32 hex characters. */
  versionId: string;
}

/**
 * Canonical encryption context: u16 count, then for each pair sorted by key (UTF-8 byte order):
 * u16 keyLen || key || u16 valueLen || value. Throws ValidationException for non-string values.
 */
export function canonicalContext(ctx: EncryptionContext | undefined): Uint8Array {
  const entries = Object.entries(ctx ?? {}).map(([k, v]) => {
    if (typeof v !== 'string') throw new ValidationException(`EncryptionContext value for "${k}" must be a string`);
    return [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const;
  });
  entries.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u16(entries.length)];
  for (const [k, v] of entries) parts.push(u16(k.length), k, u16(v.length), v);
  return new Uint8Array(Buffer.concat(parts));
}

function u16(n: number): Buffer {
  if (n > 0xffff) throw new ValidationException('EncryptionContext entry is too long');
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function encodeHeader(h: BlobHeader): Buffer {
  const acct = Buffer.from(h.accountId, 'ascii');
  const kid = Buffer.from(h.keyId, 'ascii');
  const vid = Buffer.from(h.versionId, 'hex');
  if (vid.length !== VERSION_ID_BYTES) throw new Error('version id must be 16 bytes');
  return Buffer.concat([Buffer.from([BLOB_VERSION, acct.length]), acct, Buffer.from([kid.length]), kid, vid]);
}

const ACCOUNT_ID_RE = /^\d{12}$/;

/**
 * Parses the header; throws InvalidCiphertextException for anything that is not our blob,
 * including a header whose account id (12 digits) or key id (UUID or mrk-…) is malformed, so a
 * garbage blob never reaches key resolution (which would report NotFoundException).
 */
export function parseBlobHeader(blob: Uint8Array): { header: BlobHeader; headerLength: number } {
  const bad = () => new InvalidCiphertextException('The ciphertext is invalid or was not produced by this KMS.');
  if (!(blob instanceof Uint8Array) || blob.length < 3) throw bad();
  if (blob[0] !== BLOB_VERSION) throw bad();
  let off = 1;
  const a = blob[off++]!;
  if (off + a + 1 > blob.length) throw bad();
  // latin1 maps each byte to one character, so the checks below see the exact bytes.
  const accountId = Buffer.from(blob.subarray(off, off + a)).toString('latin1');
  if (!ACCOUNT_ID_RE.test(accountId)) throw bad();
  off += a;
  const k = blob[off++]!;
  if (off + k + VERSION_ID_BYTES + NONCE_BYTES + TAG_BYTES > blob.length) throw bad();
  const keyId = Buffer.from(blob.subarray(off, off + k)).toString('latin1');
  if (!isKeyId(keyId)) throw bad();
  off += k;
  const versionId = Buffer.from(blob.subarray(off, off + VERSION_ID_BYTES)).toString('hex');
  off += VERSION_ID_BYTES;
  return { header: { accountId, keyId, versionId }, headerLength: off };
}

/** Per-blob key and IV derived from the version material and the blob's nonce. */
function deriveKeyIv(material: Uint8Array, nonce: Uint8Array, head: Uint8Array): { key: Buffer; iv: Buffer } {
  const okm = Buffer.from(hkdfSync('sha256', material, nonce, Buffer.concat([INFO, head]), 32 + IV_BYTES));
  return { key: okm.subarray(0, 32), iv: okm.subarray(32) };
}

export function sealBlob(header: BlobHeader, material: Uint8Array, plaintext: Uint8Array, ctx: EncryptionContext | undefined, random: Random): Uint8Array {
  const head = encodeHeader(header);
  const nonce = random(NONCE_BYTES);
  const { key, iv } = deriveKeyIv(material, nonce, head);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.concat([head, canonicalContext(ctx)]));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  key.fill(0);
  return new Uint8Array(Buffer.concat([head, nonce, body, c.getAuthTag()]));
}

export function openBlob(blob: Uint8Array, headerLength: number, material: Uint8Array, ctx: EncryptionContext | undefined): Uint8Array {
  const head = blob.subarray(0, headerLength);
  const nonce = blob.subarray(headerLength, headerLength + NONCE_BYTES);
  const tag = blob.subarray(blob.length - TAG_BYTES);
  const { key, iv } = deriveKeyIv(material, nonce, head);
  try {
    // One copy of the plaintext leaves here (gcmOpenSecret wipes node's buffers).
    const pt = gcmOpenSecret(key, iv, Buffer.concat([head, canonicalContext(ctx)]), blob.subarray(headerLength + NONCE_BYTES, blob.length - TAG_BYTES), tag);
    if (pt === undefined) throw new InvalidCiphertextException('The ciphertext could not be decrypted: it was altered, or the encryption context does not match.');
    return pt;
  } finally {
    key.fill(0);
  }
}
