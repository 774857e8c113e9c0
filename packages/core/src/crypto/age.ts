/**
 * age X25519 recipients, from the age specification (C2SP age.md, "age-encryption.org/v1"):
 * enough of age to wrap and unwrap a SOPS data key, whose `enc` field is an armored age file.
 *
 * - Recipient `age1…` = bech32(hrp "age", X25519 public key); identity `AGE-SECRET-KEY-1…` =
 *   bech32 upper case (hrp "age-secret-key-", X25519 scalar).
 * - File key: 16 random bytes. X25519 stanza `-> X25519 <b64(ephemeral share)>` with body
 *   ChaCha20-Poly1305(key = HKDF-SHA-256(ikm = shared secret, salt = share || recipient,
 *   info = "age-encryption.org/v1/X25519"), nonce = 0^12, file key).
 * - Header MAC: HMAC-SHA-256(HKDF-SHA-256(ikm = file key, salt = "", info = "header"), header up to
 *   and including "---"). Payload: 16-byte nonce, then 64 KiB chunks of ChaCha20-Poly1305 under
 *   HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload") with nonce = 11-byte big-endian
 *   counter || last-chunk flag.
 * - Base64 in the header is standard, unpadded; armor is PEM-like with padded base64, 64 columns.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Random } from '../defaults.js';
import { bech32Decode, bech32Encode } from './bech32.js';

const VERSION_LINE = 'age-encryption.org/v1';
const X25519_LABEL = 'age-encryption.org/v1/X25519';
const CHUNK = 64 * 1024;
const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const utf8 = new TextEncoder();

export class AgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeError';
  }
}

export interface AgeIdentity {
  readonly secret: Uint8Array;
  readonly recipient: string;
}

export function parseRecipient(r: string): Uint8Array {
  let d: { hrp: string; data: Uint8Array };
  try {
    d = bech32Decode(r);
  } catch (e) {
    throw new AgeError(`not an age X25519 recipient (${(e as Error).message}): ${r}`);
  }
  if (d.hrp !== 'age' || d.data.length !== 32 || r !== r.toLowerCase()) throw new AgeError(`not an age X25519 recipient: ${r}`);
  return d.data;
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/**
 * The X25519 public key of `secret` (RFC 7748 `X25519(secret, 9)`), through node:crypto: the same
 * bytes as `x25519.getPublicKey`, without its one-off base-point table (≈150 ms per process).
 */
function x25519PublicKey(secret: Uint8Array): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, secret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(priv).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(spki.length - 32));
}

export function parseIdentity(s: string): AgeIdentity {
  let d: { hrp: string; data: Uint8Array };
  try {
    d = bech32Decode(s);
  } catch (e) {
    throw new AgeError(`not an age X25519 identity (${(e as Error).message})`);
  }
  if (d.hrp !== 'age-secret-key-' || d.data.length !== 32 || s !== s.toUpperCase()) throw new AgeError('not an age X25519 identity');
  return { secret: d.data, recipient: bech32Encode('age', x25519PublicKey(d.data)) };
}

export function identityToString(secret: Uint8Array): string {
  return bech32Encode('age-secret-key-', secret).toUpperCase();
}

export function generateIdentity(random: Random): AgeIdentity {
  const secret = random(32);
  return { secret, recipient: bech32Encode('age', x25519PublicKey(secret)) };
}

/** Identities from a keys.txt-style text: one `AGE-SECRET-KEY-1…` per line, `#` comments, blanks. */
export function parseIdentities(text: string): AgeIdentity[] {
  const out: AgeIdentity[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('AGE-PLUGIN-') || line.startsWith('AGE-SECRET-KEY-PQ-')) continue; // not supported: skipped
    out.push(parseIdentity(line));
  }
  return out;
}

const b64raw = (u: Uint8Array) => Buffer.from(u).toString('base64').replace(/=+$/, '');
function unb64raw(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*$/.test(s) || s.length % 4 === 1) throw new AgeError('invalid base64 in header');
  const u = new Uint8Array(Buffer.from(s, 'base64'));
  if (b64raw(u) !== s) throw new AgeError('non-canonical base64 in header');
  return u;
}

function streamEncrypt(key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  for (let i = 0; i < n; i++) {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(7, i);
    if (i === n - 1) nonce[11] = 1;
    parts.push(chacha20poly1305(key, nonce).encrypt(plaintext.subarray(i * CHUNK, (i + 1) * CHUNK)));
  }
  return Buffer.concat(parts);
}

function streamDecrypt(key: Uint8Array, payload: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  const sealed = CHUNK + 16;
  for (let i = 0, off = 0; ; i++) {
    const last = payload.length - off <= sealed;
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(7, i);
    if (last) nonce[11] = 1;
    const chunk = payload.subarray(off, off + sealed);
    if (chunk.length < 16) throw new AgeError('truncated payload');
    try {
      parts.push(chacha20poly1305(key, nonce).decrypt(chunk));
    } catch {
      throw new AgeError('payload authentication failed');
    }
    off += chunk.length;
    if (last) {
      if (parts[parts.length - 1]!.length === 0 && i > 0) throw new AgeError('empty last chunk');
      return Buffer.concat(parts);
    }
  }
}

/** Encrypts `plaintext` to X25519 recipients as a binary age file. */
export function ageEncrypt(plaintext: Uint8Array, recipients: readonly string[], random: Random): Uint8Array {
  if (recipients.length === 0) throw new AgeError('no recipients');
  const fileKey = random(16);
  let header = `${VERSION_LINE}\n`;
  for (const r of recipients) {
    const pub = parseRecipient(r);
    const eph = random(32);
    const share = x25519PublicKey(eph);
    const shared = x25519.getSharedSecret(eph, pub);
    const wrapKey = hkdf(sha256, shared, Buffer.concat([share, pub]), utf8.encode(X25519_LABEL), 32);
    const body = chacha20poly1305(wrapKey, new Uint8Array(12)).encrypt(fileKey);
    const b = b64raw(body);
    header += `-> X25519 ${b64raw(share)}\n${(b.match(/.{1,64}/g) ?? ['']).join('\n')}\n`;
    if (b.length % 64 === 0) header += '\n';
  }
  header += '---';
  const mac = hmac(sha256, hkdf(sha256, fileKey, new Uint8Array(0), utf8.encode('header'), 32), utf8.encode(header));
  header += ` ${b64raw(mac)}\n`;
  const nonce = random(16);
  const payloadKey = hkdf(sha256, fileKey, nonce, utf8.encode('payload'), 32);
  const out = Buffer.concat([utf8.encode(header), nonce, streamEncrypt(payloadKey, plaintext)]);
  fileKey.fill(0);
  return new Uint8Array(out);
}

interface Stanza {
  readonly type: string;
  readonly args: string[];
  readonly body: Uint8Array;
}

/** Decrypts a binary age file with the first identity that unwraps an X25519 stanza. */
export function ageDecrypt(file: Uint8Array, identities: readonly AgeIdentity[]): Uint8Array {
  const buf = Buffer.from(file);
  let pos = 0;
  const line = (): string => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw new AgeError('truncated header');
    const l = buf.subarray(pos, nl).toString('latin1');
    pos = nl + 1;
    return l;
  };
  if (line() !== VERSION_LINE) throw new AgeError('not an age v1 file');
  const stanzas: Stanza[] = [];
  let macLine: string;
  for (;;) {
    const l = line();
    if (l.startsWith('--- ')) {
      macLine = l;
      break;
    }
    if (!l.startsWith('-> ')) throw new AgeError('malformed header');
    const [type, ...args] = l.slice(3).split(' ');
    const chunks: string[] = [];
    for (;;) {
      const b = line();
      chunks.push(b);
      if (b.length > 64) throw new AgeError('malformed stanza body');
      if (b.length < 64) break;
    }
    stanzas.push({ type: type!, args, body: unb64raw(chunks.join('')) });
  }
  const headerText = buf.subarray(0, pos - macLine.length - 1 + 3).toString('latin1');
  const mac = unb64raw(macLine.slice(4));
  const payload = buf.subarray(pos);
  let lastError = 'no X25519 stanza in the file';
  for (const s of stanzas) {
    if (s.type !== 'X25519') continue;
    if (s.args.length !== 1) throw new AgeError('malformed X25519 stanza');
    const share = unb64raw(s.args[0]!);
    if (share.length !== 32 || s.body.length !== 32) throw new AgeError('malformed X25519 stanza');
    for (const id of identities) {
      let shared: Uint8Array;
      try {
        shared = x25519.getSharedSecret(id.secret, share);
      } catch {
        throw new AgeError('X25519 stanza with a low-order share');
      }
      const pub = x25519PublicKey(id.secret);
      const wrapKey = hkdf(sha256, shared, Buffer.concat([share, pub]), utf8.encode(X25519_LABEL), 32);
      let fileKey: Uint8Array;
      try {
        fileKey = chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(s.body);
      } catch {
        lastError = 'no identity matches a recipient of the file';
        continue;
      }
      const want = hmac(sha256, hkdf(sha256, fileKey, new Uint8Array(0), utf8.encode('header'), 32), utf8.encode(headerText));
      if (!Buffer.from(want).equals(Buffer.from(mac))) throw new AgeError('header MAC mismatch');
      if (payload.length < 16) throw new AgeError('truncated payload');
      const payloadKey = hkdf(sha256, fileKey, payload.subarray(0, 16), utf8.encode('payload'), 32);
      fileKey.fill(0);
      return streamDecrypt(payloadKey, payload.subarray(16));
    }
    lastError = identities.length === 0 ? 'no age identity available' : 'no identity matches a recipient of the file';
  }
  throw new AgeError(lastError);
}

export function armor(file: Uint8Array): string {
  const b = Buffer.from(file).toString('base64');
  return `${ARMOR_BEGIN}\n${(b.match(/.{1,64}/g) ?? []).join('\n')}\n${ARMOR_END}\n`;
}

export function dearmor(text: string): Uint8Array {
  const t = text.trim();
  if (!t.startsWith(ARMOR_BEGIN) || !t.endsWith(ARMOR_END)) throw new AgeError('not an armored age file');
  const body = t.slice(ARMOR_BEGIN.length, t.length - ARMOR_END.length).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new AgeError('invalid armor');
  return new Uint8Array(Buffer.from(body, 'base64'));
}
