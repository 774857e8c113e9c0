/**
 * One-shot `encrypt` / `decrypt` over byte arrays: thin wrappers over the same session, sealer and
 * decoder the streams use (ARCHITECTURE.md "Streams are the primitive"; docs/FORMAT.md §5.1 for
 * the exact output size).
 */
import { concatBytes } from '../crypto/aead.js';
import { systemRandom } from '../defaults.js';
import { abytes } from '../format/assert.js';
import type { MessageHeader } from '../format/header.js';
import { ciphertextLength } from '../format/lengths.js';
import { startEncryption } from './encrypt-session.js';
import { MessageDecoder } from './message-decoder.js';
import { resolveNodeBackend } from './node-backend.js';
import type { DecryptOptions, EncryptOptions } from './options.js';

/** Encrypts `plaintext` into one Envelope message. */
export async function encrypt(plaintext: Uint8Array, opts: EncryptOptions): Promise<Uint8Array> {
  abytes(plaintext, undefined, 'plaintext');
  const session = await startEncryption(opts, await resolveNodeBackend(opts?.backend), opts?.random ?? systemRandom);
  const out = new Uint8Array(ciphertextLength(plaintext.length, session.headerBytes.length, session.sealer.frameLength));
  out.set(session.headerBytes, 0);
  const pieces: Uint8Array[] = [];
  session.sealer.write(plaintext, pieces);
  session.sealer.end(pieces);
  let at = session.headerBytes.length;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decrypts one Envelope message; returns the plaintext and the authenticated header. */
export async function decrypt(ciphertext: Uint8Array, opts: DecryptOptions): Promise<{ plaintext: Uint8Array; header: MessageHeader }> {
  abytes(ciphertext, undefined, 'ciphertext');
  const decoder = new MessageDecoder(opts, await resolveNodeBackend(opts?.backend), (h) => opts.onHeader?.(h));
  const pieces: Uint8Array[] = [];
  await decoder.write(ciphertext, pieces);
  decoder.end(pieces);
  const plaintext = pieces.length === 1 ? new Uint8Array(pieces[0]!) : concatBytes(pieces);
  return { plaintext, header: decoder.header! };
}
