/**
 * AES-256-GCM on node:crypto (OpenSSL; NIST SP 800-38D): the default, hot-path backend in Node.
 * Keys are imported once as KeyObjects; each frame is one createCipheriv call fed piece by piece
 * (no concatenation of input). Node-only: browser bundles must not import this file.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { AEAD_TAG_LENGTH, type AeadBackend, type AeadKey } from './aead.js';

interface NodeKey extends AeadKey {
  readonly keyObject: KeyObject;
}

function asKey(key: AeadKey): KeyObject {
  if (key.backend !== 'node') throw new TypeError(`"key" was imported by the ${key.backend} backend, not node`);
  return (key as NodeKey).keyObject;
}

export const nodeAead: AeadBackend = {
  name: 'node',
  importKey(key: Uint8Array): AeadKey {
    const keyObject = createSecretKey(key);
    const nodeKey: NodeKey = { backend: 'node', keyObject, destroy: () => undefined };
    return nodeKey;
  },
  seal(key, nonce, aad, plaintext) {
    const cipher = createCipheriv('aes-256-gcm', asKey(key), nonce, { authTagLength: AEAD_TAG_LENGTH });
    cipher.setAAD(aad);
    const out: Uint8Array[] = [];
    for (const p of plaintext) {
      if (p.length > 0) out.push(cipher.update(p));
    }
    const rest = cipher.final();
    if (rest.length > 0) out.push(rest);
    out.push(cipher.getAuthTag());
    return out;
  },
  open(key, nonce, aad, ciphertext, tag) {
    const decipher = createDecipheriv('aes-256-gcm', asKey(key), nonce, { authTagLength: AEAD_TAG_LENGTH });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    const out: Uint8Array[] = [];
    for (const c of ciphertext) {
      if (c.length > 0) out.push(decipher.update(c));
    }
    try {
      const rest = decipher.final();
      if (rest.length > 0) out.push(rest);
    } catch {
      for (const o of out) o.fill(0);
      return undefined;
    }
    return out;
  },
  hkdfSha512: (ikm, salt, info, length) => new Uint8Array(hkdfSync('sha512', ikm, salt, info, length)),
  hmacSha256: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
};
