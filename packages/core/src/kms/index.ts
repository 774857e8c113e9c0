/** The local KMS public surface (docs/KMS.md). */
export { Kms, type KmsOptions } from './kms.js';
export { openDefaultKms, defaultHome, type OpenDefaultKmsOptions } from './open-default.js';
export { rootCaller, type CallContext } from './call-context.js';
export {
  ownerAccountAuthorizer, accessDenied,
  type Authorizer, type AuthorizationRequest, type AuthorizationDecision, type AuthorizationResource, type AuditSink, type KmsCallEvent,
} from './hooks.js';
export * from './constants.js';
export type * from './types.js';
export type { Operation, OpContext, KeyTarget, TargetRole, ResolveEnv } from './operation.js';
export { keyOf } from './operation.js';
export type { KeyRecord, KeyVersionRecord, AliasRecord, KmsSection } from './key-record.js';
export { KMS_SECTION } from './key-record.js';
export { OPERATION_STATE_RULES, keyStateError, type StateRule } from './key-states.js';
export { parseKeyRef, keyArn, aliasArn, isKeyId, validateAliasName, type KeyRef } from './identifiers.js';
export { resolveKey, aliasesOf, authorizationResource } from './resolve.js';
export { toKeyMetadata } from './metadata.js';
export { canonicalContext, parseBlobHeader, BLOB_VERSION } from './ciphertext-blob.js';
export { defaultKeyPolicy, validatePolicy } from './ops/keys.js';
export type { GetOrCreateAwsManagedKeyRequest } from './ops/aws-managed.js';
