/**
 * Extension points of the Kms door (docs/KMS.md "The door"): an Authorizer decides every call
 * (AWS KMS "Authentication and access control": key policies, IAM policies, grants) and an
 * AuditSink records every call (like CloudTrail's KMS events). The access-control work
 * replaces the defaults below.
 */
import { AccessDeniedException, type KmsError } from '../errors.js';
import type { CallContext } from './call-context.js';
import type { KeyManagerType, KeySpec, KeyState, KeyUsage, OriginType } from './types.js';

/** What the Authorizer sees of the key an operation targets. */
export interface AuthorizationResource {
  readonly arn: string;
  readonly keyId: string;
  readonly accountId: string;
  readonly region: string;
  readonly keySpec: KeySpec;
  readonly keyUsage: KeyUsage;
  readonly keyState: KeyState;
  readonly origin: OriginType;
  readonly keyManager: KeyManagerType;
  readonly multiRegion: boolean;
  /** Alias names ("alias/...") pointing at the key in its account and region. */
  readonly aliases: readonly string[];
  /** The key policy, a JSON string. */
  readonly policy: string;
  /** The key's tags (aws:ResourceTag/<key> conditions). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface AuthorizationRequest {
  readonly caller: CallContext;
  /** The IAM action, e.g. "kms:Encrypt". */
  readonly action: string;
  /** The AWS operation name, e.g. "Encrypt". */
  readonly operation: string;
  /** The key the operation acts on; absent for CreateKey, ListKeys, GenerateRandom, ... */
  readonly resource?: AuthorizationResource;
  /** The role of `resource` when an operation involves several keys (e.g. ReEncrypt source/destination). */
  readonly resourceRole?: 'source' | 'destination' | 'target';
  /** The region the call is made in. */
  readonly region: string;
  /** Request values used by policy condition keys (kms:EncryptionContext:*, kms:RequestAlias, ...). */
  readonly conditions: {
    readonly EncryptionContext?: Readonly<Record<string, string>>;
    readonly GrantTokens?: readonly string[];
    /** The alias the caller named (kms:RequestAlias), if any. */
    readonly RequestAlias?: string;
    readonly EncryptionAlgorithm?: string;
    readonly SigningAlgorithm?: string;
    readonly MacAlgorithm?: string;
    readonly KeySpec?: string;
    readonly KeyUsage?: string;
    readonly KeyOrigin?: string;
    readonly MultiRegion?: boolean;
    readonly ReplicaRegion?: string;
    readonly PrimaryRegion?: string;
    readonly ViaService?: string;
  };
}

export interface AuthorizationDecision {
  readonly allowed: boolean;
  readonly reason: string;
}

export interface Authorizer {
  authorize(req: AuthorizationRequest): Promise<AuthorizationDecision>;
}

/** One audited Kms call. Never holds plaintext, key material, grant tokens or blobs. */
export interface KmsCallEvent {
  readonly eventTime: Date;
  readonly operation: string;
  readonly caller: CallContext;
  readonly region: string;
  /** Request parameters with every binary field (Plaintext, CiphertextBlob, ...) and GrantTokens removed. */
  readonly requestParameters: Readonly<Record<string, unknown>>;
  /** ARNs of the keys involved. */
  readonly resources: readonly string[];
  /** Identifiers from the response (KeyId, ...); absent on error. */
  readonly responseElements?: Readonly<Record<string, unknown>>;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface AuditSink {
  record(event: KmsCallEvent): Promise<void>;
}

const USE_OF_AWS_MANAGED = new Set([
  'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext', 'kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext',
  'kms:CreateGrant',
]);

/**
 * Until access control lands: the key's own account may do anything with its customer managed
 * keys; AWS managed keys are readable (Describe/Get/List) by the account and used only via
 * their service (CallContext.viaService); other accounts are denied.
 */
export const ownerAccountAuthorizer: Authorizer = {
  async authorize(req) {
    const r = req.resource;
    if (!r) return { allowed: true, reason: 'no key involved; the caller acts in its own account' };
    if (r.accountId !== req.caller.accountId) {
      return { allowed: false, reason: `${req.caller.principal} is not in the key's account ${r.accountId}` };
    }
    if (r.keyManager === 'AWS') {
      if (USE_OF_AWS_MANAGED.has(req.action)) {
        return req.caller.viaService
          ? { allowed: true, reason: `${req.caller.viaService} uses the AWS managed key on behalf of ${req.caller.principal}` }
          : { allowed: false, reason: `${r.arn} is an AWS managed key; only its service may use it` };
      }
      if (!/^kms:(Describe|Get|List)/.test(req.action)) {
        return { allowed: false, reason: `${r.arn} is an AWS managed key; it cannot be changed by callers` };
      }
    }
    return { allowed: true, reason: `${req.caller.principal} is in the key's account` };
  },
};

export function accessDenied(req: AuthorizationRequest, decision: AuthorizationDecision): KmsError {
  const target = req.resource ? ` on resource ${req.resource.arn}` : '';
  return new AccessDeniedException(`User: ${req.caller.principal} is not authorized to perform: ${req.action}${target} because ${decision.reason}`);
}
