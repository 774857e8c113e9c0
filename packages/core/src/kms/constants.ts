/**
 * Defaults and limits of the local KMS, following the AWS KMS API Reference (request syntax
 * length constraints and "Quotas" in the AWS KMS Developer Guide).
 */
export const DEFAULT_ACCOUNT_ID = '111122223333';
export const DEFAULT_REGION = 'us-east-1';
export const PARTITION = 'aws';

/** Encrypt: Plaintext is 1 to 4096 bytes. */
export const MAX_PLAINTEXT_BYTES = 4096;
/** CiphertextBlob is 1 to 6144 bytes. */
export const MAX_CIPHERTEXT_BYTES = 6144;
/** GenerateDataKey / GenerateRandom NumberOfBytes: 1 to 1024. */
export const MAX_DATA_KEY_BYTES = 1024;
/** ScheduleKeyDeletion PendingWindowInDays: 7 to 30, default 30. */
export const MIN_PENDING_WINDOW_DAYS = 7;
export const MAX_PENDING_WINDOW_DAYS = 30;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;
/** EnableKeyRotation RotationPeriodInDays: 90 to 2560, default 365. */
export const MIN_ROTATION_PERIOD_DAYS = 90;
export const MAX_ROTATION_PERIOD_DAYS = 2560;
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
/** GetParametersForImport: the import token and public key are valid for 24 hours. */
export const IMPORT_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
/** Description: 0 to 8192 characters. */
export const MAX_DESCRIPTION_LENGTH = 8192;
/** Tags: at most 50 per key; TagKey 1-128, TagValue 0-256 characters. */
export const MAX_TAGS = 50;
/** Policy documents: at most 32 KiB. */
export const MAX_POLICY_BYTES = 32 * 1024;
/** ListKeys / ListAliases / ListResourceTags / ListKeyRotations Limit: 1 to 1000 (default 100 / 50). */
export const MAX_LIST_LIMIT = 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;
