/**
 * Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext (AWS KMS API
 * Reference). Symmetric keys use the ciphertext blob of ciphertext-blob.ts (the newest version
 * encrypts, every version decrypts); RSA ENCRYPT_DECRYPT keys use RSAES-OAEP.
 */
import {
  IncorrectKeyException, InvalidCiphertextException, InvalidKeyUsageException, ValidationException,
} from '../../errors.js';
import { MAX_CIPHERTEXT_BYTES, MAX_DATA_KEY_BYTES, MAX_PLAINTEXT_BYTES } from '../constants.js';
import { oaepHash, oaepMaxPlaintext, rsaOaepDecrypt, rsaOaepEncrypt } from '../asymmetric.js';
import { openBlob, parseBlobHeader, sealBlob } from '../ciphertext-blob.js';
import { keyArn } from '../identifiers.js';
import type { KeyRecord } from '../key-record.js';
import { currentMaterial, publicKeyOf, unsealVersion } from '../material.js';
import { keyIdTarget, keyOf, type KeyTarget, type OpContext, type Operation, type ResolveEnv } from '../operation.js';
import type {
  DecryptRequest, DecryptResponse, EncryptionAlgorithmSpec, EncryptionContext, EncryptRequest, EncryptResponse,
  GenerateDataKeyRequest, GenerateDataKeyResponse, GenerateDataKeyWithoutPlaintextResponse, ReEncryptRequest, ReEncryptResponse,
} from '../types.js';
import { optionalInt, requireBytes, requireString, validateContext } from './validate.js';

function requireUsage(key: KeyRecord, usage: KeyRecord['keyUsage'], op: string): void {
  if (key.keyUsage !== usage) {
    throw new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${op}.`);
  }
}

function algorithmFor(key: KeyRecord, alg: EncryptionAlgorithmSpec | undefined): EncryptionAlgorithmSpec {
  if (key.keySpec === 'SYMMETRIC_DEFAULT') {
    if (alg !== undefined && alg !== 'SYMMETRIC_DEFAULT') {
      throw new InvalidKeyUsageException(`Algorithm ${alg} is incompatible with key spec SYMMETRIC_DEFAULT.`);
    }
    return 'SYMMETRIC_DEFAULT';
  }
  if (alg === undefined || alg === 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`Algorithm ${alg ?? 'SYMMETRIC_DEFAULT'} is incompatible with key spec ${key.keySpec}; use RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256.`);
  }
  oaepHash(alg);
  return alg;
}

/** Encrypts under a key (the door has resolved, state-checked and authorized it). */
export function encryptUnder(ctx: OpContext, key: KeyRecord, plaintext: Uint8Array, ec: EncryptionContext | undefined, alg?: EncryptionAlgorithmSpec): { blob: Uint8Array; alg: EncryptionAlgorithmSpec; versionId?: string } {
  requireUsage(key, 'ENCRYPT_DECRYPT', 'Encrypt');
  const algorithm = algorithmFor(key, alg);
  if (algorithm === 'SYMMETRIC_DEFAULT') {
    const { version, material } = currentMaterial(ctx.sealer, key);
    try {
      const blob = sealBlob({ accountId: key.accountId, keyId: key.keyId, versionId: version.id }, material, plaintext, ec, ctx.random);
      return { blob, alg: algorithm, versionId: version.id };
    } finally {
      material.fill(0);
    }
  }
  if (ec && Object.keys(ec).length > 0) throw new ValidationException('EncryptionContext is not supported with asymmetric KMS keys');
  const hash = oaepHash(algorithm);
  const max = oaepMaxPlaintext(Number(key.keySpec.slice(4)), hash);
  if (plaintext.length > max) throw new ValidationException(`Plaintext must be at most ${max} bytes for ${key.keySpec} with ${algorithm}`);
  // RSA: the public key encrypts; the private key stays sealed.
  return { blob: rsaOaepEncrypt(publicKeyOf(key), hash, plaintext), alg: algorithm };
}

/** Decrypts with a key; symmetric blobs must name this key (IncorrectKeyException otherwise). */
export function decryptWith(ctx: OpContext, key: KeyRecord, blob: Uint8Array, ec: EncryptionContext | undefined, alg?: EncryptionAlgorithmSpec): { plaintext: Uint8Array; alg: EncryptionAlgorithmSpec; versionId?: string } {
  requireUsage(key, 'ENCRYPT_DECRYPT', 'Decrypt');
  const algorithm = algorithmFor(key, alg);
  if (algorithm === 'SYMMETRIC_DEFAULT') {
    const { header, headerLength } = parseBlobHeader(blob);
    if (header.keyId !== key.keyId || header.accountId !== key.accountId) {
      throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
    }
    const version = key.versions.find((v) => v.id === header.versionId);
    if (!version) throw new InvalidCiphertextException('The ciphertext refers to a key version that does not exist.');
    const material = unsealVersion(ctx.sealer, key, version);
    try {
      return { plaintext: openBlob(blob, headerLength, material, ec), alg: algorithm, versionId: version.id };
    } finally {
      material.fill(0);
    }
  }
  if (ec && Object.keys(ec).length > 0) throw new ValidationException('EncryptionContext is not supported with asymmetric KMS keys');
  const { material } = currentMaterial(ctx.sealer, key);
  try {
    return { plaintext: rsaOaepDecrypt(material, oaepHash(algorithm), blob), alg: algorithm };
  } finally {
    material.fill(0);
  }
}

/** The key a Decrypt/ReEncrypt source names: KeyId if given, else the key named in the blob. */
export function sourceTarget(blob: Uint8Array, keyId: string | undefined, env: ResolveEnv, role: 'target' | 'source', field: string, action: string): KeyTarget {
  if (keyId !== undefined) return { role, ref: keyId, field, action };
  const { header } = parseBlobHeader(blob);
  return { role, ref: keyArn(env.region, header.accountId, header.keyId), field: 'CiphertextBlob', action };
}

export const encryptOp: Operation<EncryptRequest, EncryptResponse> = {
  name: 'Encrypt',
  mutates: false,
  validate(req) {
    requireString(req.KeyId, 'KeyId');
    requireBytes(req.Plaintext, 'Plaintext', 1, MAX_PLAINTEXT_BYTES);
    validateContext(req.EncryptionContext);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    const r = encryptUnder(ctx, key, req.Plaintext, req.EncryptionContext, req.EncryptionAlgorithm);
    return { CiphertextBlob: r.blob, KeyId: key.arn, EncryptionAlgorithm: r.alg };
  },
};

export const decryptOp: Operation<DecryptRequest, DecryptResponse> = {
  name: 'Decrypt',
  mutates: false,
  validate(req) {
    requireBytes(req.CiphertextBlob, 'CiphertextBlob', 1, MAX_CIPHERTEXT_BYTES);
    validateContext(req.EncryptionContext);
  },
  targets: (req, env) => [sourceTarget(req.CiphertextBlob, req.KeyId, env, 'target', 'KeyId', 'kms:Decrypt')],
  act(ctx, req) {
    const key = keyOf(ctx);
    const r = decryptWith(ctx, key, req.CiphertextBlob, req.EncryptionContext, req.EncryptionAlgorithm);
    const res: DecryptResponse = { KeyId: key.arn, Plaintext: r.plaintext, EncryptionAlgorithm: r.alg };
    if (r.versionId) res.KeyMaterialId = r.versionId;
    return res;
  },
};

export const reEncryptOp: Operation<ReEncryptRequest, ReEncryptResponse> = {
  name: 'ReEncrypt',
  mutates: false,
  validate(req) {
    requireBytes(req.CiphertextBlob, 'CiphertextBlob', 1, MAX_CIPHERTEXT_BYTES);
    requireString(req.DestinationKeyId, 'DestinationKeyId');
    validateContext(req.SourceEncryptionContext, 'SourceEncryptionContext');
    validateContext(req.DestinationEncryptionContext, 'DestinationEncryptionContext');
  },
  targets: (req, env) => [
    sourceTarget(req.CiphertextBlob, req.SourceKeyId, env, 'source', 'SourceKeyId', 'kms:ReEncryptFrom'),
    { role: 'destination', ref: req.DestinationKeyId, field: 'DestinationKeyId', action: 'kms:ReEncryptTo' },
  ],
  act(ctx, req) {
    const src = keyOf(ctx, 'source');
    const dst = keyOf(ctx, 'destination');
    const d = decryptWith(ctx, src, req.CiphertextBlob, req.SourceEncryptionContext, req.SourceEncryptionAlgorithm);
    try {
      const e = encryptUnder(ctx, dst, d.plaintext, req.DestinationEncryptionContext, req.DestinationEncryptionAlgorithm);
      return { CiphertextBlob: e.blob, SourceKeyId: src.arn, KeyId: dst.arn, SourceEncryptionAlgorithm: d.alg, DestinationEncryptionAlgorithm: e.alg };
    } finally {
      d.plaintext.fill(0);
    }
  },
};

function dataKeyLength(req: GenerateDataKeyRequest): number {
  if (req.KeySpec !== undefined && req.NumberOfBytes !== undefined) {
    throw new ValidationException('Specify either KeySpec or NumberOfBytes, not both');
  }
  if (req.KeySpec === 'AES_256') return 32;
  if (req.KeySpec === 'AES_128') return 16;
  if (req.KeySpec !== undefined) throw new ValidationException(`KeySpec must be AES_128 or AES_256, got ${String(req.KeySpec)}`);
  const n = optionalInt(req.NumberOfBytes, 'NumberOfBytes', 1, MAX_DATA_KEY_BYTES);
  if (n === undefined) throw new ValidationException('Please specify either KeySpec or NumberOfBytes');
  return n;
}

function generateDataKey(ctx: OpContext, req: GenerateDataKeyRequest): GenerateDataKeyResponse {
  const key = keyOf(ctx);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`${key.arn} is not a symmetric encryption key; data keys need a SYMMETRIC_DEFAULT key.`);
  }
  const plaintext = ctx.random(dataKeyLength(req));
  const r = encryptUnder(ctx, key, plaintext, req.EncryptionContext);
  const res: GenerateDataKeyResponse = { CiphertextBlob: r.blob, Plaintext: plaintext, KeyId: key.arn };
  if (r.versionId) res.KeyMaterialId = r.versionId;
  return res;
}

const dataKeyValidate = (req: GenerateDataKeyRequest) => {
  requireString(req.KeyId, 'KeyId');
  dataKeyLength(req);
  validateContext(req.EncryptionContext);
};

export const generateDataKeyOp: Operation<GenerateDataKeyRequest, GenerateDataKeyResponse> = {
  name: 'GenerateDataKey',
  mutates: false,
  validate: dataKeyValidate,
  targets: keyIdTarget,
  act: generateDataKey,
};

export const generateDataKeyWithoutPlaintextOp: Operation<GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextResponse> = {
  name: 'GenerateDataKeyWithoutPlaintext',
  mutates: false,
  validate: dataKeyValidate,
  targets: keyIdTarget,
  act(ctx, req) {
    const { Plaintext, ...rest } = generateDataKey(ctx, req);
    Plaintext.fill(0);
    return rest;
  },
};
