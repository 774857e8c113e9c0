/**
 * Asymmetric and MAC primitives behind Sign/Verify, GetPublicKey, RSA Encrypt/Decrypt,
 * DeriveSharedSecret, GenerateMac and GenerateDataKeyPair (AWS KMS Developer Guide, "Key spec
 * reference"). RSA through node:crypto (RFC 8017: OAEP, PSS with salt length = digest length,
 * PKCS #1 v1.5); ECC through @noble/curves (FIPS 186-5 ECDSA, DER signatures; SEC 1 ECDH);
 * HMAC (RFC 2104) through node:crypto. Private keys stay inside the Kms.
 */
import {
  constants, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPair,
  privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt, timingSafeEqual,
  verify as nodeVerify, type KeyObject,
} from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { promisify } from 'node:util';
import type { Random } from '../defaults.js';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import type { DataKeyPairSpec, MacAlgorithmSpec, MessageType, SigningAlgorithmSpec } from './types.js';

const generateKeyPairAsync = promisify(generateKeyPair);

type HashName = 'sha224' | 'sha256' | 'sha384' | 'sha512' | 'sha1';
const HASH_LEN: Record<HashName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export type EccSpec = 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1';
const CURVES = {
  ECC_NIST_P256: { curve: p256, crv: 'P-256', coord: 32 },
  ECC_NIST_P384: { curve: p384, crv: 'P-384', coord: 48 },
  ECC_NIST_P521: { curve: p521, crv: 'P-521', coord: 66 },
  ECC_SECG_P256K1: { curve: secp256k1, crv: 'secp256k1', coord: 32 },
} as const;

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const toU8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);

// --- key generation ---

export interface KeyPairDer { privateKey: Uint8Array /* PKCS#8 DER */; publicKey: Uint8Array /* SPKI DER */ }

/**
 * RSA key pair through node:crypto (its CSPRNG: OpenSSL does not take an injected source),
 * generated off the main thread: RSA 4096 takes seconds and must not stall a server.
 */
export async function generateRsa(bits: number): Promise<KeyPairDer> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  return { privateKey: toU8(privateKey), publicKey: toU8(publicKey) };
}

/** A fresh ECC secret scalar from the injected random source. */
export function generateEccSecret(spec: EccSpec, random: Random): Uint8Array {
  const { curve } = CURVES[spec];
  return curve.utils.randomSecretKey(random(curve.lengths.seed!));
}

function eccJwk(spec: EccSpec, secret: Uint8Array, withPrivate: boolean): Record<string, string> {
  const { curve, crv, coord } = CURVES[spec];
  const pub = curve.getPublicKey(secret, false);
  const jwk: Record<string, string> = {
    kty: 'EC', crv, x: b64u(pub.subarray(1, 1 + coord)), y: b64u(pub.subarray(1 + coord)),
  };
  if (withPrivate) jwk.d = b64u(secret);
  return jwk;
}

export function eccPublicSpki(spec: EccSpec, secret: Uint8Array): Uint8Array {
  return toU8(createPublicKey({ key: eccJwk(spec, secret, false), format: 'jwk' }).export({ type: 'spki', format: 'der' }));
}

export function eccPrivatePkcs8(spec: EccSpec, secret: Uint8Array): Uint8Array {
  return toU8(createPrivateKey({ key: eccJwk(spec, secret, true), format: 'jwk' }).export({ type: 'pkcs8', format: 'der' }));
}

/** GenerateDataKeyPair: a PKCS#8 private key and SPKI public key of the given spec. */
export async function generateDataKeyPair(spec: DataKeyPairSpec, random: Random): Promise<KeyPairDer> {
  if (spec.startsWith('RSA_')) return generateRsa(Number(spec.slice(4)));
  const secret = generateEccSecret(spec as EccSpec, random);
  try {
    return { privateKey: eccPrivatePkcs8(spec as EccSpec, secret), publicKey: eccPublicSpki(spec as EccSpec, secret) };
  } finally {
    secret.fill(0);
  }
}

// --- RSA encryption ---

function rsaPrivate(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

export function oaepHash(alg: string): HashName {
  if (alg === 'RSAES_OAEP_SHA_1') return 'sha1';
  if (alg === 'RSAES_OAEP_SHA_256') return 'sha256';
  throw new ValidationException(`EncryptionAlgorithm ${alg} is not valid for an RSA key; use RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256`);
}

/** Largest plaintext RSAES-OAEP can take: k - 2*hLen - 2 (RFC 8017 §7.1.1). */
export function oaepMaxPlaintext(bits: number, hash: HashName): number {
  return bits / 8 - 2 * HASH_LEN[hash] - 2;
}

/** Public-key operations (Encrypt, Verify) take the key's stored SPKI: the private key stays sealed. */
function publicKeyOf(spki: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
}

export function rsaOaepEncrypt(spki: Uint8Array, hash: HashName, plaintext: Uint8Array): Uint8Array {
  return toU8(publicEncrypt({ key: publicKeyOf(spki), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, plaintext));
}

export function rsaOaepDecrypt(pkcs8: Uint8Array, hash: HashName, ciphertext: Uint8Array): Uint8Array {
  try {
    return toU8(privateDecrypt({ key: rsaPrivate(pkcs8), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, ciphertext));
  } catch {
    throw new InvalidCiphertextException('The ciphertext could not be decrypted with this RSA key and algorithm.');
  }
}

// --- signatures ---

function signingHash(alg: SigningAlgorithmSpec): HashName {
  if (alg.endsWith('SHA_256')) return 'sha256';
  if (alg.endsWith('SHA_384')) return 'sha384';
  return 'sha512';
}

/** The digest that is signed: RAW messages are hashed, DIGEST messages must be a digest. */
function messageDigest(alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType): Uint8Array {
  const hash = signingHash(alg);
  if (type === 'DIGEST') {
    if (message.length !== HASH_LEN[hash]) {
      throw new ValidationException(`Digest is invalid length for algorithm ${alg}: expected ${HASH_LEN[hash]} bytes, got ${message.length}`);
    }
    return message;
  }
  if (message.length > 4096) throw new ValidationException('Message must be at most 4096 bytes; use MessageType DIGEST for larger messages');
  return toU8(createHash(hash).update(message).digest());
}

const DIGEST_INFO: Record<string, string> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

function mgf1(seed: Uint8Array, len: number, hash: HashName): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < len; i++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    const h = createHash(hash).update(seed).update(c).digest();
    out.push(h);
    total += h.length;
  }
  return Buffer.concat(out).subarray(0, len);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with sLen = hLen. */
function pssEncode(mHash: Uint8Array, modBits: number, hash: HashName, random: Random): Buffer {
  const hLen = HASH_LEN[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const salt = random(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - 2 * hLen - 2] = 0x01;
  db.set(salt, emLen - 2 * hLen - 1);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  const k = Math.ceil(modBits / 8);
  return em.length === k ? em : Buffer.concat([Buffer.alloc(k - em.length), em]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with sLen = hLen. */
function pssVerify(mHash: Uint8Array, emFull: Buffer, modBits: number, hash: HashName): boolean {
  const hLen = HASH_LEN[hash];
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const em = emFull.subarray(emFull.length - emLen);
  if (emFull.length > emLen && emFull.subarray(0, emFull.length - emLen).some((b) => b !== 0)) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((maskedDb[0]! & ~(0xff >> (8 * emLen - emBits)) & 0xff) !== 0) return false;
  const mask = mgf1(h, maskedDb.length, hash);
  for (let i = 0; i < maskedDb.length; i++) maskedDb[i]! ^= mask[i]!;
  maskedDb[0]! &= 0xff >> (8 * emLen - emBits);
  const psLen = emLen - 2 * hLen - 2;
  for (let i = 0; i < psLen; i++) if (maskedDb[i] !== 0) return false;
  if (maskedDb[psLen] !== 0x01) return false;
  const salt = maskedDb.subarray(maskedDb.length - hLen);
  const h2 = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(h, h2);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 2048;
}

export function rsaSign(pkcs8: Uint8Array, alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType, random: Random): Uint8Array {
  const hash = signingHash(alg);
  const key = rsaPrivate(pkcs8);
  const pss = alg.startsWith('RSASSA_PSS');
  const digest = messageDigest(alg, message, type);
  if (pss) {
    const em = pssEncode(digest, modulusBits(key), hash, random);
    return toU8(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, em));
  }
  const info = Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]);
  return toU8(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, info));
}

export function rsaVerify(spki: Uint8Array, alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType, signature: Uint8Array): boolean {
  const hash = signingHash(alg);
  const pub = publicKeyOf(spki);
  const digest = messageDigest(alg, message, type);
  if (type === 'RAW') {
    const padding = alg.startsWith('RSASSA_PSS') ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
    return nodeVerify(hash, message, { key: pub, padding, saltLength: HASH_LEN[hash] }, signature);
  }
  try {
    if (alg.startsWith('RSASSA_PSS')) {
      const em = publicDecrypt({ key: pub, padding: constants.RSA_NO_PADDING }, signature);
      return pssVerify(digest, em, modulusBits(pub), hash);
    }
    const info = publicDecrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, signature);
    const expected = Buffer.concat([Buffer.from(DIGEST_INFO[hash]!, 'hex'), digest]);
    return info.length === expected.length && timingSafeEqual(info, expected);
  } catch {
    return false;
  }
}

export function eccSign(spec: EccSpec, secret: Uint8Array, alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType): Uint8Array {
  const digest = messageDigest(alg, message, type);
  return CURVES[spec].curve.sign(digest, secret, { prehash: false, format: 'der', lowS: false });
}

export function eccVerify(spec: EccSpec, spki: Uint8Array, alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType, signature: Uint8Array): boolean {
  const digest = messageDigest(alg, message, type);
  const { curve } = CURVES[spec];
  const point = spkiPoint(spec, spki);
  try {
    return curve.verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}

// --- key agreement ---

/** The uncompressed point (0x04 || x || y) of a DER SPKI public key on the spec's curve. */
function spkiPoint(spec: EccSpec, spki: Uint8Array): Uint8Array {
  const { crv } = CURVES[spec];
  let jwk: { crv?: string; x?: string; y?: string };
  try {
    jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as typeof jwk;
  } catch {
    throw new ValidationException('PublicKey must be a DER-encoded X.509 SubjectPublicKeyInfo');
  }
  if (jwk.crv !== crv || !jwk.x || !jwk.y) {
    throw new ValidationException(`PublicKey must be on curve ${crv} to match the key spec ${spec}`);
  }
  return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]));
}

/** ECDH (SEC 1 §3.3.1): the x-coordinate of d·Q, where Q comes from a DER SPKI on the same curve. */
export function ecdh(spec: EccSpec, secret: Uint8Array, peerSpki: Uint8Array): Uint8Array {
  const { curve, coord } = CURVES[spec];
  const shared = curve.getSharedSecret(secret, spkiPoint(spec, peerSpki), true);
  return shared.slice(1, 1 + coord);
}

// --- HMAC ---

export function macHash(alg: MacAlgorithmSpec): HashName {
  return ({ HMAC_SHA_224: 'sha224', HMAC_SHA_256: 'sha256', HMAC_SHA_384: 'sha384', HMAC_SHA_512: 'sha512' } as const)[alg];
}

export function hmac(alg: MacAlgorithmSpec, key: Uint8Array, message: Uint8Array): Uint8Array {
  return toU8(createHmac(macHash(alg), key).update(message).digest());
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

