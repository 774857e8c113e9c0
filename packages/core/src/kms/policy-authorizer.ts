/**
 * The Kms door's Authorizer backed by real AWS semantics (KMS Developer Guide, "KMS key access and
 * permissions"): the key's policy, the caller's IAM identity policies (keystore "iam" section),
 * grants on the key ("grants" section) and the request's condition keys, evaluated by
 * policy/evaluate.ts. Nobody, not even an account root, can use a key unless a policy or grant
 * allows it. Optionally enforces a per-account request quota (ThrottlingException). Grant tokens
 * in a request are validated (at most 10); grants are consistent at once here, so a token's grant
 * is already visible.
 */
import type { Clock } from '../defaults.js';
import { systemClock } from '../defaults.js';
import { isKmsError, NotFoundException } from '../errors.js';
import { iamSectionOf, identityPoliciesOf, principalExistsIn } from '../iam/iam-state.js';
import { accessDecision, evaluateAccess, evaluateIdentityOnly, principalArns, type AccessDecision } from '../policy/evaluate.js';
import { constraintsAtLeastAsStrict, mayRetireGrant, type GrantConstraints } from '../policy/grant.js';
import { crossAccountScopeDenial } from '../policy/cross-account.js';
import { parsePolicyDocument, type PolicyDocument } from '../policy/policy-document.js';
import { tryParsePrincipal, type Principal } from '../policy/principal.js';
import { buildConditionContext } from '../policy/request-context.js';
import type { RequestQuota } from '../policy/request-quota.js';
import { grantsForKey, grantsSectionOf, validateGrantTokens } from './grant-section.js';
import type { AuthorizationDecision, AuthorizationRequest, Authorizer } from './hooks.js';

export interface PolicyAuthorizerOptions {
  /** The keystore (or anything exposing its committed sections). */
  readonly store: { read(): { readonly sections: Readonly<Record<string, unknown>> } };
  readonly clock?: Clock;
  /** Optional per-account request-rate limit. */
  readonly quota?: RequestQuota;
}

function denied(reason: string): AccessDecision {
  return accessDecision(false, 'implicit-deny', reason);
}

const policyCache = new Map<string, PolicyDocument | Error>();

function parseKeyPolicy(text: string): PolicyDocument | Error {
  let hit = policyCache.get(text);
  if (hit === undefined) {
    try {
      hit = parsePolicyDocument(text, { kind: 'key' });
    } catch (e) {
      if (!isKmsError(e)) throw e;
      hit = e;
    }
    if (policyCache.size > 500) policyCache.clear();
    policyCache.set(text, hit);
  }
  return hit;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export class PolicyAuthorizer implements Authorizer {
  private readonly store: PolicyAuthorizerOptions['store'];
  private readonly clock: Clock;
  readonly quota: RequestQuota | undefined;

  constructor(opts: PolicyAuthorizerOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.quota = opts.quota;
  }

  async authorize(req: AuthorizationRequest): Promise<AuthorizationDecision> {
    // Quota first (AWS throttles before it authorizes); only once per call, on its first check.
    if (this.quota && req.resourceRole !== 'destination') this.quota.take(req.caller.accountId, req.operation);
    const d = this.decide(req);
    return { allowed: d.allowed, reason: d.reason };
  }

  /**
   * RetireGrant is authorized by the grant itself (mayRetireGrant), not by policies. Without a
   * GrantId (explain) it reports that rule; a named grant that does not exist is NotFoundException.
   */
  private decideRetire(principal: Principal, grantId: string | undefined, sections: Readonly<Record<string, unknown>>): AccessDecision {
    const rule = 'RetireGrant is authorized by the grant itself (its retiring principal, grantee or issuing account)';
    if (grantId === undefined) return accessDecision(true, 'grant', rule);
    const grant = grantsSectionOf(sections).grants[grantId];
    if (!grant) throw new NotFoundException(`Grant ${grantId} does not exist`);
    return mayRetireGrant(grant, principalArns(principal))
      ? accessDecision(true, 'grant', rule, { grants: [{ grantId, ...(grant.Name ? { name: grant.Name } : {}) }] })
      : accessDecision(false, 'implicit-deny',
        `${principal.arn} is neither the retiring principal of grant ${grantId}, a grantee allowed RetireGrant, nor the key's account`);
  }

  /** The full decision (statements, grants, reason) for one authorization request. No side effects. */
  decide(req: AuthorizationRequest): AccessDecision {
    const c = req.conditions as Record<string, unknown>;
    validateGrantTokens(c.GrantTokens);
    const principal = tryParsePrincipal(req.caller.principal);
    if (!principal) return denied(`${req.caller.principal} is not a valid principal ARN`);
    if (principal.type !== 'AWSService' && principal.accountId !== req.caller.accountId) {
      return denied(`the caller's account ${req.caller.accountId} is not the account of ${principal.arn}`);
    }
    // AWS KMS "Cross-account use": outside the listed operations, another account's permissions have no effect.
    if (req.resource) {
      const scope = crossAccountScopeDenial(req.operation, req.action, principal, req.resource);
      if (scope) return scope;
    }
    const sections = this.store.read().sections;
    const iam = iamSectionOf(sections);
    if (principal.type !== 'AWSService' && !principalExistsIn(iam, principal.arn)) {
      return denied(`principal ${principal.arn} does not exist`);
    }
    const r = req.resource;
    const ec = (c.EncryptionContext ?? undefined) as Record<string, string> | undefined;
    const tags: Record<string, string> = {};
    for (const [k, v] of Object.entries(r?.tags ?? {})) tags[`aws:ResourceTag/${k}`] = v;
    const extra: Record<string, string | readonly string[]> = { ...tags };
    const pass: Array<[string, string]> = [
      ['EncryptionAlgorithm', 'kms:EncryptionAlgorithm'], ['SigningAlgorithm', 'kms:SigningAlgorithm'],
      ['MacAlgorithm', 'kms:MacAlgorithm'], ['ReplicaRegion', 'kms:ReplicaRegion'], ['PrimaryRegion', 'kms:PrimaryRegion'],
      ['PendingWindowInDays', 'kms:ScheduleKeyDeletionPendingWindowInDays'], ['RotationPeriodInDays', 'kms:RotationPeriodInDays'],
    ];
    for (const [from, to] of pass) if (c[from] !== undefined) extra[to] = String(c[from]);
    if (c.MultiRegion !== undefined) extra['kms:MultiRegion'] = String(c.MultiRegion);
    if (r) extra['kms:MultiRegion'] ??= String(r.multiRegion);
    const context = buildConditionContext({
      principal,
      now: this.clock(),
      region: req.region,
      ...(req.caller.sourceIp ? { sourceIp: req.caller.sourceIp } : {}),
      ...(req.caller.viaService ? { viaService: req.caller.viaService } : {}),
      ...(ec ? { encryptionContext: ec } : {}),
      ...(r ? { keySpec: r.keySpec, keyUsage: r.keyUsage, keyOrigin: r.origin, resourceAliases: r.aliases } : {
        ...(str(c.KeySpec) ? { keySpec: str(c.KeySpec)! } : {}),
        ...(str(c.KeyUsage) ? { keyUsage: str(c.KeyUsage)! } : {}),
        ...(str(c.KeyOrigin) ? { keyOrigin: str(c.KeyOrigin)! } : {}),
      }),
      ...(str(c.RequestAlias) ? { requestAlias: str(c.RequestAlias)! } : {}),
      ...(Array.isArray(c.GrantOperations) ? { grantOperations: c.GrantOperations as string[] } : {}),
      // kms:GrantIsForAWSResource: true when an AWS service integrated with KMS creates the grant for the caller.
      ...(req.operation === 'CreateGrant' ? { grantIsForAwsResource: c.GrantIsForAWSResource === true || req.caller.viaService !== undefined } : {}),
      ...(str(c.GranteePrincipal) ? { granteePrincipal: str(c.GranteePrincipal)! } : {}),
      ...(str(c.RetiringPrincipal) ? { retiringPrincipal: str(c.RetiringPrincipal)! } : {}),
      ...(str(c.GrantConstraintType) ? { grantConstraintType: str(c.GrantConstraintType)! } : {}),
      ...(typeof c.BypassPolicyLockoutSafetyCheck === 'boolean' ? { bypassPolicyLockoutSafetyCheck: c.BypassPolicyLockoutSafetyCheck } : {}),
      extra,
    });
    const identityPolicies = identityPoliciesOf(iam, principal);
    if (!r) {
      if (req.operation === 'RetireGrant') return this.decideRetire(principal, str(c.GrantId), sections);
      return evaluateIdentityOnly({ principal, action: req.action, identityPolicies, context });
    }
    const keyPolicy = parseKeyPolicy(r.policy);
    if (keyPolicy instanceof Error) return denied(`the key policy of ${r.arn} is not valid (${keyPolicy.message})`);
    const decision = evaluateAccess({
      principal, action: req.action, resource: r.arn, resourceAccountId: r.accountId, keyPolicy, identityPolicies,
      grants: grantsForKey(sections, r.arn), context, encryptionContext: ec ?? {}, keyManager: r.keyManager,
    });
    if (decision.allowed && decision.basis === 'grant' && req.action === 'kms:CreateGrant') {
      // A grant's CreateGrant permission only reaches grants with a subset of its operations and
      // constraints at least as strict as its own.
      const wanted = (c.GrantOperations as string[] | undefined) ?? [];
      const wantedConstraints = c.GrantConstraints as GrantConstraints | undefined;
      const all = grantsSectionOf(sections).grants;
      const ok = decision.grants.some((m) => {
        const g = all[m.grantId];
        return g !== undefined && wanted.every((o) => (g.Operations as readonly string[]).includes(o)) && constraintsAtLeastAsStrict(g.Constraints, wantedConstraints);
      });
      if (!ok) {
        return denied(`grant ${decision.grants[0]!.grantId} allows CreateGrant only for a subset of its operations with constraints at least as strict`);
      }
    }
    return decision;
  }
}
