/**
 * The key policy lockout safety check (API Reference, PutKeyPolicy / CreateKey
 * "BypassPolicyLockoutSafetyCheck"): AWS KMS refuses a key policy that would stop the principal
 * making the request from ever calling PutKeyPolicy on the key again, unless the caller sets
 * BypassPolicyLockoutSafetyCheck. The error is MalformedPolicyDocumentException.
 */
import { MalformedPolicyDocumentException } from '../errors.js';
import type { ConditionContext } from './condition-operators.js';
import type { AccessDecision, NamedPolicy } from './evaluate.js';
import { evaluateAccess } from './evaluate.js';
import type { PolicyDocument } from './policy-document.js';
import type { Principal } from './principal.js';

export interface LockoutCheckInput {
  readonly newPolicy: PolicyDocument;
  readonly principal: Principal;
  readonly identityPolicies?: readonly NamedPolicy[];
  readonly keyArn: string;
  readonly keyAccountId: string;
  readonly context: ConditionContext;
  readonly bypass?: boolean;
}

/** Throws MalformedPolicyDocumentException when the new policy would lock the caller out. */
export function checkPolicyLockout(input: LockoutCheckInput): AccessDecision | undefined {
  if (input.bypass) return undefined;
  const decision = evaluateAccess({
    principal: input.principal,
    action: 'kms:PutKeyPolicy',
    resource: input.keyArn,
    resourceAccountId: input.keyAccountId,
    keyPolicy: input.newPolicy,
    identityPolicies: input.identityPolicies ?? [],
    context: input.context,
  });
  if (!decision.allowed) {
    throw new MalformedPolicyDocumentException(
      `The new key policy will not allow you to update the key policy in the future (${decision.reason}). ` +
        'Set BypassPolicyLockoutSafetyCheck to apply it anyway.',
    );
  }
  return decision;
}
