/**
 * A JSON-friendly view of a header for `envelope inspect` (docs/FORMAT.md §3): everything a
 * reader learns without keys. Wrapped data keys are omitted (they are opaque and not useful).
 */
import type { MessageHeader } from './header.js';
import { bodyLayout } from './lengths.js';
import { SUITE_NAMES } from './suite.js';

export interface HeaderDescription {
  version: number;
  suiteId: number;
  suite: string;
  messageId: string;
  context: Record<string, string>;
  encryptedDataKeys: { providerId: string; keyId: string; providerInfo: string }[];
  frameLength: number;
  headerLength: number;
  ciphertextLength?: number;
  plaintextLength?: number;
  frameCount?: number;
}

/** Describes `header`; with the total ciphertext size it adds the exact plaintext length. */
export function describeHeader(header: MessageHeader, totalCiphertextSize?: number): HeaderDescription {
  const out: HeaderDescription = {
    version: header.version,
    suiteId: header.suiteId,
    suite: SUITE_NAMES[header.suiteId] ?? 'unknown',
    messageId: toHex(header.messageId),
    context: { ...header.context },
    encryptedDataKeys: header.encryptedDataKeys.map((e) => ({ providerId: e.providerId, keyId: e.keyId, providerInfo: e.providerInfo })),
    frameLength: header.frameLength,
    headerLength: header.headerLength,
  };
  if (totalCiphertextSize !== undefined) {
    const layout = bodyLayout(totalCiphertextSize - header.headerLength, header.frameLength);
    out.ciphertextLength = totalCiphertextSize;
    out.plaintextLength = layout.plaintextLength;
    out.frameCount = layout.fullFrames + 1;
  }
  return out;
}

function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
