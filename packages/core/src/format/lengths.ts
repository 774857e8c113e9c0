/**
 * Exact length arithmetic (docs/FORMAT.md §5.1):
 *   ciphertextLength = headerLength + L + 16 · (floor(L / F) + 1)
 * and its inverse, which rejects impossible body lengths.
 */
import { InvalidCiphertextException } from '../errors.js';
import { anumber } from './assert.js';
import { GCM_TAG_LENGTH, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from './suite.js';

/** Ciphertext length of a message with `plaintextLength` bytes. */
export function ciphertextLength(plaintextLength: number, headerLength: number, frameLength: number): number {
  anumber(plaintextLength, 0, Number.MAX_SAFE_INTEGER, 'plaintextLength');
  anumber(headerLength, 0, Number.MAX_SAFE_INTEGER, 'headerLength');
  anumber(frameLength, MIN_FRAME_LENGTH, MAX_FRAME_LENGTH, 'frameLength');
  return headerLength + plaintextLength + GCM_TAG_LENGTH * (Math.floor(plaintextLength / frameLength) + 1);
}

/** Layout of a body: `fullFrames` frames of F bytes then a final frame of `finalLength` (< F) bytes. */
export interface BodyLayout {
  readonly plaintextLength: number;
  readonly fullFrames: number;
  readonly finalLength: number;
}

/** Splits a body of `bodyLength` ciphertext bytes into frames; throws when no message has that length. */
export function bodyLayout(bodyLength: number, frameLength: number): BodyLayout {
  if (bodyLength < GCM_TAG_LENGTH) {
    throw new InvalidCiphertextException('message is truncated: the body is shorter than one final frame');
  }
  const fullFrames = Math.floor((bodyLength - GCM_TAG_LENGTH) / (frameLength + GCM_TAG_LENGTH));
  const finalLength = (bodyLength - GCM_TAG_LENGTH) % (frameLength + GCM_TAG_LENGTH);
  if (finalLength >= frameLength) {
    throw new InvalidCiphertextException('message is truncated or has trailing bytes: the body length matches no frame layout');
  }
  return { plaintextLength: fullFrames * frameLength + finalLength, fullFrames, finalLength };
}

/** Plaintext length of a message of `ciphertextLength` bytes; throws InvalidCiphertextException when impossible. */
export function plaintextLength(ciphertextLength: number, headerLength: number, frameLength: number): number {
  anumber(ciphertextLength, 0, Number.MAX_SAFE_INTEGER, 'ciphertextLength');
  anumber(headerLength, 0, Number.MAX_SAFE_INTEGER, 'headerLength');
  anumber(frameLength, MIN_FRAME_LENGTH, MAX_FRAME_LENGTH, 'frameLength');
  if (ciphertextLength < headerLength) throw new InvalidCiphertextException('message is shorter than its header');
  return bodyLayout(ciphertextLength - headerLength, frameLength).plaintextLength;
}
