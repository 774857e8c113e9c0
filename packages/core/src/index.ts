/**
 * @envelope/core public API. Each section is owned by one area; add exports under your section.
 */

// --- errors, clock and randomness ---
export * from './errors.js';
export type { Clock, Random } from './defaults.js';
export { systemClock, systemRandom } from './defaults.js';

// --- keyrings: interface ---
export type { Keyring, EncryptedDataKey, EncryptRequest, EncryptResult, DecryptRequest } from './keyrings/keyring.js';
export { AwsKmsKeyring, AWS_KMS_PROVIDER_ID, parseKmsArn, type AwsKmsKeyringOptions, type DiscoveryFilter } from './keyrings/aws-kms-keyring.js';

// --- crypto / format / stream (format & streams work) ---

// --- kms / keystore / KmsKeyring (KMS work) ---

// --- policy / audit / iam (access-control work) ---

// --- workflows (cross-account work) ---
