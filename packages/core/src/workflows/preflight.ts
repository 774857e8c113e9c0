/**
 * The permission pre-check of a copy (docs/WORKFLOWS.md §4): before any data moves, every
 * permission the copy will need is evaluated the way the Kms door will evaluate it (key policy,
 * the caller's IAM policies, grants, key state), and all missing ones are reported at once, each
 * with the evaluator's reason — instead of failing on the first KMS call half-way through.
 */
import { AccessDeniedException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { explainKmsAccess } from './kms-access.js';
import type { WorkflowContext } from './workflow-context.js';

/** One KMS permission a workflow needs. */
export interface RequiredPermission {
  /** What the key is to the workflow, for messages: 'source key', 'target key'. */
  readonly role: string;
  /** The caller as the workflow will call (region + viaService set). */
  readonly caller: CallContext;
  readonly region: string;
  /** e.g. "kms:Decrypt". */
  readonly action: string;
  /** Key ARN (or the identifier the user gave when it cannot be resolved). */
  readonly keyId: string;
  /** The call's EncryptionContext (for kms:ReEncryptFrom/To: its SourceEncryptionContext). */
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /**
   * For kms:ReEncryptFrom/To: the ReEncrypt's DestinationEncryptionContext. The Kms door checks
   * the destination key (kms:ReEncryptTo) against it and the source key (kms:ReEncryptFrom)
   * against `encryptionContext`.
   */
  readonly destinationEncryptionContext?: Readonly<Record<string, string>>;
}

export interface MissingPermission {
  /** e.g. "kms:Decrypt on arn:aws:kms:… (source key)" or "snapshot snap-…". */
  readonly what: string;
  readonly reason: string;
  /** The permission that is missing (absent for non-KMS items such as sharing). */
  readonly permission?: RequiredPermission;
}

/** AccessDeniedException listing every missing permission (`missing`), one per line. */
export class MissingPermissionsException extends AccessDeniedException {
  readonly missing: readonly MissingPermission[];
  constructor(subject: string, missing: readonly MissingPermission[]) {
    const n = missing.length;
    super(
      `${subject} cannot start: ${n} missing permission${n === 1 ? '' : 's'}:\n` +
        missing.map((m) => `  - ${m.what}: ${m.reason}`).join('\n'),
    );
    this.missing = missing;
  }
}

/** Evaluates every required permission; returns the missing ones (deduplicated, in order). */
export async function findMissing(ctx: WorkflowContext, required: readonly RequiredPermission[]): Promise<MissingPermission[]> {
  const seen = new Set<string>();
  const missing: MissingPermission[] = [];
  for (const r of required) {
    const what = `${r.action} on ${r.keyId} (${r.role})`;
    const id = `${r.caller.principal}|${what}|${JSON.stringify([r.encryptionContext ?? {}, r.destinationEncryptionContext ?? {}])}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const decision = await explainKmsAccess(ctx, r);
    if (!decision.allowed) missing.push({ what, reason: decision.reason, permission: r });
  }
  return missing;
}
