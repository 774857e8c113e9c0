/**
 * SOPS's value cipher (docs/CONFIG.md "Encrypted values"): AES-256-GCM under the file's 32-byte
 * data key with a 32-byte IV and the 16-byte tag kept apart, written as
 * `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<type>]` (standard padded base64). The AAD
 * is the leaf's path: mapping keys joined by `:` plus a trailing `:` (list indices are not part of
 * it). Empty plaintexts are not encrypted.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { InvalidCiphertextException } from '../errors.js';
import { LEAF_TYPES, type LeafType, type LeafValue } from './values.js';

export const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The AAD of a leaf at `path` (mapping keys only). */
export function pathAad(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

export function isEncryptedText(s: string): boolean {
  return ENC_RE.test(s);
}

export interface ParsedValue {
  readonly data: Uint8Array;
  readonly iv: Uint8Array;
  readonly tag: Uint8Array;
  readonly type: LeafType;
  /** The text is exactly what `encryptValue` writes for these bytes (nothing after `]`, base64 with zero pad bits). */
  readonly canonical: boolean;
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Valid padded base64 that re-encodes to itself: the bits the padding leaves over are zero. */
function canonicalB64(s: string): boolean {
  if (s.endsWith('==')) return (B64_ALPHABET.indexOf(s[s.length - 3]!) & 0x0f) === 0;
  if (s.endsWith('=')) return (B64_ALPHABET.indexOf(s[s.length - 2]!) & 0x03) === 0;
  return true;
}

function b64(s: string, what: string): Uint8Array {
  if (!B64_RE.test(s)) throw new InvalidCiphertextException(`encrypted value: ${what} is not valid base64`);
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** Parses an `ENC[…]` string; throws InvalidCiphertextException when it is not one. */
export function parseEncrypted(text: string): ParsedValue {
  const m = ENC_RE.exec(text);
  if (m === null) throw new InvalidCiphertextException('a value that must be encrypted is not in the ENC[AES256_GCM,…] format');
  const type = m[4] as LeafType;
  if (!LEAF_TYPES.includes(type)) throw new InvalidCiphertextException(`encrypted value: unknown type "${m[4]}"`);
  const tag = b64(m[3]!, 'tag');
  if (tag.length !== TAG_BYTES) throw new InvalidCiphertextException(`encrypted value: tag must be ${TAG_BYTES} bytes`);
  const iv = b64(m[2]!, 'iv');
  if (iv.length === 0) throw new InvalidCiphertextException('encrypted value: empty iv');
  const canonical = m[0].length === text.length && canonicalB64(m[1]!) && canonicalB64(m[2]!) && canonicalB64(m[3]!);
  return { data: b64(m[1]!, 'data'), iv, tag, type, canonical };
}

/**
 * Decrypts one `ENC[…]` value; the IV is returned so an unchanged value can be re-encrypted
 * identically, and `canonical` says whether `text` is exactly what `encryptValue` writes for it
 * (so a re-encryption with the same key, IV and value may re-use the text without the cipher).
 */
export function decryptValue(key: Uint8Array, text: string, aad: string): { value: LeafValue; iv: Uint8Array; canonical: boolean } {
  const p = parseEncrypted(text);
  const d = createDecipheriv('aes-256-gcm', key, p.iv, { authTagLength: TAG_BYTES });
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(p.tag);
  let bytes: Buffer;
  try {
    bytes = Buffer.concat([d.update(p.data), d.final()]);
  } catch {
    throw new InvalidCiphertextException(`a value at "${aad}" failed authentication (wrong key, or the value, its path or its type was changed)`);
  }
  const value: LeafValue = { type: p.type, bytes: new Uint8Array(bytes) };
  if (!wellFormed(value)) throw new InvalidCiphertextException(`a value at "${aad}" does not parse as its type ${p.type}`);
  return { value, iv: p.iv, canonical: p.canonical };
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$/;
const BOOL_RE = /^(?:1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/;

/** The decrypted text parses as its type, as SOPS's strconv calls require. */
function wellFormed(v: LeafValue): boolean {
  if (v.type !== 'int' && v.type !== 'float' && v.type !== 'bool') return true;
  const t = Buffer.from(v.bytes).toString('utf8');
  return (v.type === 'int' ? INT_RE : v.type === 'float' ? FLOAT_RE : BOOL_RE).test(t);
}

/** Encrypts one value; `iv` is fresh randomness or the IV read for the identical (path, type, bytes). */
export function encryptValue(key: Uint8Array, value: LeafValue, aad: string, iv: Uint8Array): string {
  if (iv.length !== IV_BYTES) throw new RangeError(`"iv" expected ${IV_BYTES} bytes, got length=${iv.length}`);
  const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(value.bytes), c.final()]);
  const b = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
  return `ENC[AES256_GCM,data:${b(data)},iv:${b(iv)},tag:${b(c.getAuthTag())},type:${value.type}]`;
}

/**
 * Remembers the IV of each value read, keyed by (AAD, type, bytes) as SOPS does, so re-encrypting
 * an unchanged value yields the same ciphertext (minimal diffs). When the value's text was exactly
 * what `encryptValue` writes, that text is kept too and handed back for the same data key, which
 * saves the cipher call (AES-GCM with the same key, IV, AAD and plaintext gives the same bytes).
 */
export class IvStash {
  private readonly map = new Map<string, { iv: Uint8Array; text: string | undefined }>();
  /** A copy of the data key the remembered texts were encrypted under (undefined: texts are never re-used). */
  private readonly key: Buffer | undefined;
  constructor(dataKey?: Uint8Array) {
    this.key = dataKey === undefined ? undefined : Buffer.from(dataKey);
  }
  private static id(aad: string, v: LeafValue): string {
    return `${aad}\u0000${v.type}\u0000${Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength).toString('base64')}`;
  }
  remember(aad: string, v: LeafValue, iv: Uint8Array, text?: string): void {
    this.map.set(IvStash.id(aad, v), { iv, text });
  }
  lookup(aad: string, v: LeafValue): Uint8Array | undefined {
    return this.map.get(IvStash.id(aad, v))?.iv;
  }
  /** The IV for (aad, v), and its `ENC[…]` text when it was read under `dataKey` (same bytes). */
  find(aad: string, v: LeafValue, dataKey: Uint8Array): { iv: Uint8Array; text: string | undefined } | undefined {
    const e = this.map.get(IvStash.id(aad, v));
    if (e === undefined) return undefined;
    const sameKey = this.key !== undefined && this.key.equals(dataKey);
    return { iv: e.iv, text: sameKey ? e.text : undefined };
  }
}
