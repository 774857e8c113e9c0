/**
 * The local KMS (AWS KMS API Reference): one method per AWS operation, every one through the
 * single door `call()`: validate → resolve key(s) → check key state → authorize → act → audit
 * (also on errors). Scheduled work (rotation, deletion, expiry) is applied first when due.
 */
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { DryRunOperationException, KMSInternalException, KmsError, ValidationException } from '../errors.js';
import { Keystore, section, type KeystoreState } from '../keystore/keystore.js';
import { rootCaller, type CallContext } from './call-context.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from './constants.js';
import { accessDenied, type AuditSink, type AuthorizationRequest, type Authorizer } from './hooks.js';
import { emptyKmsSection, KMS_SECTION, type KeyRecord, type KmsSection } from './key-record.js';
import { keyStateError } from './key-states.js';
import { applyMaintenance, computeNextDue, maintenanceDue } from './maintenance.js';
import { dropGrantsOfDeletedKeys } from './grant-section.js';
import type { Operation, OpContext, TargetRole } from './operation.js';
import { redactRequest, responseIds } from './redact.js';
import { authorizationResource, resolveKey } from './resolve.js';
import * as t from './types.js';
import { createKeyOp, describeKeyOp, listKeysOp, updateKeyDescriptionOp } from './ops/keys.js';
import { cancelKeyDeletionOp, disableKeyOp, enableKeyOp, scheduleKeyDeletionOp } from './ops/lifecycle.js';
import { listResourceTagsOp, tagResourceOp, untagResourceOp } from './ops/tags.js';
import { createAliasOp, deleteAliasOp, listAliasesOp, updateAliasOp } from './ops/aliases.js';
import { decryptOp, encryptOp, generateDataKeyOp, generateDataKeyWithoutPlaintextOp, reEncryptOp } from './ops/symmetric.js';
import { generateDataKeyPairOp, generateDataKeyPairWithoutPlaintextOp } from './ops/data-key-pair.js';
import { generateRandomOp } from './ops/random.js';
import { getPublicKeyOp, signOp, verifyOp } from './ops/signing.js';
import { generateMacOp, verifyMacOp } from './ops/mac.js';
import { deriveSharedSecretOp } from './ops/key-agreement.js';
import {
  disableKeyRotationOp, enableKeyRotationOp, getKeyRotationStatusOp, listKeyRotationsOp, rotateKeyOnDemandOp,
} from './ops/rotation.js';
import { deleteImportedKeyMaterialOp, getParametersForImportOp, importKeyMaterialOp } from './ops/import.js';
import { replicateKeyOp, updatePrimaryRegionOp } from './ops/multi-region.js';
import { getOrCreateAwsManagedKeyOp, type GetOrCreateAwsManagedKeyRequest } from './ops/aws-managed.js';
import type { RequestQuota } from '../policy/request-quota.js';
import { PolicyAuthorizer } from './policy-authorizer.js';
import { crossAccountScopeDenial } from '../policy/cross-account.js';
import { tryParsePrincipal } from '../policy/principal.js';
import { AuditLogSink, openAuditLogFor } from './audit-log-sink.js';
import { explainAccess, type ExplainRequest } from './explain.js';
import { getKeyPolicyOp, listKeyPoliciesOp, putKeyPolicyOp, type GetKeyPolicyRequest, type ListKeyPoliciesRequest, type PutKeyPolicyRequest } from './ops/policies.js';
import {
  createGrantOp, listGrantsOp, listRetirableGrantsOp, retireGrantOp, revokeGrantOp,
  type CreateGrantRequest, type ListGrantsRequest, type ListRetirableGrantsRequest, type RetireGrantRequest, type RevokeGrantRequest,
} from './ops/grants.js';

export interface KmsOptions {
  /** The keystore holding keys (Keystore.open). */
  readonly store: Keystore;
  /** Region used when a call's CallContext has none. Default us-east-1. */
  readonly region?: string;
  /** Caller used when a method is called without one. Default: root of 111122223333. */
  readonly defaultCaller?: CallContext;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Default: PolicyAuthorizer (key policies, IAM policies, grants: nobody may use a key unless allowed). */
  readonly authorizer?: Authorizer;
  /** Default: AuditLogSink writing the audit log under `<store.home>/audit`; `null` disables auditing. */
  readonly audit?: AuditSink | null;
  /** Optional per-account request-rate limit for the default authorizer (ThrottlingException). */
  readonly quota?: RequestQuota;
}

type Empty = Record<string, never>;

/**
 * ReEncrypt: each key is authorized against its own encryption context (kms:EncryptionContext:*,
 * grant constraints): the source key against SourceEncryptionContext, the destination key against
 * DestinationEncryptionContext.
 */
function roleContext(req: unknown, role: TargetRole): { EncryptionContext?: Readonly<Record<string, string>> } {
  if (role === 'target') return {};
  const ec = (req as Record<string, unknown>)[role === 'source' ? 'SourceEncryptionContext' : 'DestinationEncryptionContext'];
  return ec !== undefined ? { EncryptionContext: ec as Readonly<Record<string, string>> } : {};
}

export class Kms {
  readonly store: Keystore;
  readonly region: string;
  readonly defaultCaller: CallContext;
  readonly clock: Clock;
  readonly random: Random;
  authorizer: Authorizer;
  audit: AuditSink | undefined;

  constructor(opts: KmsOptions) {
    this.store = opts.store;
    this.region = opts.region ?? DEFAULT_REGION;
    this.defaultCaller = opts.defaultCaller ?? rootCaller(DEFAULT_ACCOUNT_ID);
    this.clock = opts.clock ?? opts.store.clock ?? systemClock;
    this.random = opts.random ?? opts.store.random ?? systemRandom;
    this.authorizer = opts.authorizer ?? new PolicyAuthorizer({ store: opts.store, clock: this.clock, ...(opts.quota ? { quota: opts.quota } : {}) });
    this.audit = opts.audit === null ? undefined : opts.audit ?? new AuditLogSink(openAuditLogFor(opts.store, { clock: this.clock, random: this.random }), this.random);
  }

  /**
   * The door. Every operation runs through here: validate → (prepare slow work; apply due scheduled work) →
   * resolve each target key → key state check → authorize → act → audit (success or error).
   */
  async call<Req, Res>(op: Operation<Req, Res>, req: Req, caller: CallContext = this.defaultCaller): Promise<Res> {
    const region = caller.region ?? this.region;
    const resources: string[] = [];
    const eventTime = this.clock();
    try {
      if (typeof req !== 'object' || req === null) throw new ValidationException('The request must be an object');
      op.validate?.(req);
      const prepared = op.prepare ? await op.prepare(req, { caller, region }) : undefined;
      await this.applyDueWork();
      const run = async (store: KeystoreState, kms: KmsSection): Promise<Res> => {
        const env = { caller, region };
        const keys: Partial<Record<TargetRole, KeyRecord>> = {};
        const aliases: Partial<Record<TargetRole, string>> = {};
        const targets = op.targets?.(req, env) ?? [];
        const callerPrincipal = targets.length > 0 ? tryParsePrincipal(caller.principal) : undefined;
        const baseConditions = this.conditionsOf(op, req, caller);
        if (targets.length === 0) {
          await this.authorize({ caller, action: op.action ?? `kms:${op.name}`, operation: op.name, region, conditions: baseConditions });
        }
        for (const target of targets) {
          const { key, alias } = resolveKey(kms, target.ref, env, target.field);
          resources.push(key.arn);
          const action = target.action ?? op.action ?? `kms:${op.name}`;
          // AWS KMS "Cross-account use": decided before the key's state or policies are looked at.
          const scope = callerPrincipal && crossAccountScopeDenial(op.name, action, callerPrincipal, key);
          if (scope) throw accessDenied({ caller, action, operation: op.name, region, conditions: {}, resource: authorizationResource(kms, key) }, scope);
          op.supports?.(key);
          const stateError = keyStateError(op.name, key.state, key.arn);
          if (stateError) throw stateError;
          await this.authorize({
            caller,
            action,
            operation: op.name,
            resource: authorizationResource(kms, key),
            resourceRole: target.role,
            region,
            conditions: { ...baseConditions, ...roleContext(req, target.role), ...(alias ? { RequestAlias: alias } : {}) },
          });
          keys[target.role] = key;
          if (alias) aliases[target.role] = alias;
        }
        const ctx: OpContext = {
          caller, region, section: kms, store, keys, aliases, now: this.clock().getTime(),
          clock: this.clock, random: this.random, sealer: this.store.sealer, defaultRegion: this.region, prepared,
        };
        op.check?.(ctx, req);
        // AWS DryRun: every check above passed; report it instead of acting (nothing is committed).
        if ((req as { DryRun?: unknown }).DryRun === true) {
          throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
        }
        return op.act(ctx, req);
      };
      const res = op.mutates
        ? await this.store.update(async (state) => {
          const kms = section(state, KMS_SECTION, emptyKmsSection);
          const out = await run(state, kms);
          kms.nextDueAt = computeNextDue(kms);
          return out;
        })
        : await (async () => {
          const state = this.store.read();
          return run(state, (state.sections[KMS_SECTION] as KmsSection | undefined) ?? emptyKmsSection());
        })();
      await this.audit?.record({
        eventTime, operation: op.name, caller, region, requestParameters: redactRequest(req), resources,
        ...(responseIds(res) ? { responseElements: responseIds(res)! } : {}),
      });
      return res;
    } catch (e) {
      const err = e instanceof KmsError ? e : new KMSInternalException(`Internal error in ${op.name}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      // The call's own error is what the caller needs (e.g. the keystore's ENOSPC naming its file), even
      // when recording the failure fails too (the audit log on the same full disk).
      await this.audit?.record({
        eventTime, operation: op.name, caller, region, requestParameters: redactRequest(req), resources,
        errorCode: err.name, errorMessage: err.message,
      }).catch(() => undefined);
      throw err;
    }
  }

  private async authorize(req: AuthorizationRequest): Promise<void> {
    const decision = await this.authorizer.authorize(req);
    if (!decision.allowed) throw accessDenied(req, decision);
  }

  private conditionsOf<Req, Res>(op: Operation<Req, Res>, req: Req, caller: CallContext): AuthorizationRequest['conditions'] {
    const r = req as Record<string, unknown>;
    const pick: Record<string, unknown> = {};
    for (const k of ['EncryptionContext', 'GrantTokens', 'EncryptionAlgorithm', 'SigningAlgorithm', 'MacAlgorithm', 'KeySpec', 'KeyUsage', 'MultiRegion', 'ReplicaRegion', 'PrimaryRegion']) {
      if (r[k] !== undefined) pick[k] = r[k];
    }
    if (r.Origin !== undefined) pick.KeyOrigin = r.Origin;
    if (caller.viaService) pick.ViaService = caller.viaService;
    return { ...pick, ...(op.conditions?.(req) ?? {}) } as AuthorizationRequest['conditions'];
  }

  /** Applies due rotations, deletions and expiries (with their scheduled dates) before a call. */
  private async applyDueWork(): Promise<void> {
    const kms = this.store.read().sections[KMS_SECTION] as KmsSection | undefined;
    if (!maintenanceDue(kms, this.clock().getTime())) return;
    await this.store.update((state) => {
      const s = section(state, KMS_SECTION, emptyKmsSection);
      applyMaintenance(s, this.clock().getTime(), this.random, this.store.sealer);
      dropGrantsOfDeletedKeys(state.sections, s.keys);
    });
  }

  // --- keys ---
  CreateKey(req: t.CreateKeyRequest = {}, caller?: CallContext) { return this.call(createKeyOp, req, caller); }
  DescribeKey(req: t.DescribeKeyRequest, caller?: CallContext) { return this.call(describeKeyOp, req, caller); }
  ListKeys(req: t.ListKeysRequest = {}, caller?: CallContext) { return this.call(listKeysOp, req, caller); }
  UpdateKeyDescription(req: t.UpdateKeyDescriptionRequest, caller?: CallContext): Promise<Empty> { return this.call(updateKeyDescriptionOp, req, caller); }
  // --- lifecycle ---
  EnableKey(req: t.KeyIdRequest, caller?: CallContext): Promise<Empty> { return this.call(enableKeyOp, req, caller); }
  DisableKey(req: t.KeyIdRequest, caller?: CallContext): Promise<Empty> { return this.call(disableKeyOp, req, caller); }
  ScheduleKeyDeletion(req: t.ScheduleKeyDeletionRequest, caller?: CallContext) { return this.call(scheduleKeyDeletionOp, req, caller); }
  CancelKeyDeletion(req: t.KeyIdRequest, caller?: CallContext) { return this.call(cancelKeyDeletionOp, req, caller); }
  // --- tags ---
  TagResource(req: t.TagResourceRequest, caller?: CallContext): Promise<Empty> { return this.call(tagResourceOp, req, caller); }
  UntagResource(req: t.UntagResourceRequest, caller?: CallContext): Promise<Empty> { return this.call(untagResourceOp, req, caller); }
  ListResourceTags(req: t.ListResourceTagsRequest, caller?: CallContext) { return this.call(listResourceTagsOp, req, caller); }
  // --- aliases ---
  CreateAlias(req: t.CreateAliasRequest, caller?: CallContext): Promise<Empty> { return this.call(createAliasOp, req, caller); }
  UpdateAlias(req: t.UpdateAliasRequest, caller?: CallContext): Promise<Empty> { return this.call(updateAliasOp, req, caller); }
  DeleteAlias(req: t.DeleteAliasRequest, caller?: CallContext): Promise<Empty> { return this.call(deleteAliasOp, req, caller); }
  ListAliases(req: t.ListAliasesRequest = {}, caller?: CallContext) { return this.call(listAliasesOp, req, caller); }
  // --- symmetric cryptography and data keys ---
  Encrypt(req: t.EncryptRequest, caller?: CallContext) { return this.call(encryptOp, req, caller); }
  Decrypt(req: t.DecryptRequest, caller?: CallContext) { return this.call(decryptOp, req, caller); }
  ReEncrypt(req: t.ReEncryptRequest, caller?: CallContext) { return this.call(reEncryptOp, req, caller); }
  GenerateDataKey(req: t.GenerateDataKeyRequest, caller?: CallContext) { return this.call(generateDataKeyOp, req, caller); }
  GenerateDataKeyWithoutPlaintext(req: t.GenerateDataKeyRequest, caller?: CallContext) { return this.call(generateDataKeyWithoutPlaintextOp, req, caller); }
  GenerateDataKeyPair(req: t.GenerateDataKeyPairRequest, caller?: CallContext) { return this.call(generateDataKeyPairOp, req, caller); }
  GenerateDataKeyPairWithoutPlaintext(req: t.GenerateDataKeyPairRequest, caller?: CallContext) { return this.call(generateDataKeyPairWithoutPlaintextOp, req, caller); }
  GenerateRandom(req: t.GenerateRandomRequest, caller?: CallContext) { return this.call(generateRandomOp, req, caller); }
  // --- asymmetric, MAC, key agreement ---
  Sign(req: t.SignRequest, caller?: CallContext) { return this.call(signOp, req, caller); }
  Verify(req: t.VerifyRequest, caller?: CallContext) { return this.call(verifyOp, req, caller); }
  GetPublicKey(req: t.GetPublicKeyRequest, caller?: CallContext) { return this.call(getPublicKeyOp, req, caller); }
  GenerateMac(req: t.GenerateMacRequest, caller?: CallContext) { return this.call(generateMacOp, req, caller); }
  VerifyMac(req: t.VerifyMacRequest, caller?: CallContext) { return this.call(verifyMacOp, req, caller); }
  DeriveSharedSecret(req: t.DeriveSharedSecretRequest, caller?: CallContext) { return this.call(deriveSharedSecretOp, req, caller); }
  // --- rotation ---
  EnableKeyRotation(req: t.EnableKeyRotationRequest, caller?: CallContext): Promise<Empty> { return this.call(enableKeyRotationOp, req, caller); }
  DisableKeyRotation(req: t.KeyIdRequest, caller?: CallContext): Promise<Empty> { return this.call(disableKeyRotationOp, req, caller); }
  GetKeyRotationStatus(req: t.KeyIdRequest, caller?: CallContext) { return this.call(getKeyRotationStatusOp, req, caller); }
  RotateKeyOnDemand(req: t.KeyIdRequest, caller?: CallContext) { return this.call(rotateKeyOnDemandOp, req, caller); }
  ListKeyRotations(req: t.ListKeyRotationsRequest, caller?: CallContext) { return this.call(listKeyRotationsOp, req, caller); }
  // --- imported key material ---
  GetParametersForImport(req: t.GetParametersForImportRequest, caller?: CallContext) { return this.call(getParametersForImportOp, req, caller); }
  ImportKeyMaterial(req: t.ImportKeyMaterialRequest, caller?: CallContext) { return this.call(importKeyMaterialOp, req, caller); }
  DeleteImportedKeyMaterial(req: t.KeyIdRequest, caller?: CallContext): Promise<Empty> { return this.call(deleteImportedKeyMaterialOp, req, caller); }
  // --- multi-Region keys ---
  ReplicateKey(req: t.ReplicateKeyRequest, caller?: CallContext) { return this.call(replicateKeyOp, req, caller); }
  UpdatePrimaryRegion(req: t.UpdatePrimaryRegionRequest, caller?: CallContext): Promise<Empty> { return this.call(updatePrimaryRegionOp, req, caller); }
  // --- AWS managed keys (for integrated workflows; set CallContext.viaService to use the key) ---
  GetOrCreateAwsManagedKey(req: GetOrCreateAwsManagedKeyRequest, caller?: CallContext) { return this.call(getOrCreateAwsManagedKeyOp, req, caller); }
  // --- access control: key policies, grants, explain (docs/ACCESS.md) ---
  PutKeyPolicy(req: PutKeyPolicyRequest, caller?: CallContext): Promise<Empty> { return this.call(putKeyPolicyOp, req, caller); }
  GetKeyPolicy(req: GetKeyPolicyRequest, caller?: CallContext) { return this.call(getKeyPolicyOp, req, caller); }
  ListKeyPolicies(req: ListKeyPoliciesRequest, caller?: CallContext) { return this.call(listKeyPoliciesOp, req, caller); }
  CreateGrant(req: CreateGrantRequest, caller?: CallContext) { return this.call(createGrantOp, req, caller); }
  ListGrants(req: ListGrantsRequest, caller?: CallContext) { return this.call(listGrantsOp, req, caller); }
  ListRetirableGrants(req: ListRetirableGrantsRequest, caller?: CallContext) { return this.call(listRetirableGrantsOp, req, caller); }
  RetireGrant(req: RetireGrantRequest, caller?: CallContext): Promise<Empty> { return this.call(retireGrantOp, req, caller); }
  RevokeGrant(req: RevokeGrantRequest, caller?: CallContext): Promise<Empty> { return this.call(revokeGrantOp, req, caller); }
  /** Allow/Deny for a hypothetical call, with the deciding statements and grants (not audited). */
  explain(req: ExplainRequest) { return explainAccess(this, req); }
}
