/**
 * The AWS KMS operations (AWS KMS API Reference, "Actions"), one table shared by `envelope serve`
 * (X-Amz-Target: TrentService.<Operation>) and `envelope kms <Operation>`. The local `Kms` has one
 * method per operation, named exactly like the operation; an AWS operation the local Kms does not
 * implement is reported as UnsupportedOperationException, an unknown name as UnknownOperationException.
 */

export const KMS_OPERATIONS = [
  'CancelKeyDeletion',
  'ConnectCustomKeyStore',
  'CreateAlias',
  'CreateCustomKeyStore',
  'CreateGrant',
  'CreateKey',
  'Decrypt',
  'DeleteAlias',
  'DeleteCustomKeyStore',
  'DeleteImportedKeyMaterial',
  'DeriveSharedSecret',
  'DescribeCustomKeyStores',
  'DescribeKey',
  'DisableKey',
  'DisableKeyRotation',
  'DisconnectCustomKeyStore',
  'EnableKey',
  'EnableKeyRotation',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyPolicy',
  'GetKeyRotationStatus',
  'GetParametersForImport',
  'GetPublicKey',
  'ImportKeyMaterial',
  'ListAliases',
  'ListGrants',
  'ListKeyPolicies',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ListRetirableGrants',
  'PutKeyPolicy',
  'ReEncrypt',
  'ReplicateKey',
  'RetireGrant',
  'RevokeGrant',
  'RotateKeyOnDemand',
  'ScheduleKeyDeletion',
  'Sign',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'UpdateCustomKeyStore',
  'UpdateKeyDescription',
  'UpdatePrimaryRegion',
  'Verify',
  'VerifyMac',
] as const;

export type KmsOperationName = (typeof KMS_OPERATIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(KMS_OPERATIONS);

export function isKmsOperation(name: string): name is KmsOperationName {
  return KNOWN.has(name);
}

/** The X-Amz-Target prefix of AWS KMS's JSON 1.1 protocol. */
export const KMS_TARGET_PREFIX = 'TrentService.';
