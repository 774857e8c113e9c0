/**
 * '@envelope/core/local-kms': the embedded KMS alone (the Kms, its keystore, IAM and profiles, the
 * KmsKeyring over it), for shells that call the KMS without encrypting files in the same breath:
 * no workflows, Node or Web stream API, pure-JS cipher or AWS SDK is loaded. The same classes as the
 * package root's (one module each), so `instanceof` holds across both entries. The CLI's key,
 * alias, grant, policy, IAM and profile commands start through it (docs/PERFORMANCE.md, "CLI start-up").
 */
export * from './errors.js';
export type { Clock, Random } from './defaults.js';
export { systemClock, systemRandom } from './defaults.js';
export type { Keyring, EncryptedDataKey, EncryptRequest, EncryptResult, DecryptRequest } from './keyrings/keyring.js';
export * from './kms/index.js';
export { Keystore, section, KEYSTORE_FILE, ROOT_KEY_FILE, type KeystoreState, type KeystoreOptions } from './keystore/index.js';
export { KmsKeyring, KMS_PROVIDER_ID, type KmsKeyringOptions } from './keyrings/kms-keyring.js';
export {
  Iam, MAX_ACCESS_KEYS_PER_USER, type SectionStore, type IamOptions, type UserView, type RoleView,
  type AccessKeyMetadata, type AccessKeyLookup,
} from './iam/iam.js';
export { IAM_SECTION, DEFAULT_PROFILE, DEFAULT_IAM_ACCOUNT, type IamState, type ProfileRecord } from './iam/iam-state.js';
export {
  Sts, STS_SECTION, MIN_SESSION_SECONDS, DEFAULT_SESSION_SECONDS, type StsOptions, type AssumeRoleRequest, type AssumeRoleResponse,
  type Credentials, type GetCallerIdentityResponse, type SessionLookup,
} from './sts/sts.js';
// One KMS interface, two implementations: the remote one loads the AWS SDK on its first call.
export { KMS_API_OPERATIONS, type KmsApi, type KmsOperationName } from './kms/kms-api.js';
export { RemoteKms, loadKmsSdk, kmsErrorFromSdk, awsProfileExists, type RemoteKmsOptions } from './kms/remote-kms.js';
export { keyringFor, type KeyringForOptions } from './keyrings/keyring-for.js';
export { AWS_KMS_PROVIDER_ID } from './keyrings/aws-kms-keyring.js';
