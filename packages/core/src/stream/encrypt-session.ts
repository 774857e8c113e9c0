/**
 * Starting an encrypted message (docs/FORMAT.md §2–§4): ask the keyring for a data key and its
 * wrappings, derive the message keys, build and authenticate the header, and hand back a
 * FrameSealer for the body. Shared by the buffer, Node-stream and Web-stream APIs.
 */
import { KMSInternalException, LimitExceededException } from '../errors.js';
import type { Random } from '../defaults.js';
import type { AeadBackend } from '../crypto/aead.js';
import { equalBytes } from '../crypto/constant-time.js';
import { computeHeaderTag, deriveMessageKeys, wipeMessageKeys } from '../crypto/message-keys.js';
import { abytes } from '../format/assert.js';
import { canonicalContext } from '../format/context.js';
import { appendHeaderTag, encodeUnsignedHeader, parseHeader, validateEncryptedDataKeys, type MessageHeader } from '../format/header.js';
import { DATA_KEY_LENGTH, MESSAGE_ID_LENGTH, SUITE_AES256_GCM_HKDF_SHA512_COMMIT } from '../format/suite.js';
import { FrameSealer } from './frame-sealer.js';
import { assertKeyring, assertOptions, resolveFrameLength, resolveLimits, type EncryptOptions } from './options.js';

export interface EncryptSession {
  /** The complete header bytes (preamble, body, tag). */
  readonly headerBytes: Uint8Array;
  readonly header: MessageHeader;
  readonly sealer: FrameSealer;
}

export async function startEncryption(opts: EncryptOptions, backend: AeadBackend, random: Random): Promise<EncryptSession> {
  assertOptions(opts, 'encrypt');
  assertKeyring(opts.keyring);
  const frameLength = resolveFrameLength(opts.frameLength);
  const limits = resolveLimits(opts);
  const contextPairs = canonicalContext(opts.context, limits.maxContextSize);
  if (opts.dataKey !== undefined) abytes(opts.dataKey, DATA_KEY_LENGTH, 'dataKey');
  const messageId = opts.messageId ?? random(MESSAGE_ID_LENGTH);
  abytes(messageId, MESSAGE_ID_LENGTH, 'messageId');
  const suiteId = SUITE_AES256_GCM_HKDF_SHA512_COMMIT;

  const result = await opts.keyring.onEncrypt({
    suiteId,
    context: Object.fromEntries(contextPairs),
    ...(opts.dataKey ? { dataKey: new Uint8Array(opts.dataKey) } : {}),
  });
  const dataKey = result?.dataKey;
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new KMSInternalException(`the keyring returned a data key that is not ${DATA_KEY_LENGTH} bytes`);
  }
  if (opts.dataKey && !equalBytes(dataKey, opts.dataKey)) {
    throw new KMSInternalException('the keyring replaced the data key it was given');
  }
  validateEncryptedDataKeys(result.encryptedDataKeys ?? [], limits.maxEncryptedDataKeys);

  const keys = deriveMessageKeys(backend, dataKey, messageId, suiteId);
  dataKey.fill(0);
  try {
    const unsigned = encodeUnsignedHeader({
      suiteId, messageId, contextPairs, encryptedDataKeys: result.encryptedDataKeys, frameLength, commitment: keys.commitment,
    });
    const headerBytes = appendHeaderTag(unsigned, computeHeaderTag(backend, keys.headerKey, unsigned));
    if (headerBytes.length > limits.maxHeaderSize) {
      throw new LimitExceededException(
        `the message header would be ${headerBytes.length} bytes; the limit is ${limits.maxHeaderSize} bytes (maxHeaderSize), which readers apply by default`,
      );
    }
    const header = parseHeader(headerBytes, { ...limits, maxHeaderSize: Number.MAX_SAFE_INTEGER });
    if (!header) throw new KMSInternalException('internal error: the encoded header did not parse');
    const sealer = new FrameSealer(backend, backend.importKey(keys.contentKey), messageId, frameLength);
    return { headerBytes, header, sealer };
  } finally {
    wipeMessageKeys(keys);
  }
}
