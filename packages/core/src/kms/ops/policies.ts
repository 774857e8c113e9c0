/**
 * PutKeyPolicy, GetKeyPolicy, ListKeyPolicies (AWS KMS API Reference). Every key has exactly one
 * key policy, named "default". PutKeyPolicy validates the grammar and the principals
 * (MalformedPolicyDocumentException, 32 KB limit) and runs the lockout safety check unless
 * BypassPolicyLockoutSafetyCheck is set. CreateKey uses `checkNewKeyPolicy` for the same checks.
 */
import { ValidationException } from '../../errors.js';
import { DEFAULT_POLICY_NAME } from '../../policy/default-key-policy.js';
import { checkPolicyLockout } from '../../policy/lockout-check.js';
import { parsePolicyDocument } from '../../policy/policy-document.js';
import { parsePrincipal } from '../../policy/principal.js';
import { buildConditionContext } from '../../policy/request-context.js';
import { iamSectionOf, identityPoliciesOf, principalExistsIn } from '../../iam/iam-state.js';
import { keyOf, type OpContext, type Operation } from '../operation.js';
import { requireString } from './validate.js';

export interface PutKeyPolicyRequest {
  KeyId: string;
  PolicyName?: string;
  Policy: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}
export interface GetKeyPolicyRequest { KeyId: string; PolicyName?: string }
export interface GetKeyPolicyResponse { Policy: string; PolicyName: string }
export interface ListKeyPoliciesRequest { KeyId: string; Limit?: number; Marker?: string }
export interface ListKeyPoliciesResponse { PolicyNames: string[]; Truncated: boolean }

function checkPolicyName(name: unknown): void {
  if (name !== undefined && name !== DEFAULT_POLICY_NAME) {
    throw new ValidationException(`PolicyName must be "${DEFAULT_POLICY_NAME}" (the only key policy name), got "${String(name)}"`);
  }
}

/**
 * Validates a key policy for a key in this call (grammar, size, principals that exist in the
 * local IAM) and runs the lockout safety check for the caller unless `bypass`. Returns the text.
 */
export function checkNewKeyPolicy(ctx: OpContext, policy: unknown, keyArn: string, keyAccountId: string, bypass: boolean | undefined): string {
  const text = requireString(policy, 'Policy', 1, 32768);
  const iam = iamSectionOf(ctx.store.sections);
  const doc = parsePolicyDocument(text, { kind: 'key', principalExists: (arn) => principalExistsIn(iam, arn) });
  const principal = parsePrincipal(ctx.caller.principal);
  checkPolicyLockout({
    newPolicy: doc,
    principal,
    identityPolicies: identityPoliciesOf(iam, principal),
    keyArn,
    keyAccountId,
    context: buildConditionContext({
      principal, now: ctx.clock(), region: ctx.region,
      ...(ctx.caller.sourceIp ? { sourceIp: ctx.caller.sourceIp } : {}),
      ...(ctx.caller.viaService ? { viaService: ctx.caller.viaService } : {}),
    }),
    bypass: bypass === true,
  });
  return text;
}

export const putKeyPolicyOp: Operation<PutKeyPolicyRequest, Record<string, never>> = {
  name: 'PutKeyPolicy',
  mutates: true,
  validate(req) {
    checkPolicyName(req.PolicyName);
    requireString(req.Policy, 'Policy', 1, 32768);
  },
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  conditions: (req) => ({ BypassPolicyLockoutSafetyCheck: req.BypassPolicyLockoutSafetyCheck === true }),
  act(ctx, req) {
    const key = keyOf(ctx);
    key.policy = checkNewKeyPolicy(ctx, req.Policy, key.arn, key.accountId, req.BypassPolicyLockoutSafetyCheck);
    return {};
  },
};

export const getKeyPolicyOp: Operation<GetKeyPolicyRequest, GetKeyPolicyResponse> = {
  name: 'GetKeyPolicy',
  mutates: false,
  validate: (req) => checkPolicyName(req.PolicyName),
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  act: (ctx) => ({ Policy: keyOf(ctx).policy, PolicyName: DEFAULT_POLICY_NAME }),
};

export const listKeyPoliciesOp: Operation<ListKeyPoliciesRequest, ListKeyPoliciesResponse> = {
  name: 'ListKeyPolicies',
  mutates: false,
  validate(req) {
    if (req.Limit !== undefined && (!Number.isInteger(req.Limit) || req.Limit < 1 || req.Limit > 1000)) {
      throw new ValidationException('Limit must be an integer between 1 and 1000');
    }
  },
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  act: () => ({ PolicyNames: [DEFAULT_POLICY_NAME], Truncated: false }),
};
