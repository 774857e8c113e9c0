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
// encrypt, decrypt, createEncryptStream, createDecryptStream, decryptRange: exported from api.ts in the
// KMS section (same functions, also accepting keyId/keyIds); the keyring-only ones stay at
// '@envelope/core/stream/buffer-api', '.../stream/node-streams' and '.../stream/random-access'.
export { createWebEncryptStream, createWebDecryptStream } from './stream/web-streams.js';
export type { EncryptOptions, DecryptOptions, BackendChoice } from './stream/options.js';
export { bufferSource, readHeader } from './stream/random-access.js';
export type { RandomAccessSource } from './stream/random-access.js';
export { fileSource } from './stream/file-source.js';
export { rewrapHeader } from './stream/rewrap.js';
export type { RewrapOptions } from './stream/rewrap.js';
export type { MessageHeader, HeaderLimits } from './format/header.js';
export { describeHeader } from './format/describe-header.js';
export type { HeaderDescription } from './format/describe-header.js';
export { ciphertextLength, plaintextLength } from './format/lengths.js';
export {
  isEnvelopeMessage, FORMAT_VERSION, SUITE_AES256_GCM_HKDF_SHA512_COMMIT, DEFAULT_FRAME_LENGTH, MIN_FRAME_LENGTH,
  MAX_FRAME_LENGTH, DEFAULT_MAX_ENCRYPTED_DATA_KEYS, DEFAULT_MAX_HEADER_SIZE, DEFAULT_MAX_CONTEXT_SIZE,
} from './format/suite.js';
export type { AeadBackend, AeadKey } from './crypto/aead.js';
export { nodeAead } from './crypto/node-aead.js';
export { nobleAead } from './crypto/noble-aead.js';
export { RawAesKeyring } from './keyrings/raw-aes-keyring.js';
export type { RawAesKeyringOptions } from './keyrings/raw-aes-keyring.js';
export { MultiKeyring } from './keyrings/multi-keyring.js';
export type { MultiKeyringOptions } from './keyrings/multi-keyring.js';

// --- kms / keystore / KmsKeyring (KMS work) ---
export * from './kms/index.js';
export { Keystore, section, KEYSTORE_FILE, ROOT_KEY_FILE, type KeystoreState, type KeystoreOptions } from './keystore/index.js';
export { KmsKeyring, KMS_PROVIDER_ID, type KmsKeyringOptions } from './keyrings/kms-keyring.js';
export {
  encrypt, decrypt, createEncryptStream, createDecryptStream, decryptRange,
  type KmsEncryptOptions, type KmsDecryptOptions, type KmsKeySelection,
} from './api.js';

// --- policy / audit / iam (access-control work) ---

// --- workflows (cross-account work) ---
export { ArtifactStore, type StagedSnapshot } from './workflows/artifact-store.js';
export type { SnapshotMeta, ImageMeta, SnapshotSource, SnapshotLayout, CopyMode, ArtifactScope } from './workflows/artifact-types.js';
export { newArtifactId, assertArtifactId } from './workflows/ids.js';
export { viaCaller, type WorkflowContext, type ProgressListener } from './workflows/workflow-context.js';
export { snapshotViaService, replicationViaService } from './workflows/via-service.js';
export { createSnapshot, resolveKeyArn, type CreateSnapshotInput } from './workflows/create-snapshot.js';
export { exportSnapshot, type ExportSnapshotInput } from './workflows/export-snapshot.js';
export { shareSnapshot, unshareSnapshot, shareImage, readableSnapshot, type ShareInput, type ShareReport } from './workflows/share.js';
export { keyAccessStatement, addKeyAccess, removeKeyAccess, SHARE_KEY_ACTIONS } from './workflows/key-access-statement.js';
export { copySnapshot, planSnapshotCopy, runSnapshotCopy, type CopySnapshotInput, type CopyPlan } from './workflows/copy-snapshot.js';
export { MissingPermissionsException, type MissingPermission, type RequiredPermission } from './workflows/preflight.js';
export { explainKmsAccess } from './workflows/kms-access.js';
export { createImage, copyImage, readableImage, type CreateImageInput, type CopyImageInput, type CopyImageResult } from './workflows/image.js';
export { replicate, type ReplicateInput, type ReplicateResult } from './workflows/replicate.js';
export { ReplicationJournal, JOURNAL_FILE } from './workflows/replication-journal.js';
