/**
 * AES-256-GCM decryption of secrets (NIST SP 800-38D) through node:crypto, leaving exactly one
 * copy of the plaintext: node's own output buffers (pooled memory) are zeroed, including the
 * unauthenticated output when the tag does not verify. Used where the plaintext is key material
 * or a KMS plaintext (keystore sealing, KMS ciphertext blobs); the message format's hot path uses
 * the AeadBackend instead.
 */
import { createDecipheriv } from 'node:crypto';

/** The plaintext, or `undefined` when the tag does not verify (the caller throws its own typed error). */
export function gcmOpenSecret(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(aad);
  d.setAuthTag(tag);
  const body = d.update(ciphertext);
  try {
    const last = d.final();
    const out = new Uint8Array(body.length + last.length);
    out.set(body);
    out.set(last, body.length);
    last.fill(0);
    return out;
  } catch {
    return undefined;
  } finally {
    body.fill(0);
  }
}
