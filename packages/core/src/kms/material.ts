/**
 * Key material per key spec, sealed at rest under the root key (docs/KMS.md "Key material"):
 * SYMMETRIC_DEFAULT 32 random bytes (an AES-256 key); HMAC_* random bytes of the hash length;
 * ECC_* the secret scalar; RSA_* the PKCS#8 DER private key. Unsealed only inside an operation.
 */
import type { Random } from '../defaults.js';
import type { Sealer } from '../keystore/sealer.js';
import { KMSInvalidStateException } from '../errors.js';
import { eccPublicSpki, generateEccSecret, generateRsa, type EccSpec } from './asymmetric.js';
import { hmacKeyLength, keyFamily } from './key-specs.js';
import type { KeyRecord, KeyVersionRecord } from './key-record.js';
import type { KeySpec } from './types.js';

export interface NewMaterial {
  material: Uint8Array;
  publicKey?: Uint8Array;
}

export function generateMaterial(spec: KeySpec, random: Random): NewMaterial {
  switch (keyFamily(spec)) {
    case 'symmetric':
      return { material: random(32) };
    case 'hmac':
      return { material: random(hmacKeyLength(spec)) };
    case 'ecc': {
      const secret = generateEccSecret(spec as EccSpec, random);
      return { material: secret, publicKey: eccPublicSpki(spec as EccSpec, secret) };
    }
    case 'rsa': {
      const pair = generateRsa(Number(spec.slice(4)));
      return { material: pair.privateKey, publicKey: pair.publicKey };
    }
  }
}

function aad(keyId: string, versionId: string): string {
  return `envelope-kms/key-material/v1/${keyId}/${versionId}`;
}

export function sealMaterial(sealer: Sealer, keyId: string, versionId: string, material: Uint8Array): Uint8Array {
  return sealer.seal(material, aad(keyId, versionId));
}

/** Unseals a version's material; a version whose material was deleted gives KMSInvalidStateException. */
export function unsealVersion(sealer: Sealer, key: KeyRecord, version: KeyVersionRecord): Uint8Array {
  if (!version.sealed) throw new KMSInvalidStateException(`${key.arn} is pending import.`);
  return sealer.open(version.sealed, aad(key.keyId, version.id));
}

export function currentMaterial(sealer: Sealer, key: KeyRecord): { version: KeyVersionRecord; material: Uint8Array } {
  const version = key.versions[key.versions.length - 1];
  if (!version) throw new KMSInvalidStateException(`${key.arn} is pending import.`);
  return { version, material: unsealVersion(sealer, key, version) };
}
