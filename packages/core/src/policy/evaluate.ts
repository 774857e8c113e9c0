/**
 * Authorization for one AWS KMS request, exactly as AWS evaluates it (IAM User Guide, "Policy
 * evaluation logic" and "Cross-account policy evaluation logic"; KMS Developer Guide, "KMS key
 * access and permissions", "Key policies in AWS KMS", "Allowing users in other accounts to use a
 * KMS key", "Grants in AWS KMS"):
 *
 * 1. An explicit Deny in the key policy or in the caller's IAM policies wins.
 * 2. Same account: the key policy allows the caller directly, OR the key policy allows the
 *    account (its root principal: "enable IAM policies") AND an IAM policy of the caller allows.
 * 3. Other account: the key policy allows the caller or its account AND the caller's own IAM
 *    policies allow (an account root needs no IAM policy in its own account).
 * 4. A grant for the caller whose operations include the action (and whose constraints the
 *    encryption context satisfies) allows, too.
 * 5. An AWS managed key is usable for cryptographic operations only through its service
 *    (kms:ViaService present).
 * 6. Otherwise: implicit deny.
 *
 * `evaluateAccess` is pure: the request context (with the injected clock's time) and the documents
 * are all it reads. It returns the decision with the statements and grants that decided it and a
 * short reason that never contains request values (no encryption context, no key material).
 */
import type { ConditionContext } from './condition-operators.js';
import { evaluateCondition } from './condition-operators.js';
import type { ConditionClause, PolicyDocument, PolicyStatement, PrincipalSpec } from './policy-document.js';
import { statementLabel } from './policy-document.js';
import type { Principal } from './principal.js';
import { rootArn } from './principal.js';
import { arnMatch, literalGlobChar, wildcardMatch } from './wildcard.js';
import type { GrantRecord } from './grant.js';
import { grantAllows } from './grant.js';
import { hasPolicyVariable, substituteVariables } from './policy-variables.js';

/** An IAM identity policy attached to the caller (inline policy name + document). */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

export interface AccessRequest {
  readonly principal: Principal;
  /** The IAM action, e.g. "kms:Encrypt". */
  readonly action: string;
  /** The key ARN. */
  readonly resource: string;
  /** The account that owns the key. */
  readonly resourceAccountId: string;
  readonly keyPolicy: PolicyDocument;
  /** The caller's IAM identity policies (from the caller's own account). */
  readonly identityPolicies?: readonly NamedPolicy[];
  /** Grants on this key (all of them; the evaluator picks the ones for the caller). */
  readonly grants?: readonly GrantRecord[];
  /** Condition keys (see buildConditionContext). */
  readonly context: ConditionContext;
  /** The request's encryption context, for grant constraints. */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** "AWS" for AWS managed keys. */
  readonly keyManager?: 'AWS' | 'CUSTOMER';
}

export interface MatchedStatement {
  readonly source: 'key-policy' | 'iam-policy';
  /** For IAM policies: the policy name. */
  readonly policyName?: string;
  readonly sid?: string;
  /** Sid, or "Statement[i]" when there is none. */
  readonly label: string;
  readonly effect: 'Allow' | 'Deny';
  /** Key-policy Allow statements: did it name the caller ("principal") or the caller's account ("account")? */
  readonly via?: 'principal' | 'account';
}

export interface MatchedGrant {
  readonly grantId: string;
  readonly name?: string;
}

export type DecisionBasis =
  | 'explicit-deny'
  | 'key-policy'
  | 'key-policy-and-iam-policy'
  | 'grant'
  | 'aws-managed-key'
  | 'identity-policy'
  | 'account-root'
  | 'implicit-deny'
  /** The operation is not marked for cross-account use and the key is in another account (policy/cross-account.ts). */
  | 'cross-account-scope';

export interface AccessDecision {
  readonly decision: 'Allow' | 'Deny';
  readonly allowed: boolean;
  readonly basis: DecisionBasis;
  /** The statements that decided (the deny(s), or the allow(s) that sufficed). */
  readonly deciding: readonly MatchedStatement[];
  /** The grants that decided (when basis is "grant"). */
  readonly grants: readonly MatchedGrant[];
  /** Every statement that applied to the request, in evaluation order. */
  readonly matched: readonly MatchedStatement[];
  /** One short sentence: why. Contains ARNs, actions and Sids only. */
  readonly reason: string;
}

/** Actions on an AWS managed key that need kms:ViaService (its cryptographic operations). */
const AWS_MANAGED_CRYPTO = /^kms:(Encrypt|Decrypt|ReEncrypt.*|GenerateDataKey.*|CreateGrant|Sign|Verify|GenerateMac|VerifyMac)$/i;

/** True when the statement's Action/NotAction covers `action`. */
export function actionMatches(s: PolicyStatement, action: string): boolean {
  if (s.action) return s.action.some((p) => wildcardMatch(p, action, true));
  return !s.notAction!.some((p) => wildcardMatch(p, action, true));
}

function resourcePatternMatches(p: string, resource: string): boolean {
  return p === '*' || arnMatch(p, resource) || wildcardMatch(p, resource);
}

/**
 * Patterns with policy variables substituted (a pattern whose variable is missing is dropped).
 * `glob`: the patterns are wildcard patterns, so `${*}` / `${?}` become literal stand-ins.
 */
function withVariables(s: PolicyStatement, patterns: readonly string[], ctx: ConditionContext | undefined, glob: boolean): readonly string[] {
  if (!s.variables || !ctx) return patterns;
  return patterns.flatMap((p) => {
    const v = hasPolicyVariable(p) ? substituteVariables(p, ctx, glob ? literalGlobChar : undefined) : p;
    return v === undefined ? [] : [v];
  });
}

/** Condition operators whose values are wildcard patterns. */
const GLOB_OPERATORS: ReadonlySet<string> = new Set(['StringLike', 'StringNotLike', 'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike']);

/** True when the statement's Resource/NotResource covers `resource` (variables resolved from `ctx`). */
export function resourceMatches(s: PolicyStatement, resource: string, ctx?: ConditionContext): boolean {
  if (s.resource) return withVariables(s, s.resource, ctx, true).some((p) => resourcePatternMatches(p, resource));
  if (s.notResource) return !withVariables(s, s.notResource, ctx, true).some((p) => resourcePatternMatches(p, resource));
  return true;
}

/** The ARNs a principal is known by in policies (a role session is also its role). */
export function principalArns(p: Principal): string[] {
  return p.roleArn ? [p.arn, p.roleArn] : [p.arn];
}

function specMatch(spec: PrincipalSpec, p: Principal): 'principal' | 'account' | undefined {
  if (spec.any) return 'principal';
  if (p.type === 'AWSService') return spec.service.includes(p.arn) ? 'principal' : undefined;
  if (principalArns(p).some((a) => spec.aws.includes(a))) return 'principal';
  if (spec.aws.includes(rootArn(p.accountId))) return 'account';
  return undefined;
}

/**
 * How a key-policy statement's Principal/NotPrincipal applies to the caller: "principal" (names
 * the caller, or "*"), "account" (names the caller's account root: delegation to IAM), or undefined.
 */
export function principalMatches(s: PolicyStatement, p: Principal): 'principal' | 'account' | undefined {
  if (s.principal) return specMatch(s.principal, p);
  if (s.notPrincipal) {
    const excluded = s.notPrincipal.any || (p.type === 'AWSService'
      ? s.notPrincipal.service.includes(p.arn)
      : principalArns(p).some((a) => s.notPrincipal!.aws.includes(a)));
    return excluded ? undefined : 'principal';
  }
  return 'principal';
}

/** True when every condition clause of the statement holds. */
export function conditionsHold(s: PolicyStatement, ctx: ConditionContext): boolean {
  if (!s.variables) return s.conditions.every((c) => evaluateCondition(c, ctx));
  return s.conditions.every((c) => evaluateCondition({ ...c, values: withVariables(s, c.values, ctx, GLOB_OPERATORS.has(c.base)) }, ctx));
}

function q(s: string): string {
  return `"${s}"`;
}

/** The first condition clause of the statement that does not hold, or undefined. */
export function firstFailingCondition(s: PolicyStatement, ctx: ConditionContext): ConditionClause | undefined {
  for (const c of s.conditions) {
    const clause = s.variables ? { ...c, values: withVariables(s, c.values, ctx, GLOB_OPERATORS.has(c.base)) } : c;
    if (!evaluateCondition(clause, ctx)) return c;
  }
  return undefined;
}

/**
 * An Allow statement that names the caller, the action and the resource but whose condition failed
 * (for the reason of an implicit deny: which condition was not met). Names operator and key only.
 */
function nearMiss(req: AccessRequest): string | undefined {
  const { principal: p, action, resource, context } = req;
  for (const s of req.keyPolicy.statements) {
    if (s.effect !== 'Allow' || !principalMatches(s, p) || !actionMatches(s, action) || !resourceMatches(s, resource, context)) continue;
    const c = firstFailingCondition(s, context);
    if (c) return `key policy statement ${q(statementLabel(s))} would allow it, but its condition ${c.operator} ${c.key} is not met`;
  }
  if (p.type !== 'User' && p.type !== 'Role' && p.type !== 'AssumedRole') return undefined;
  for (const pol of req.identityPolicies ?? []) {
    for (const s of pol.document.statements) {
      if (s.effect !== 'Allow' || !actionMatches(s, action) || !resourceMatches(s, resource, context)) continue;
      const c = firstFailingCondition(s, context);
      if (c) return `IAM policy ${q(pol.name)} statement ${q(statementLabel(s))} would allow it, but its condition ${c.operator} ${c.key} is not met`;
    }
  }
  return undefined;
}

/**
 * The statements of the caller's IAM identity policies that apply to the request. IAM policies
 * bind IAM users and roles only, never an account root or a service principal.
 */
function matchIdentityPolicies(
  p: Principal, policies: readonly NamedPolicy[] | undefined, action: string, resource: string, context: ConditionContext,
): MatchedStatement[] {
  if (p.type !== 'User' && p.type !== 'Role' && p.type !== 'AssumedRole') return [];
  const matched: MatchedStatement[] = [];
  for (const pol of policies ?? []) {
    for (const s of pol.document.statements) {
      if (!actionMatches(s, action) || !resourceMatches(s, resource, context) || !conditionsHold(s, context)) continue;
      matched.push({
        source: 'iam-policy', policyName: pol.name, label: statementLabel(s), effect: s.effect,
        ...(s.sid !== undefined ? { sid: s.sid } : {}),
      });
    }
  }
  return matched;
}

const NONE: readonly never[] = Object.freeze([]);

/** A frozen AccessDecision (the arrays given are frozen in place). */
export function accessDecision(
  allowed: boolean, basis: DecisionBasis, reason: string,
  parts: { deciding?: readonly MatchedStatement[]; grants?: readonly MatchedGrant[]; matched?: readonly MatchedStatement[] } = {},
): AccessDecision {
  return Object.freeze({
    decision: allowed ? 'Allow' : 'Deny', allowed, basis,
    deciding: Object.freeze(parts.deciding ?? NONE), grants: Object.freeze(parts.grants ?? NONE),
    matched: Object.freeze(parts.matched ?? NONE), reason,
  });
}

function describe(m: MatchedStatement): string {
  return m.source === 'key-policy'
    ? `key policy statement ${q(m.label)}`
    : `IAM policy ${q(m.policyName ?? '')} statement ${q(m.label)}`;
}

/** Evaluates one KMS request. Pure. */
export function evaluateAccess(req: AccessRequest): AccessDecision {
  const { principal: p, action, resource, context } = req;
  const matched: MatchedStatement[] = [];

  for (const s of req.keyPolicy.statements) {
    const via = principalMatches(s, p);
    if (!via || !actionMatches(s, action) || !resourceMatches(s, resource, context) || !conditionsHold(s, context)) continue;
    matched.push({
      source: 'key-policy', label: statementLabel(s), effect: s.effect,
      ...(s.sid !== undefined ? { sid: s.sid } : {}),
      ...(s.effect === 'Allow' ? { via } : {}),
    });
  }
  matched.push(...matchIdentityPolicies(p, req.identityPolicies, action, resource, context));

  const result = (
    allowed: boolean, basis: DecisionBasis, deciding: MatchedStatement[], reason: string, grants: MatchedGrant[] = [],
  ): AccessDecision => accessDecision(allowed, basis, reason, { deciding, grants, matched });

  // 1. Explicit deny anywhere wins.
  const denies = matched.filter((m) => m.effect === 'Deny');
  if (denies.length > 0) {
    return result(false, 'explicit-deny', denies, `${action} on ${resource} is explicitly denied to ${p.arn} by ${describe(denies[0]!)}`);
  }

  // 5. AWS managed keys: only through their service.
  if (req.keyManager === 'AWS' && AWS_MANAGED_CRYPTO.test(action) && !context.has('kms:viaservice')) {
    return result(false, 'aws-managed-key', [], `${action} on AWS managed key ${resource} is allowed only through its AWS service (kms:ViaService)`);
  }

  const kpDirect = matched.filter((m) => m.source === 'key-policy' && m.via === 'principal');
  const kpAccount = matched.filter((m) => m.source === 'key-policy' && m.via === 'account');
  const iamAllow = matched.filter((m) => m.source === 'iam-policy');
  const sameAccount = p.type !== 'AWSService' && p.accountId === req.resourceAccountId;
  const isRoot = p.type === 'Account';

  const grants: MatchedGrant[] = p.type === 'AWSService' ? [] : (req.grants ?? [])
    .filter((g) => g.KeyId === resource && grantAllows(g, principalArns(p), action, req.encryptionContext ?? {}))
    .map((g) => ({ grantId: g.GrantId, ...(g.Name ? { name: g.Name } : {}) }));

  if (sameAccount || p.type === 'AWSService') {
    if (kpDirect.length > 0) {
      return result(true, 'key-policy', kpDirect, `${action} allowed to ${p.arn} by ${describe(kpDirect[0]!)}`);
    }
    if (kpAccount.length > 0 && iamAllow.length > 0) {
      return result(true, 'key-policy-and-iam-policy', [kpAccount[0]!, iamAllow[0]!],
        `${action} allowed to ${p.arn} by ${describe(iamAllow[0]!)}; ${describe(kpAccount[0]!)} enables IAM policies for account ${p.accountId}`);
    }
  } else {
    const kp = [...kpDirect, ...kpAccount];
    if (kp.length > 0 && (isRoot || iamAllow.length > 0)) {
      const deciding = isRoot ? [kp[0]!] : [kp[0]!, iamAllow[0]!];
      return result(true, 'key-policy-and-iam-policy', deciding,
        `cross-account ${action} allowed to ${p.arn} by ${describe(kp[0]!)} of the key's account ${req.resourceAccountId}` +
          (isRoot ? '' : ` and ${describe(iamAllow[0]!)} in account ${p.accountId}`));
    }
  }
  if (grants.length > 0) {
    return result(true, 'grant', [], `${action} allowed to ${p.arn} by grant ${grants[0]!.grantId}`, grants);
  }

  // Implicit deny: say which half was missing.
  let reason: string;
  if (sameAccount) {
    reason = kpAccount.length > 0
      ? `no IAM policy of ${p.arn} allows ${action} on ${resource} (the key policy enables IAM policies via ${describe(kpAccount[0]!)})`
      : iamAllow.length > 0
        ? `the key policy of ${resource} neither allows ${p.arn} ${action} nor enables IAM policies for account ${p.accountId}, so IAM policy ${q(iamAllow[0]!.policyName ?? '')} has no effect`
        : `no key policy statement, IAM policy or grant allows ${p.arn} to call ${action} on ${resource}`;
  } else if (p.type === 'AWSService') {
    reason = `no key policy statement allows service ${p.arn} to call ${action} on ${resource}`;
  } else {
    const kp = [...kpDirect, ...kpAccount];
    reason = kp.length > 0
      ? `cross-account: ${describe(kp[0]!)} allows account ${p.accountId}, but no IAM policy of ${p.arn} in that account allows ${action} on ${resource}`
      : `cross-account: the key policy of ${resource} (account ${req.resourceAccountId}) does not allow ${p.arn} or account ${p.accountId} to call ${action}`;
  }
  const miss = nearMiss(req);
  return result(false, 'implicit-deny', [], miss ? `nothing allows ${p.arn} ${action}: ${miss}` : reason);
}

export interface IdentityOnlyRequest {
  readonly principal: Principal;
  readonly action: string;
  readonly identityPolicies?: readonly NamedPolicy[];
  readonly context: ConditionContext;
}

/**
 * Actions that involve no KMS key (CreateKey, ListKeys, ListAliases, GenerateRandom,
 * ListRetirableGrants, …) are controlled by IAM policies alone, with Resource "*" (KMS Developer
 * Guide, "Permissions reference"). An account root may call them in its own account.
 */
export function evaluateIdentityOnly(req: IdentityOnlyRequest): AccessDecision {
  const { principal: p, action, context } = req;
  const matched = matchIdentityPolicies(p, req.identityPolicies, action, '*', context);
  const done = (allowed: boolean, basis: DecisionBasis, deciding: MatchedStatement[], reason: string): AccessDecision =>
    accessDecision(allowed, basis, reason, { deciding, matched });
  const denies = matched.filter((m) => m.effect === 'Deny');
  if (denies.length > 0) return done(false, 'explicit-deny', denies, `${action} is explicitly denied to ${p.arn} by ${describe(denies[0]!)}`);
  if (p.type === 'Account') return done(true, 'account-root', [], `${action} involves no key; the account root ${p.arn} may call it`);
  const allows = matched.filter((m) => m.effect === 'Allow');
  if (allows.length > 0) return done(true, 'identity-policy', [allows[0]!], `${action} allowed to ${p.arn} by ${describe(allows[0]!)}`);
  return done(false, 'implicit-deny', [], `no IAM policy of ${p.arn} allows ${action} (it involves no key, so only IAM policies apply)`);
}
