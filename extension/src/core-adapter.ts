/**
 * The extension's only door into @envelope/core (docs/EXTENSION.md "Design"): every core name the
 * extension uses is imported here, so a renamed export is fixed in one place. Also holds the
 * AWS-shaped `KmsApi` both backends implement (the embedded `Kms` and an AWS-compatible endpoint
 * through @aws-sdk/client-kms), named after the AWS KMS operations the extension calls.
 */
export {
  AwsKmsKeyring,
  createDecryptStream,
  createEncryptStream,
  decrypt,
  defaultHome,
  describeHeader,
  encrypt,
  fileSource,
  isEnvelopeMessage,
  KmsKeyring,
  keyringFor,
  openDefaultKms,
  RemoteKms,
  readHeader,
  rootCaller,
  ValidationException,
  InvalidCiphertextException,
  systemRandom,
  // SOPS-compatible config files (the SOPS editor, sops-document.ts)
  openConfig,
  reencrypt,
  formatForPath,
  parsePlain,
  parseEncryptedConfig,
  readConfigMetadata,
  decryptDocument,
} from '@envelope/core';
export type { CallContext, HeaderDescription, Keyring, Kms, MessageHeader } from '@envelope/core';
export type { ConfigFormat, ConfigKeyOptions, ConfigKms, OpenedConfig, SopsMetadata, KeyEntry as SopsKeyEntry } from '@envelope/core';

/** Key metadata fields the extension shows (AWS KMS DescribeKey KeyMetadata). */
export interface KeyMetadataView {
  KeyId?: string;
  Arn?: string;
  KeyState?: string;
  KeySpec?: string;
  KeyUsage?: string;
  Description?: string;
  Enabled?: boolean;
  CreationDate?: Date;
  DeletionDate?: Date;
  KeyManager?: string;
  Origin?: string;
}

export interface AliasView {
  AliasName?: string;
  AliasArn?: string;
  TargetKeyId?: string;
}

export interface RotationView {
  KeyMaterialId?: string;
  RotationDate?: Date;
  RotationType?: string;
}

/** The AWS KMS operations the extension calls, in AWS request/response shapes. */
export interface KmsApi {
  ListKeys(req: { Limit?: number; Marker?: string }): Promise<{ Keys?: { KeyId?: string; KeyArn?: string }[]; NextMarker?: string; Truncated?: boolean }>;
  ListAliases(req: { KeyId?: string; Limit?: number; Marker?: string }): Promise<{ Aliases?: AliasView[]; NextMarker?: string; Truncated?: boolean }>;
  DescribeKey(req: { KeyId: string }): Promise<{ KeyMetadata?: KeyMetadataView }>;
  CreateKey(req: { Description?: string; KeySpec?: 'SYMMETRIC_DEFAULT'; KeyUsage?: 'ENCRYPT_DECRYPT' }): Promise<{ KeyMetadata?: KeyMetadataView }>;
  CreateAlias(req: { AliasName: string; TargetKeyId: string }): Promise<unknown>;
  EnableKey(req: { KeyId: string }): Promise<unknown>;
  DisableKey(req: { KeyId: string }): Promise<unknown>;
  ScheduleKeyDeletion(req: { KeyId: string; PendingWindowInDays?: number }): Promise<{ DeletionDate?: Date; KeyState?: string }>;
  RotateKeyOnDemand(req: { KeyId: string }): Promise<unknown>;
  GetKeyRotationStatus(req: { KeyId: string }): Promise<{ KeyRotationEnabled?: boolean; RotationPeriodInDays?: number; NextRotationDate?: Date; OnDemandRotationStartDate?: Date }>;
  ListKeyRotations(req: { KeyId: string; Limit?: number; Marker?: string }): Promise<{ Rotations?: RotationView[]; NextMarker?: string; Truncated?: boolean }>;
}

export const KMS_API_OPERATIONS = [
  'ListKeys', 'ListAliases', 'DescribeKey', 'CreateKey', 'CreateAlias', 'EnableKey', 'DisableKey',
  'ScheduleKeyDeletion', 'RotateKeyOnDemand', 'GetKeyRotationStatus', 'ListKeyRotations',
] as const satisfies readonly (keyof KmsApi)[];
