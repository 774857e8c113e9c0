/**
 * The persisted shape of the "kms" keystore section: key records (one per key ARN; a
 * multi-Region replica is its own record with the same key id), key versions with sealed
 * material, aliases and import tokens. AWS KMS Developer Guide, "AWS KMS concepts".
 */
import type { ExpirationModelType, KeyManagerType, KeySpec, KeyState, KeyUsage, OriginType, Tag, WrappingKeySpec, AlgorithmSpec } from './types.js';

/** One version of a key's material ("key material" / KeyMaterialId in AWS). */
export interface KeyVersionRecord {
  /** 32 hex characters; carried in ciphertext blobs. */
  id: string;
  /** ms since epoch: when this version was created (the rotation date for rotations). */
  createdAt: number;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** The material sealed under the root key, AAD = `${keyId}/${versionId}`. Absent once deleted. */
  sealed?: Uint8Array;
}

export interface KeyRecord {
  arn: string;
  keyId: string;
  accountId: string;
  region: string;
  createdAt: number;
  description: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: OriginType;
  keyManager: KeyManagerType;
  state: KeyState;
  /** Key state to return to is always Disabled after CancelKeyDeletion (AWS semantics). */
  deletionDate?: number;
  pendingWindowDays?: number;
  policy: string;
  tags: Tag[];
  multiRegion: boolean;
  /** For multi-Region keys: the primary's region (shared view kept on every related record). */
  primaryRegion?: string;
  rotation: { enabled: boolean; periodDays?: number; nextRotation?: number; onDemandStartedAt?: number };
  /** Ordered oldest → newest; the last is the current version. */
  versions: KeyVersionRecord[];
  /** Asymmetric keys: DER SubjectPublicKeyInfo. */
  publicKey?: Uint8Array;
  /** Imported material. */
  validTo?: number;
  expirationModel?: ExpirationModelType;
  /** SHA-256 of the imported material: re-imports must bring the same bytes. */
  importedDigest?: Uint8Array;
  /** AWS-managed keys: the service name of `alias/aws/<service>`. */
  awsService?: string;
}

export interface AliasRecord {
  accountId: string;
  region: string;
  /** "alias/..." */
  name: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export interface ImportTokenRecord {
  keyArn: string;
  wrappingAlgorithm: AlgorithmSpec;
  wrappingKeySpec: WrappingKeySpec;
  /** PKCS#8 DER private key of the wrapping key pair, sealed. */
  sealedPrivateKey: Uint8Array;
  validTo: number;
}

export interface KmsSection {
  /** By key ARN. */
  keys: Record<string, KeyRecord>;
  /** By `${accountId}:${region}:${aliasName}`. */
  aliases: Record<string, AliasRecord>;
  /** By hex token id. */
  importTokens: Record<string, ImportTokenRecord>;
  /** Earliest time at which maintenance (rotation, deletion, expiry) is due; undefined = none. */
  nextDueAt?: number;
}

export const KMS_SECTION = 'kms';

export function emptyKmsSection(): KmsSection {
  return { keys: {}, aliases: {}, importTokens: {} };
}

export function aliasKey(accountId: string, region: string, name: string): string {
  return `${accountId}:${region}:${name}`;
}

export function currentVersion(rec: KeyRecord): KeyVersionRecord | undefined {
  return rec.versions[rec.versions.length - 1];
}
