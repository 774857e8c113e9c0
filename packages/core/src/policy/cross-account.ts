/**
 * Cross-account scope of every KMS operation: the "Cross-account use" column of AWS's KMS
 * permissions reference (AWS KMS Developer Guide, "AWS KMS permissions"; the same statement heads
 * each operation's page of the AWS KMS API Reference). A principal of another account can call
 * only the operations marked "Yes" on a key; for every other operation a permission granted to
 * another account "has no effect" — the call is denied whatever the key policy, IAM policies or
 * grants say. Pure data plus one pure check.
 */
import { accessDecision, type AccessDecision } from './evaluate.js';
import type { Principal } from './principal.js';

/** "yes": may act on another account's key; "no": own account's keys only; "not-applicable": no key involved. */
export type CrossAccountUse = 'yes' | 'no' | 'not-applicable';

/** Every operation of the Kms (the AWS KMS API Reference's value, plus our GetOrCreateAwsManagedKey). */
export const KMS_CROSS_ACCOUNT_USE: Readonly<Record<string, CrossAccountUse>> = Object.freeze({
  CancelKeyDeletion: 'no',
  CreateAlias: 'no',
  CreateGrant: 'yes',
  CreateKey: 'no',
  Decrypt: 'yes',
  DeleteAlias: 'no',
  DeleteImportedKeyMaterial: 'no',
  DeriveSharedSecret: 'yes',
  DescribeKey: 'yes',
  DisableKey: 'no',
  DisableKeyRotation: 'no',
  EnableKey: 'no',
  EnableKeyRotation: 'no',
  Encrypt: 'yes',
  GenerateDataKey: 'yes',
  GenerateDataKeyPair: 'yes',
  GenerateDataKeyPairWithoutPlaintext: 'yes',
  GenerateDataKeyWithoutPlaintext: 'yes',
  GenerateMac: 'yes',
  GenerateRandom: 'not-applicable',
  GetKeyPolicy: 'no',
  GetKeyRotationStatus: 'yes',
  GetParametersForImport: 'no',
  GetPublicKey: 'yes',
  ImportKeyMaterial: 'no',
  ListAliases: 'no',
  ListGrants: 'yes',
  ListKeyPolicies: 'no',
  ListKeyRotations: 'no',
  ListKeys: 'no',
  ListResourceTags: 'no',
  // "You must specify a principal in your AWS account" (it lists grants, not a key's).
  ListRetirableGrants: 'no',
  PutKeyPolicy: 'no',
  ReEncrypt: 'yes',
  ReplicateKey: 'no',
  RetireGrant: 'yes',
  RevokeGrant: 'yes',
  RotateKeyOnDemand: 'no',
  ScheduleKeyDeletion: 'no',
  Sign: 'yes',
  TagResource: 'no',
  UntagResource: 'no',
  UpdateAlias: 'no',
  UpdateKeyDescription: 'no',
  UpdatePrimaryRegion: 'no',
  Verify: 'yes',
  VerifyMac: 'yes',
  // Not an AWS API: AWS managed keys serve their own account only.
  GetOrCreateAwsManagedKey: 'no',
});

/** The cross-account use of an operation ("Encrypt") or IAM action ("kms:ReEncryptFrom"); unknown ones are "no". */
export function crossAccountUseOf(operationOrAction: string): CrossAccountUse {
  let name = operationOrAction.startsWith('kms:') ? operationOrAction.slice(4) : operationOrAction;
  if (name === 'ReEncryptFrom' || name === 'ReEncryptTo') name = 'ReEncrypt';
  return Object.hasOwn(KMS_CROSS_ACCOUNT_USE, name) ? KMS_CROSS_ACCOUNT_USE[name]! : 'no';
}

/**
 * The deny a principal of another account gets for an operation that is not marked for
 * cross-account use; undefined when the scope does not decide (same account, a service
 * principal, or an operation marked "Yes").
 */
export function crossAccountScopeDenial(operation: string, action: string, principal: Principal, resource: { arn: string; accountId: string }): AccessDecision | undefined {
  if (principal.type === 'AWSService' || principal.accountId === resource.accountId) return undefined;
  if (crossAccountUseOf(operation) === 'yes' && crossAccountUseOf(action) === 'yes') return undefined;
  return accessDecision(false, 'cross-account-scope',
    `${action} cannot be used across accounts (AWS KMS "Cross-account use": No): ${resource.arn} belongs to account ${resource.accountId}, ` +
      `not ${principal.accountId}, and a permission granted to another account for it has no effect`);
}
