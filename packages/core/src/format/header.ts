/**
 * Header codec (docs/FORMAT.md §3): preamble, canonical msgpack header body, header tag.
 * Pure bytes: no crypto, no I/O. The parser returns `undefined` until it has enough bytes and
 * throws a typed error as soon as the bytes are malformed or exceed a limit (§6 rules 1–5).
 */
import { InvalidCiphertextException, LimitExceededException } from '../errors.js';
import type { EncryptedDataKey } from '../keyrings/keyring.js';
import { decodeCanonical, encodeCanonical, type CanonicalValue } from './canonical-msgpack.js';
import { compareUtf8, contextFromPairs, contextSize, type ContextPairs, type EncryptionContext } from './context.js';
import {
  COMMITMENT_LENGTH, DEFAULT_MAX_CONTEXT_SIZE, DEFAULT_MAX_ENCRYPTED_DATA_KEYS, DEFAULT_MAX_HEADER_SIZE,
  FORMAT_VERSION, HEADER_TAG_LENGTH, MAGIC, MAX_EDK_CIPHERTEXT_BYTES, MAX_FRAME_LENGTH, MAX_KEY_ID_BYTES,
  MAX_PROVIDER_ID_BYTES, MAX_PROVIDER_INFO_BYTES, MESSAGE_ID_LENGTH, MIN_FRAME_LENGTH, PREAMBLE_LENGTH, SUITE_NAMES,
} from './suite.js';

/** A parsed (structurally valid, not yet authenticated) message header. */
export interface MessageHeader {
  readonly version: number;
  readonly suiteId: number;
  readonly messageId: Uint8Array;
  readonly context: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly frameLength: number;
  readonly commitment: Uint8Array;
  readonly headerTag: Uint8Array;
  /** Total header size: preamble + body + tag; the body starts here. */
  readonly headerLength: number;
  /** preamble || header body: the bytes the header tag authenticates. */
  readonly authenticatedBytes: Uint8Array;
}

/** Reader limits (FORMAT.md §7). */
export interface HeaderLimits {
  readonly maxEncryptedDataKeys: number;
  readonly maxHeaderSize: number;
  readonly maxContextSize: number;
}

export const DEFAULT_LIMITS: HeaderLimits = Object.freeze({
  maxEncryptedDataKeys: DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
  maxHeaderSize: DEFAULT_MAX_HEADER_SIZE,
  maxContextSize: DEFAULT_MAX_CONTEXT_SIZE,
});

/** The fields a writer supplies. */
export interface HeaderFields {
  readonly suiteId: number;
  readonly messageId: Uint8Array;
  readonly contextPairs: ContextPairs;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly frameLength: number;
  readonly commitment: Uint8Array;
}

const utf8 = new TextEncoder();

/** preamble || canonical header body (FORMAT.md §3.1–3.2); the tag is appended by the caller. */
export function encodeUnsignedHeader(fields: HeaderFields): Uint8Array {
  const body = encodeCanonical([
    fields.messageId,
    fields.contextPairs,
    fields.encryptedDataKeys.map((e) => [e.providerId, e.keyId, e.providerInfo, e.ciphertext]),
    fields.frameLength,
    fields.commitment,
  ]);
  const out = new Uint8Array(PREAMBLE_LENGTH + body.length);
  out.set(MAGIC, 0);
  out[4] = FORMAT_VERSION;
  const view = new DataView(out.buffer);
  view.setUint16(5, fields.suiteId);
  view.setUint32(7, body.length);
  out.set(body, PREAMBLE_LENGTH);
  return out;
}

/** unsigned header || tag. */
export function appendHeaderTag(unsigned: Uint8Array, tag: Uint8Array): Uint8Array {
  const out = new Uint8Array(unsigned.length + tag.length);
  out.set(unsigned, 0);
  out.set(tag, unsigned.length);
  return out;
}

/**
 * Reads the preamble: checks magic, version (the dispatch point), suite id and the header-body
 * length against `maxHeaderSize` before anything is allocated. Returns the total header length, or
 * `undefined` when fewer than 11 bytes are available (a short prefix is still checked byte by byte).
 */
export function peekHeaderLength(bytes: Uint8Array, limits: HeaderLimits = DEFAULT_LIMITS): number | undefined {
  for (let i = 0; i < MAGIC.length && i < bytes.length; i++) {
    if (bytes[i] !== MAGIC[i]) throw new InvalidCiphertextException('not an Envelope message (bad magic bytes)');
  }
  if (bytes.length > 4 && bytes[4] !== FORMAT_VERSION) {
    throw new InvalidCiphertextException(`unsupported Envelope format version ${bytes[4]} (this reader implements version ${FORMAT_VERSION})`);
  }
  if (bytes.length < PREAMBLE_LENGTH) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_LENGTH);
  const suiteId = view.getUint16(5);
  if (SUITE_NAMES[suiteId] === undefined) {
    throw new InvalidCiphertextException(`unsupported algorithm suite 0x${suiteId.toString(16).padStart(4, '0')}`);
  }
  const bodyLength = view.getUint32(7);
  if (bodyLength === 0) throw new InvalidCiphertextException('header body is empty');
  const headerLength = PREAMBLE_LENGTH + bodyLength + HEADER_TAG_LENGTH;
  if (headerLength > limits.maxHeaderSize) {
    throw new LimitExceededException(`message header is ${headerLength} bytes; the limit is ${limits.maxHeaderSize} bytes (maxHeaderSize)`);
  }
  return headerLength;
}

/**
 * Parses a header from the start of `bytes` (FORMAT.md §6 rules 1–5). Returns `undefined` when
 * `bytes` is shorter than the header. Does not verify the header tag (that needs the data key).
 */
export function parseHeader(bytes: Uint8Array, limits: HeaderLimits = DEFAULT_LIMITS): MessageHeader | undefined {
  const headerLength = peekHeaderLength(bytes, limits);
  if (headerLength === undefined || bytes.length < headerLength) return undefined;
  const bodyEnd = headerLength - HEADER_TAG_LENGTH;
  const value = decodeCanonical(bytes.subarray(PREAMBLE_LENGTH, bodyEnd));
  if (value === undefined) throw bad('header body is not canonical msgpack');
  if (!Array.isArray(value) || value.length !== 5) throw bad('header body must be an array of 5 fields');
  const [messageId, ctx, edks, frameLength, commitment] = value as CanonicalValue[];

  // Precondition: message id and commitment are 32-byte byte strings.
  if (!(messageId instanceof Uint8Array) || messageId.length !== MESSAGE_ID_LENGTH) throw bad('message id must be 32 bytes');
  if (!(commitment instanceof Uint8Array) || commitment.length !== COMMITMENT_LENGTH) throw bad('commitment must be 32 bytes');
  // Precondition: frame length within 4 KiB – 16 MiB.
  if (typeof frameLength !== 'number' || frameLength < MIN_FRAME_LENGTH || frameLength > MAX_FRAME_LENGTH) {
    throw bad(`frame length must be between ${MIN_FRAME_LENGTH} and ${MAX_FRAME_LENGTH}`);
  }
  // Precondition: EDK count within 1..maxEncryptedDataKeys (checked before the EDKs are copied).
  if (!Array.isArray(edks) || edks.length === 0) throw bad('header must carry at least one encrypted data key');
  if (edks.length > limits.maxEncryptedDataKeys) {
    throw new LimitExceededException(`message has ${edks.length} encrypted data keys; the limit is ${limits.maxEncryptedDataKeys} (maxEncryptedDataKeys)`);
  }
  const pairs = parseContext(ctx);
  const size = contextSize(pairs);
  if (size > limits.maxContextSize) {
    throw new LimitExceededException(`encryption context is ${size} bytes; the limit is ${limits.maxContextSize} bytes (maxContextSize)`);
  }
  const encryptedDataKeys = (edks as CanonicalValue[]).map(parseEdk);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PREAMBLE_LENGTH);
  return Object.freeze({
    version: bytes[4]!,
    suiteId: view.getUint16(5),
    messageId: copy(messageId),
    context: contextFromPairs(pairs),
    encryptedDataKeys: Object.freeze(encryptedDataKeys),
    frameLength,
    commitment: copy(commitment),
    headerTag: copy(bytes.subarray(bodyEnd, headerLength)),
    headerLength,
    authenticatedBytes: copy(bytes.subarray(0, bodyEnd)),
  });
}

function parseContext(ctx: CanonicalValue | undefined): ContextPairs {
  if (!Array.isArray(ctx)) throw bad('encryption context must be an array of pairs');
  const pairs: [string, string][] = [];
  for (const p of ctx as CanonicalValue[]) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string' || p[0].length === 0) {
      throw bad('encryption context entries must be [non-empty key, value] string pairs');
    }
    const last = pairs[pairs.length - 1];
    // Precondition: keys strictly increasing by UTF-8 bytes (sorted, no duplicates).
    if (last !== undefined && compareUtf8(last[0], p[0]) >= 0) throw bad('encryption context keys must be unique and sorted');
    pairs.push([p[0], p[1]]);
  }
  return pairs;
}

function parseEdk(e: CanonicalValue): EncryptedDataKey {
  if (!Array.isArray(e) || e.length !== 4) throw bad('an encrypted data key must be an array of 4 fields');
  const [providerId, keyId, providerInfo, ciphertext] = e as CanonicalValue[];
  if (typeof providerId !== 'string' || typeof keyId !== 'string' || typeof providerInfo !== 'string' || !(ciphertext instanceof Uint8Array)) {
    throw bad('an encrypted data key must be [providerId, keyId, providerInfo, ciphertext]');
  }
  const pid = utf8.encode(providerId).length;
  if (pid === 0 || pid > MAX_PROVIDER_ID_BYTES) throw bad(`encrypted data key providerId must be 1..${MAX_PROVIDER_ID_BYTES} bytes`);
  if (utf8.encode(keyId).length > MAX_KEY_ID_BYTES) throw bad(`encrypted data key keyId exceeds ${MAX_KEY_ID_BYTES} bytes`);
  if (utf8.encode(providerInfo).length > MAX_PROVIDER_INFO_BYTES) throw bad(`encrypted data key providerInfo exceeds ${MAX_PROVIDER_INFO_BYTES} bytes`);
  if (ciphertext.length === 0 || ciphertext.length > MAX_EDK_CIPHERTEXT_BYTES) {
    throw bad(`encrypted data key ciphertext must be 1..${MAX_EDK_CIPHERTEXT_BYTES} bytes`);
  }
  return Object.freeze({ providerId, keyId, providerInfo, ciphertext: copy(ciphertext) });
}

/** Checks writer-side EDKs against the same field rules a reader applies. */
export function validateEncryptedDataKeys(edks: readonly EncryptedDataKey[], max: number): void {
  if (edks.length === 0) throw new InvalidCiphertextException('the keyring returned no encrypted data keys');
  if (edks.length > max) throw new LimitExceededException(`the keyrings produced ${edks.length} encrypted data keys; the limit is ${max} (maxEncryptedDataKeys)`);
  for (const e of edks) parseEdk([e.providerId, e.keyId, e.providerInfo, e.ciphertext]);
}

function bad(message: string) {
  return new InvalidCiphertextException(`malformed Envelope header: ${message}`);
}

function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}
