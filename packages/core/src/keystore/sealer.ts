/**
 * Sealing key material at rest: AES-256-GCM (NIST SP 800-38D) under the keystore root key.
 * This is the keystore's "HSM boundary": sealed bytes are persisted, unsealed bytes never leave
 * the Kms. Layout of a sealed value: IV (12 bytes) || ciphertext || tag (16 bytes).
 * The AAD binds each sealed value to its purpose (e.g. the key ARN and version id).
 */
import { createCipheriv } from 'node:crypto';
import { gcmOpenSecret } from '../crypto/gcm-open-secret.js';
import type { Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';

export const ROOT_KEY_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface Sealer {
  seal(plaintext: Uint8Array, aad: string): Uint8Array;
  /** Throws KeystoreException when the value was not sealed by this root key for this AAD. */
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

/** A Sealer over a 32-byte root key. */
export function createSealer(rootKey: Uint8Array, random: Random): Sealer {
  if (!(rootKey instanceof Uint8Array) || rootKey.length !== ROOT_KEY_LENGTH) {
    throw new KeystoreException(`"rootKey" expected ${ROOT_KEY_LENGTH} bytes, got ${rootKey?.length ?? typeof rootKey}`);
  }
  const key = Buffer.from(rootKey);
  return {
    seal(plaintext, aad) {
      const iv = random(IV_LENGTH);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(Buffer.from(aad, 'utf8'));
      const body = c.update(plaintext);
      const final = c.final();
      const out = new Uint8Array(IV_LENGTH + body.length + final.length + TAG_LENGTH);
      out.set(iv, 0);
      out.set(body, IV_LENGTH);
      out.set(final, IV_LENGTH + body.length);
      out.set(c.getAuthTag(), IV_LENGTH + body.length + final.length);
      return out;
    },
    open(sealed, aad) {
      if (sealed.length < IV_LENGTH + TAG_LENGTH) throw new KeystoreException('Sealed value is truncated');
      // Key material: the caller gets the only copy (it zeroes it after use).
      const out = gcmOpenSecret(key, sealed.subarray(0, IV_LENGTH), Buffer.from(aad, 'utf8'), sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH), sealed.subarray(sealed.length - TAG_LENGTH));
      if (out === undefined) throw new KeystoreException('Sealed value does not open under this root key (wrong root key or corrupted keystore)');
      return out;
    },
  };
}
