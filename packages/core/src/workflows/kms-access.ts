/**
 * Asking the Kms "would this call be allowed, and why not?" without making it (the pre-check of
 * preflight.ts): the same steps as the Kms door (kms.ts `call`) up to the decision — resolve the
 * key in the call's region, check the key state for the operation, then ask the Kms's own
 * Authorizer (key policy, the caller's IAM policies, grants) — so the pre-check and the real call
 * can never disagree. Nothing is audited and nothing changes.
 */
import { KmsError } from '../errors.js';
import type { AuthorizationRequest } from '../kms/hooks.js';
import { KMS_SECTION, emptyKmsSection, type KeyRecord, type KmsSection } from '../kms/key-record.js';
import { keyStateError } from '../kms/key-states.js';
import { PolicyAuthorizer } from '../kms/policy-authorizer.js';
import { authorizationResource, resolveKey } from '../kms/resolve.js';
import type { RequiredPermission } from './preflight.js';
import type { WorkflowContext } from './workflow-context.js';

/** The AWS operation whose door checks `action` (ReEncryptFrom/To are both ReEncrypt). */
const OPERATION_OF: Record<string, { operation: string; role: 'target' | 'source' | 'destination' }> = {
  'kms:ReEncryptFrom': { operation: 'ReEncrypt', role: 'source' },
  'kms:ReEncryptTo': { operation: 'ReEncrypt', role: 'destination' },
};

function sectionOf(ctx: WorkflowContext, region: string): KmsSection {
  const state = ctx.kmsFor(region).store.read();
  return (state.sections[KMS_SECTION] as KmsSection | undefined) ?? emptyKmsSection();
}

/** Evaluates one required permission as the Kms door would; `reason` explains a denial. */
export async function explainKmsAccess(ctx: WorkflowContext, r: RequiredPermission): Promise<{ allowed: boolean; reason: string }> {
  const { operation, role } = OPERATION_OF[r.action] ?? { operation: r.action.replace(/^kms:/, ''), role: 'target' as const };
  const section = sectionOf(ctx, r.region);
  let key: KeyRecord;
  let alias: string | undefined;
  try {
    ({ key, alias } = resolveKey(section, r.keyId, { caller: r.caller, region: r.region }));
  } catch (e) {
    if (e instanceof KmsError) return { allowed: false, reason: `${e.name}: ${e.message}` };
    throw e;
  }
  const stateError = keyStateError(operation, key.state, key.arn);
  if (stateError) return { allowed: false, reason: `${stateError.name}: ${stateError.message}` };
  // As the door's conditions (kms.ts roleContext): ReEncrypt's source key is checked against its
  // SourceEncryptionContext, its destination key against its DestinationEncryptionContext.
  const encryptionContext = role === 'destination' ? r.destinationEncryptionContext : r.encryptionContext;
  const req: AuthorizationRequest = {
    caller: r.caller,
    action: r.action,
    operation,
    resource: authorizationResource(section, key),
    resourceRole: role,
    region: r.region,
    conditions: {
      ...(encryptionContext ? { EncryptionContext: encryptionContext } : {}),
      ...(r.caller.viaService ? { ViaService: r.caller.viaService } : {}),
      ...(alias ? { RequestAlias: alias } : {}),
    },
  };
  // A PolicyAuthorizer decides without side effects (its authorize() also takes request quota).
  const authorizer = ctx.kmsFor(r.region).authorizer;
  const decision = authorizer instanceof PolicyAuthorizer ? authorizer.decide(req) : await authorizer.authorize(req);
  return { allowed: decision.allowed, reason: decision.reason };
}

/** The ARN of the replica in `region` of a multi-Region key, if it exists. */
export async function replicaIn(ctx: WorkflowContext, keyArn: string, region: string): Promise<string | undefined> {
  const m = /^arn:(aws[a-z-]*):kms:[a-z0-9-]+:(\d{12}):key\/(mrk-[0-9a-f]{32})$/.exec(keyArn);
  if (!m) return undefined;
  const candidate = `arn:${m[1]}:kms:${region}:${m[2]}:key/${m[3]}`;
  return sectionOf(ctx, region).keys[candidate] ? candidate : undefined;
}
