/**
 * Portable AES-256-GCM backend on @noble/ciphers `gcm` (NIST SP 800-38D). Used by the Web Streams
 * variants (browsers, VS Code for the web) and held byte-identical to node-aead.ts by tests.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { AEAD_TAG_LENGTH, concatBytes, type AeadBackend, type AeadKey } from './aead.js';

interface NobleKey extends AeadKey {
  readonly bytes: Uint8Array;
}

function asKey(key: AeadKey): NobleKey {
  if (key.backend !== 'noble') throw new TypeError(`"key" was imported by the ${key.backend} backend, not noble`);
  return key as NobleKey;
}

export const nobleAead: AeadBackend = {
  name: 'noble',
  importKey(raw: Uint8Array): AeadKey {
    const bytes = new Uint8Array(raw);
    const key: NobleKey = { backend: 'noble', bytes, destroy: () => bytes.fill(0) };
    return key;
  },
  seal(key, nonce, aad, plaintext) {
    const out = gcm(asKey(key).bytes, nonce, aad).encrypt(concatBytes(plaintext));
    const split = out.length - AEAD_TAG_LENGTH;
    return [out.subarray(0, split), out.subarray(split)];
  },
  open(key, nonce, aad, ciphertext, tag) {
    const ct = concatBytes([...ciphertext, tag]);
    try {
      return [gcm(asKey(key).bytes, nonce, aad).decrypt(ct)];
    } catch {
      return undefined;
    }
  },
  hkdfSha512: (ikm, salt, info, length) => hkdf(sha512, ikm, salt, info, length),
  hmacSha256: (key, data) => hmac(sha256, key, data),
};
