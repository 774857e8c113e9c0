/**
 * Re-wrapping a message's data key without touching its body (docs/FORMAT.md §3.3 "Why HMAC",
 * §5): authenticate the old header, unwrap the data key, wrap it under new keyrings and issue a new
 * header with the same message id, context, frame length and commitment. Frame nonces and AAD
 * depend only on the message id and content key, so the old body stays valid after the new header.
 */
import { KMSInternalException, LimitExceededException } from '../errors.js';
import { equalBytes } from '../crypto/constant-time.js';
import { computeHeaderTag, wipeMessageKeys } from '../crypto/message-keys.js';
import { canonicalContext } from '../format/context.js';
import { appendHeaderTag, encodeUnsignedHeader, validateEncryptedDataKeys } from '../format/header.js';
import { DEFAULT_MAX_ENCRYPTED_DATA_KEYS, DEFAULT_MAX_HEADER_SIZE } from '../format/suite.js';
import type { Keyring } from '../keyrings/keyring.js';
import { unwrapHeader } from './decrypt-session.js';
import { resolveNodeBackend } from './node-backend.js';
import { assertKeyring, assertOptions, type BackendChoice } from './options.js';
import { readHeader, type RandomAccessSource } from './random-access.js';

export interface RewrapOptions {
  decryptKeyring: Keyring;
  encryptKeyring: Keyring;
  /** When given, the message's context must equal it exactly. */
  context?: Record<string, string>;
  maxEncryptedDataKeys?: number;
  /** The largest header read or written (default 65536, as for encrypt and decrypt). */
  maxHeaderSize?: number;
  backend?: BackendChoice;
}

/** Returns the new header; the caller writes it followed by the old bytes from `bodyOffset` on. */
export async function rewrapHeader(
  source: RandomAccessSource | Uint8Array,
  opts: RewrapOptions,
): Promise<{ header: Uint8Array; bodyOffset: number }> {
  assertOptions(opts, 'rewrap');
  assertKeyring(opts.decryptKeyring);
  assertKeyring(opts.encryptKeyring);
  const max = opts.maxEncryptedDataKeys ?? DEFAULT_MAX_ENCRYPTED_DATA_KEYS;
  const backend = await resolveNodeBackend(opts.backend);
  const maxHeaderSize = opts.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  const header = await readHeader(source, { maxEncryptedDataKeys: max, maxHeaderSize });
  const { dataKey, keys } = await unwrapHeader(header, opts.decryptKeyring, opts.context, backend);
  try {
    const result = await opts.encryptKeyring.onEncrypt({ suiteId: header.suiteId, context: header.context, dataKey: new Uint8Array(dataKey) });
    if (!(result?.dataKey instanceof Uint8Array) || !equalBytes(result.dataKey, dataKey)) {
      throw new KMSInternalException('the encrypt keyring replaced the data key it was given');
    }
    result.dataKey.fill(0);
    validateEncryptedDataKeys(result.encryptedDataKeys ?? [], max);
    const unsigned = encodeUnsignedHeader({
      suiteId: header.suiteId,
      messageId: header.messageId,
      contextPairs: canonicalContext(header.context, Number.MAX_SAFE_INTEGER),
      encryptedDataKeys: result.encryptedDataKeys,
      frameLength: header.frameLength,
      commitment: header.commitment,
    });
    const rewrapped = appendHeaderTag(unsigned, computeHeaderTag(backend, keys.headerKey, unsigned));
    if (rewrapped.length > maxHeaderSize) {
      throw new LimitExceededException(`the new header would be ${rewrapped.length} bytes; the limit is ${maxHeaderSize} bytes (maxHeaderSize)`);
    }
    return { header: rewrapped, bodyOffset: header.headerLength };
  } finally {
    dataKey.fill(0);
    wipeMessageKeys(keys);
  }
}
