/**
 * Key specs and the usages and algorithms each allows (AWS KMS Developer Guide, "Key spec
 * reference").
 */
import { ValidationException } from '../errors.js';
import type {
  EncryptionAlgorithmSpec, KeyAgreementAlgorithmSpec, KeySpec, KeyUsage, MacAlgorithmSpec, SigningAlgorithmSpec,
} from './types.js';

export const KEY_SPECS: readonly KeySpec[] = [
  'SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096',
  'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
  'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512',
];

const RSA_SIGNING: SigningAlgorithmSpec[] = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
];

export type KeyFamily = 'symmetric' | 'rsa' | 'ecc' | 'hmac';

export function keyFamily(spec: KeySpec): KeyFamily {
  if (spec === 'SYMMETRIC_DEFAULT') return 'symmetric';
  if (spec.startsWith('RSA_')) return 'rsa';
  if (spec.startsWith('ECC_')) return 'ecc';
  return 'hmac';
}

export function allowedUsages(spec: KeySpec): KeyUsage[] {
  switch (keyFamily(spec)) {
    case 'symmetric': return ['ENCRYPT_DECRYPT'];
    case 'rsa': return ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'];
    case 'ecc': return ['SIGN_VERIFY', 'KEY_AGREEMENT'];
    case 'hmac': return ['GENERATE_VERIFY_MAC'];
  }
}

export function validateSpecUsage(spec: KeySpec, usage: KeyUsage): void {
  if (!KEY_SPECS.includes(spec)) {
    throw new ValidationException(`1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [${KEY_SPECS.join(', ')}]`);
  }
  if (!allowedUsages(spec).includes(usage)) {
    throw new ValidationException(`KeyUsage ${usage} is not compatible with KeySpec ${spec}; specify KeyUsage ${allowedUsages(spec).join(' or ')}`);
  }
}

export function encryptionAlgorithms(spec: KeySpec, usage: KeyUsage): EncryptionAlgorithmSpec[] | undefined {
  if (usage !== 'ENCRYPT_DECRYPT') return undefined;
  return spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
}

export function signingAlgorithms(spec: KeySpec, usage: KeyUsage): SigningAlgorithmSpec[] | undefined {
  if (usage !== 'SIGN_VERIFY') return undefined;
  if (keyFamily(spec) === 'rsa') return RSA_SIGNING;
  switch (spec) {
    case 'ECC_NIST_P256': case 'ECC_SECG_P256K1': return ['ECDSA_SHA_256'];
    case 'ECC_NIST_P384': return ['ECDSA_SHA_384'];
    case 'ECC_NIST_P521': return ['ECDSA_SHA_512'];
    default: return undefined;
  }
}

export function macAlgorithms(spec: KeySpec): MacAlgorithmSpec[] | undefined {
  switch (spec) {
    case 'HMAC_224': return ['HMAC_SHA_224'];
    case 'HMAC_256': return ['HMAC_SHA_256'];
    case 'HMAC_384': return ['HMAC_SHA_384'];
    case 'HMAC_512': return ['HMAC_SHA_512'];
    default: return undefined;
  }
}

export function keyAgreementAlgorithms(usage: KeyUsage): KeyAgreementAlgorithmSpec[] | undefined {
  return usage === 'KEY_AGREEMENT' ? ['ECDH'] : undefined;
}

/** HMAC key lengths in bytes (the hash's output length). */
export function hmacKeyLength(spec: KeySpec): number {
  return { HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 }[spec as 'HMAC_224'] ?? 32;
}
