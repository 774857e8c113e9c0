/**
 * AWS KMS request and response shapes (AWS KMS API Reference, "Actions" and "Data Types").
 * Field names are AWS's; blobs are Uint8Array; timestamps are Date.
 */

export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1'
  | 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type KeyState =
  | 'Creating' | 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport'
  | 'PendingReplicaDeletion' | 'Unavailable' | 'Updating';
export type OriginType = 'AWS_KMS' | 'EXTERNAL';
export type KeyManagerType = 'AWS' | 'CUSTOMER';
export type EncryptionAlgorithmSpec = 'SYMMETRIC_DEFAULT' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
export type SigningAlgorithmSpec =
  | 'RSASSA_PSS_SHA_256' | 'RSASSA_PSS_SHA_384' | 'RSASSA_PSS_SHA_512'
  | 'RSASSA_PKCS1_V1_5_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_384' | 'RSASSA_PKCS1_V1_5_SHA_512'
  | 'ECDSA_SHA_256' | 'ECDSA_SHA_384' | 'ECDSA_SHA_512';
export type MacAlgorithmSpec = 'HMAC_SHA_224' | 'HMAC_SHA_256' | 'HMAC_SHA_384' | 'HMAC_SHA_512';
export type KeyAgreementAlgorithmSpec = 'ECDH';
export type DataKeySpec = 'AES_128' | 'AES_256';
export type DataKeyPairSpec =
  | 'RSA_2048' | 'RSA_3072' | 'RSA_4096'
  | 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521' | 'ECC_SECG_P256K1';
export type MessageType = 'RAW' | 'DIGEST';
export type ExpirationModelType = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
export type AlgorithmSpec = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
export type EncryptionContext = Record<string, string>;

export interface Tag { TagKey: string; TagValue: string }

export interface MultiRegionKey { Arn: string; Region: string }
export interface MultiRegionConfiguration {
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA';
  PrimaryKey: MultiRegionKey;
  ReplicaKeys: MultiRegionKey[];
}

export interface KeyMetadata {
  AWSAccountId: string;
  KeyId: string;
  Arn: string;
  CreationDate: Date;
  Enabled: boolean;
  Description: string;
  KeyUsage: KeyUsage;
  KeyState: KeyState;
  DeletionDate?: Date;
  ValidTo?: Date;
  Origin: OriginType;
  ExpirationModel?: ExpirationModelType;
  KeyManager: KeyManagerType;
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  EncryptionAlgorithms?: EncryptionAlgorithmSpec[];
  SigningAlgorithms?: SigningAlgorithmSpec[];
  MacAlgorithms?: MacAlgorithmSpec[];
  KeyAgreementAlgorithms?: KeyAgreementAlgorithmSpec[];
  MultiRegion: boolean;
  MultiRegionConfiguration?: MultiRegionConfiguration;
  PendingDeletionWindowInDays?: number;
  CurrentKeyMaterialId?: string;
}

export interface KeyIdRequest { KeyId: string }
export interface KeyIdResponse { KeyId: string }

export interface CreateKeyRequest {
  Description?: string;
  KeyUsage?: KeyUsage;
  KeySpec?: KeySpec;
  /** Legacy name of KeySpec. */
  CustomerMasterKeySpec?: KeySpec;
  Origin?: OriginType;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
  MultiRegion?: boolean;
}
export interface CreateKeyResponse { KeyMetadata: KeyMetadata }
export interface DescribeKeyRequest { KeyId: string; GrantTokens?: string[] }
export interface DescribeKeyResponse { KeyMetadata: KeyMetadata }
export interface ListKeysRequest { Limit?: number; Marker?: string }
export interface KeyListEntry { KeyId: string; KeyArn: string }
export interface ListKeysResponse { Keys: KeyListEntry[]; NextMarker?: string; Truncated: boolean }
export interface UpdateKeyDescriptionRequest { KeyId: string; Description: string }
export interface TagResourceRequest { KeyId: string; Tags: Tag[] }
export interface UntagResourceRequest { KeyId: string; TagKeys: string[] }
export interface ListResourceTagsRequest { KeyId: string; Limit?: number; Marker?: string }
export interface ListResourceTagsResponse { Tags: Tag[]; NextMarker?: string; Truncated: boolean }
export interface ScheduleKeyDeletionRequest { KeyId: string; PendingWindowInDays?: number }
export interface ScheduleKeyDeletionResponse {
  KeyId: string;
  DeletionDate: Date;
  KeyState: KeyState;
  PendingWindowInDays: number;
}

export interface CreateAliasRequest { AliasName: string; TargetKeyId: string }
export interface UpdateAliasRequest { AliasName: string; TargetKeyId: string }
export interface DeleteAliasRequest { AliasName: string }
export interface ListAliasesRequest { KeyId?: string; Limit?: number; Marker?: string }
export interface AliasListEntry {
  AliasName: string;
  AliasArn: string;
  TargetKeyId?: string;
  CreationDate?: Date;
  LastUpdatedDate?: Date;
}
export interface ListAliasesResponse { Aliases: AliasListEntry[]; NextMarker?: string; Truncated: boolean }

export interface EncryptRequest {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: EncryptionAlgorithmSpec;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface EncryptResponse { CiphertextBlob: Uint8Array; KeyId: string; EncryptionAlgorithm: EncryptionAlgorithmSpec }
export interface DecryptRequest {
  CiphertextBlob: Uint8Array;
  KeyId?: string;
  EncryptionContext?: EncryptionContext;
  EncryptionAlgorithm?: EncryptionAlgorithmSpec;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface DecryptResponse {
  KeyId: string;
  Plaintext: Uint8Array;
  EncryptionAlgorithm: EncryptionAlgorithmSpec;
  KeyMaterialId?: string;
}
export interface ReEncryptRequest {
  CiphertextBlob: Uint8Array;
  SourceKeyId?: string;
  SourceEncryptionContext?: EncryptionContext;
  SourceEncryptionAlgorithm?: EncryptionAlgorithmSpec;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  DestinationEncryptionAlgorithm?: EncryptionAlgorithmSpec;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface ReEncryptResponse {
  CiphertextBlob: Uint8Array;
  SourceKeyId: string;
  KeyId: string;
  SourceEncryptionAlgorithm: EncryptionAlgorithmSpec;
  DestinationEncryptionAlgorithm: EncryptionAlgorithmSpec;
}
export interface GenerateDataKeyRequest {
  KeyId: string;
  KeySpec?: DataKeySpec;
  NumberOfBytes?: number;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface GenerateDataKeyResponse { CiphertextBlob: Uint8Array; Plaintext: Uint8Array; KeyId: string; KeyMaterialId?: string }
export interface GenerateDataKeyWithoutPlaintextResponse { CiphertextBlob: Uint8Array; KeyId: string; KeyMaterialId?: string }
export interface GenerateDataKeyPairRequest {
  KeyId: string;
  KeyPairSpec: DataKeyPairSpec;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface GenerateDataKeyPairResponse {
  PrivateKeyCiphertextBlob: Uint8Array;
  PrivateKeyPlaintext: Uint8Array;
  PublicKey: Uint8Array;
  KeyId: string;
  KeyPairSpec: DataKeyPairSpec;
}
export type GenerateDataKeyPairWithoutPlaintextResponse = Omit<GenerateDataKeyPairResponse, 'PrivateKeyPlaintext'>;
export interface GenerateRandomRequest { NumberOfBytes: number }
export interface GenerateRandomResponse { Plaintext: Uint8Array }

export interface SignRequest {
  KeyId: string;
  Message: Uint8Array;
  MessageType?: MessageType;
  SigningAlgorithm: SigningAlgorithmSpec;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface SignResponse { KeyId: string; Signature: Uint8Array; SigningAlgorithm: SigningAlgorithmSpec }
export interface VerifyRequest extends SignRequest { Signature: Uint8Array }
export interface VerifyResponse { KeyId: string; SignatureValid: boolean; SigningAlgorithm: SigningAlgorithmSpec }
export interface GetPublicKeyRequest { KeyId: string; GrantTokens?: string[] }
export interface GetPublicKeyResponse {
  KeyId: string;
  PublicKey: Uint8Array;
  CustomerMasterKeySpec: KeySpec;
  KeySpec: KeySpec;
  KeyUsage: KeyUsage;
  EncryptionAlgorithms?: EncryptionAlgorithmSpec[];
  SigningAlgorithms?: SigningAlgorithmSpec[];
  KeyAgreementAlgorithms?: KeyAgreementAlgorithmSpec[];
}
export interface GenerateMacRequest { KeyId: string; Message: Uint8Array; MacAlgorithm: MacAlgorithmSpec; GrantTokens?: string[]; DryRun?: boolean }
export interface GenerateMacResponse { KeyId: string; Mac: Uint8Array; MacAlgorithm: MacAlgorithmSpec }
export interface VerifyMacRequest extends GenerateMacRequest { Mac: Uint8Array }
export interface VerifyMacResponse { KeyId: string; MacValid: boolean; MacAlgorithm: MacAlgorithmSpec }
export interface DeriveSharedSecretRequest {
  KeyId: string;
  KeyAgreementAlgorithm: KeyAgreementAlgorithmSpec;
  PublicKey: Uint8Array;
  GrantTokens?: string[];
  /** Check permissions and key state only (DryRunOperationException when they pass). */
  DryRun?: boolean;
}
export interface DeriveSharedSecretResponse {
  KeyId: string;
  SharedSecret: Uint8Array;
  KeyAgreementAlgorithm: KeyAgreementAlgorithmSpec;
  KeyOrigin: OriginType;
}

export interface EnableKeyRotationRequest { KeyId: string; RotationPeriodInDays?: number }
export interface GetKeyRotationStatusResponse {
  KeyRotationEnabled: boolean;
  KeyId: string;
  RotationPeriodInDays?: number;
  NextRotationDate?: Date;
  OnDemandRotationStartDate?: Date;
}
export interface ListKeyRotationsRequest { KeyId: string; Limit?: number; Marker?: string }
export interface RotationsListEntry { KeyId: string; RotationDate: Date; RotationType: 'AUTOMATIC' | 'ON_DEMAND'; KeyMaterialId: string }
export interface ListKeyRotationsResponse { Rotations: RotationsListEntry[]; NextMarker?: string; Truncated: boolean }

export interface GetParametersForImportRequest {
  KeyId: string;
  WrappingAlgorithm: AlgorithmSpec;
  WrappingKeySpec: WrappingKeySpec;
}
export interface GetParametersForImportResponse {
  KeyId: string;
  ImportToken: Uint8Array;
  PublicKey: Uint8Array;
  ParametersValidTo: Date;
}
export interface ImportKeyMaterialRequest {
  KeyId: string;
  ImportToken: Uint8Array;
  EncryptedKeyMaterial: Uint8Array;
  ValidTo?: Date;
  ExpirationModel?: ExpirationModelType;
}
export interface ImportKeyMaterialResponse { KeyId: string; KeyMaterialId: string }

export interface ReplicateKeyRequest {
  KeyId: string;
  ReplicaRegion: string;
  Description?: string;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
}
export interface ReplicateKeyResponse { ReplicaKeyMetadata: KeyMetadata; ReplicaPolicy: string; ReplicaTags: Tag[] }
export interface UpdatePrimaryRegionRequest { KeyId: string; PrimaryRegion: string }
