/**
 * Opening a message (docs/FORMAT.md §6 rules 6–8): check the expected context, unwrap a data key
 * with the keyring, verify the key commitment and then the header tag, and return the data key's
 * derived keys. Nothing is decrypted before both checks pass.
 */
import { IncorrectKeyException, InvalidCiphertextException } from '../errors.js';
import type { AeadBackend } from '../crypto/aead.js';
import { equalBytes } from '../crypto/constant-time.js';
import { computeHeaderTag, deriveMessageKeys, wipeMessageKeys, type MessageKeys } from '../crypto/message-keys.js';
import { assertContextMatches } from '../format/context.js';
import type { MessageHeader } from '../format/header.js';
import { DATA_KEY_LENGTH } from '../format/suite.js';
import type { Keyring } from '../keyrings/keyring.js';
import { FrameOpener } from './frame-opener.js';

/**
 * Unwraps and authenticates: returns the data key and message keys of an authenticated header.
 * The caller wipes them (wipeMessageKeys, dataKey.fill(0)).
 */
export async function unwrapHeader(
  header: MessageHeader,
  keyring: Keyring,
  expectedContext: Record<string, string> | undefined,
  backend: AeadBackend,
): Promise<{ dataKey: Uint8Array; keys: MessageKeys }> {
  if (expectedContext !== undefined) assertContextMatches(expectedContext, header.context);
  const dataKey = await keyring.onDecrypt({
    suiteId: header.suiteId,
    context: header.context,
    encryptedDataKeys: header.encryptedDataKeys,
  });
  if (dataKey === undefined) {
    const ids = header.encryptedDataKeys.map((e) => `${e.providerId}:${e.keyId}`).join(', ');
    throw new IncorrectKeyException(`no keyring could unwrap any of the message's data keys (${ids}): none is for a key this keyring can use, or the header was altered`);
  }
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    throw new InvalidCiphertextException(`the unwrapped data key is not ${DATA_KEY_LENGTH} bytes`);
  }
  const keys = deriveMessageKeys(backend, dataKey, header.messageId, header.suiteId);
  // Precondition: the key commitment matches before anything else uses the derived keys.
  if (!equalBytes(keys.commitment, header.commitment)) {
    wipeMessageKeys(keys);
    dataKey.fill(0);
    throw new InvalidCiphertextException('the header failed authentication: key commitment mismatch (the message id or the data key entry was altered)');
  }
  if (!equalBytes(computeHeaderTag(backend, keys.headerKey, header.authenticatedBytes), header.headerTag)) {
    wipeMessageKeys(keys);
    dataKey.fill(0);
    throw new InvalidCiphertextException('the header failed authentication: the header was altered');
  }
  return { dataKey, keys };
}

/** Authenticates `header` and returns a FrameOpener for its body. */
export async function openMessage(
  header: MessageHeader,
  keyring: Keyring,
  expectedContext: Record<string, string> | undefined,
  backend: AeadBackend,
): Promise<FrameOpener> {
  const { dataKey, keys } = await unwrapHeader(header, keyring, expectedContext, backend);
  try {
    return new FrameOpener(backend, backend.importKey(keys.contentKey), header.messageId, header.frameLength);
  } finally {
    dataKey.fill(0);
    wipeMessageKeys(keys);
  }
}
