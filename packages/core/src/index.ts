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
// KMS section (same functions, also accepting keyId/keyIds); the keyring-only ones are exported by
// '@envelope/core/streams' (streams.ts), the Web Streams ones also by '@envelope/core/web-streams'.
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
export { AgeKeyring, AGE_PROVIDER_ID, type AgeKeyringOptions } from './keyrings/age-keyring.js';
export type { MultiKeyringOptions } from './keyrings/multi-keyring.js';

// --- kms / keystore / KmsKeyring (KMS work) ---
export * from './kms/index.js';
export { Keystore, section, KEYSTORE_FILE, ROOT_KEY_FILE, type KeystoreState, type KeystoreOptions } from './keystore/index.js';
export { KmsKeyring, KMS_PROVIDER_ID, type KmsKeyringOptions } from './keyrings/kms-keyring.js';
export {
  encrypt, decrypt, createEncryptStream, createDecryptStream, decryptRange,
  type KmsEncryptOptions, type KmsDecryptOptions, type KmsKeySelection,
} from './api.js';

// --- one KMS interface, two implementations: the embedded Kms and a remote one (remote work) ---
export { KMS_API_OPERATIONS, type KmsApi, type KmsOperationName } from './kms/kms-api.js';
export { RemoteKms, loadKmsSdk, kmsErrorFromSdk, awsProfileExists, type RemoteKmsOptions } from './kms/remote-kms.js';
export { MasterKeyKms, type MasterKeyKmsOptions, type MasterKeyRef } from './kms/master-key-kms.js';
export { keyringFor, type KeyringForOptions } from './keyrings/keyring-for.js';

// --- policy / audit / iam (access-control work) ---
// Policy grammar, evaluation and explain (docs/ACCESS.md "Policies" and "Evaluation").
export {
  parsePolicyDocument, validatePolicyObject, statementLabel, MAX_KEY_POLICY_BYTES, MAX_IDENTITY_POLICY_BYTES,
  type PolicyDocument, type PolicyStatement, type PrincipalSpec, type ConditionClause, type Effect, type ParsePolicyOptions,
} from './policy/policy-document.js';
export {
  evaluateAccess, evaluateIdentityOnly, type AccessRequest, type AccessDecision, type MatchedStatement, type MatchedGrant,
  type DecisionBasis, type NamedPolicy, type IdentityOnlyRequest,
} from './policy/evaluate.js';
export { evaluateCondition, CONDITION_OPERATORS, type ConditionContext } from './policy/condition-operators.js';
export { buildConditionContext, type RequestFacts } from './policy/request-context.js';
export { parsePrincipal, tryParsePrincipal, rootArn, isAccountId, type Principal, type PrincipalType } from './policy/principal.js';
export { awsManagedKeyPolicy, DEFAULT_POLICY_NAME } from './policy/default-key-policy.js';
export { checkPolicyLockout, type LockoutCheckInput } from './policy/lockout-check.js';
export { KMS_CROSS_ACCOUNT_USE, crossAccountUseOf, crossAccountScopeDenial, type CrossAccountUse } from './policy/cross-account.js';
export { GRANT_OPERATIONS, grantAllows, constraintsSatisfied, type GrantRecord, type GrantConstraints, type GrantOperation } from './policy/grant.js';
export { RequestQuota, KMS_QUOTA_PRESETS, CRYPTOGRAPHIC_OPERATIONS, type KmsQuotaPreset, type RequestQuotaOptions } from './policy/request-quota.js';
// Access control in the Kms door: authorizer, audit sink, explain, grant and key-policy operations.
export { PolicyAuthorizer, type PolicyAuthorizerOptions } from './kms/policy-authorizer.js';
export { AuditLogSink, auditDirOf, openAuditLogFor } from './kms/audit-log-sink.js';
export { explainAccess, type ExplainRequest, type ExplainResponse } from './kms/explain.js';
export { GRANTS_SECTION, MAX_GRANT_TOKENS } from './kms/grant-section.js';
export type {
  CreateGrantRequest, CreateGrantResponse, ListGrantsRequest, ListGrantsResponse, ListRetirableGrantsRequest,
  RetireGrantRequest, RevokeGrantRequest,
} from './kms/ops/grants.js';
export type {
  PutKeyPolicyRequest, GetKeyPolicyRequest, GetKeyPolicyResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse,
} from './kms/ops/policies.js';
// Audit log (docs/ACCESS.md "Audit log").
export {
  AuditLog, EVENTS_FILE, DIGESTS_FILE, HEAD_FILE, LEGACY_DIR, LEGACY_EVENTS_FILE, LEGACY_DIGESTS_FILE, SIGNING_KEY_FILE, SEALED_SIGNING_KEY_FILE,
  type AuditLogOptions,
} from './audit/audit-log.js';
export { buildAuditEvent, type AuditEvent, type AuditUserIdentity, type AuditResource } from './audit/audit-event.js';
export { verifyAuditLog, isLegacyLog, type VerifyReport, type VerifyIssue, type TamperKind, type AuditFiles, type AuditTrust, type VerifyOptions } from './audit/audit-verify.js';
export { verifyLegacyAuditLog, type LegacyVerifyReport } from './audit/audit-legacy.js';
export { queryAuditEvents, matchesQuery, type AuditQuery } from './audit/audit-query.js';
export { ed25519Signer, deriveAuditKeys, type DigestRecord, type AuditRecord, type HeadRecord, type DigestSigner, type AuditKeys } from './audit/audit-chain.js';
export { AUDIT_SECTION, readAuditKeys, readAnchor, type AuditAnchor, type AuditKeystore } from './audit/audit-trust.js';
// Local IAM: accounts, users, roles, inline policies, access keys, profiles (docs/ACCESS.md "Identities").
export {
  Iam, MAX_ACCESS_KEYS_PER_USER, type SectionStore, type IamOptions, type UserView, type RoleView,
  type AccessKeyMetadata, type AccessKeyLookup,
} from './iam/iam.js';
export { IAM_SECTION, DEFAULT_PROFILE, DEFAULT_IAM_ACCOUNT, type IamState, type ProfileRecord } from './iam/iam-state.js';
// Local STS: AssumeRole / GetCallerIdentity, temporary credentials (docs/ACCESS.md "Roles and STS").
export {
  Sts, STS_SECTION, MIN_SESSION_SECONDS, DEFAULT_SESSION_SECONDS, type StsOptions, type AssumeRoleRequest, type AssumeRoleResponse,
  type Credentials, type GetCallerIdentityResponse, type SessionLookup,
} from './sts/sts.js';

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
export { copySnapshot, planSnapshotCopy, runSnapshotCopy, prepareSnapshotCopy, type CopySnapshotInput, type CopyPlan, type PreparedCopy } from './workflows/copy-snapshot.js';
export { MissingPermissionsException, type MissingPermission, type RequiredPermission } from './workflows/preflight.js';
export { explainKmsAccess } from './workflows/kms-access.js';
export { createImage, copyImage, readableImage, type CreateImageInput, type CopyImageInput, type CopyImageResult } from './workflows/image.js';
export { replicate, type ReplicateInput, type ReplicateResult } from './workflows/replicate.js';
export { ReplicationJournal, JOURNAL_FILE } from './workflows/replication-journal.js';

// --- file outputs and crash leftovers (docs/CLI.md "Outputs") ---
export { planOutput, openOutput, openOutputPath, pathKind, namedWriteError, handleWritable, type OutputPlan, type OutputFile, type PathKind } from './fsio/output-file.js';
export { selfOwner, ownerAlive, ownedTempPath, ownerOfTempName, sweepStaleTemps, processStartTime, type Owner } from './fsio/owner.js';
// --- in-place header rewrite of `reencrypt --rewrap` (docs/CLI.md "reencrypt") ---
export {
  rewriteHeaderInPlace, recoverHeaderRewrite, recoverHeaderRewritesIn, inPlaceBlocker, nodeRewriteFs, HeaderRewriteConflict,
  type RewriteFs, type RewriteHandle, type RewriteStep, type HeaderRewriteOptions, type RecoveryResult,
} from './fsio/header-rewrite.js';
export { journalPathFor, type FoundHeader } from './fsio/rewrite-journal.js';

// --- config files, SOPS-compatible (docs/CONFIG.md) ---
export {
  loadConfig, decryptConfig, encryptConfig, openConfig, reencrypt, encryptNew, newMetadata, keyGroupsOf, sourceOptions,
  type ConfigKeyOptions, type ConfigKeys, type OpenedConfig, type DecryptConfigOptions, type EncryptConfigOptions,
} from './config/api.js';
export { type ConfigDocument, type ConfigFormat, type Leaf, type PathStep, CONFIG_FORMATS, parsePathExpression, pathLabel } from './config/document.js';
export { formatForPath, parsePlain, parseEncrypted as parseEncryptedConfig } from './config/stores/index.js';
export { parseMetadata, metadataToObject, SOPS_FORMAT_VERSION, type SopsMetadata, type KeyEntry, type CryptRules } from './config/metadata.js';
export { decryptDocument, encryptDocument, readMetadata as readConfigMetadata } from './config/sops-file.js';
export { ConfigKeyUnavailableException, recoverDataKey, wrapDataKey, type ConfigKms } from './config/keys/key-sources.js';
export { parseIdentities as parseAgeIdentities, parseIdentity as parseAgeIdentity, parseRecipient as parseAgeRecipient, generateIdentity as generateAgeIdentity, identityToString as ageIdentityToString, ageEncrypt, ageDecrypt, armor as ageArmor, dearmor as ageDearmor, type AgeIdentity } from './crypto/age.js';
export { loadAgeIdentities } from './config/keys/age-identities.js';
export { splitArnRole, kmsArnRegion, kmsMasterKeyOf, stsSessionName, type KmsMasterKey } from './config/keys/kms-key.js';
export { split as shamirSplit, combine as shamirCombine } from './config/shamir.js';
export { creationRuleFor, findCreationRulesFile, matchCreationRule, CREATION_RULES_FILE, type CreationRule } from './config/creation-rules.js';
export { isEncryptedText as isSopsEncryptedValue } from './config/value-cipher.js';
