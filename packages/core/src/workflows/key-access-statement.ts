/**
 * The minimal key-policy statement a target account needs to copy an artifact encrypted under
 * a key of another account (EBS User Guide, "Share a snapshot": "the key policy must allow the
 * target account kms:DescribeKey, kms:CreateGrant, kms:Decrypt and kms:ReEncrypt*"; KMS Developer
 * Guide, "Allowing users in other accounts to use a KMS key"). Pure functions over policy JSON.
 */
import { MalformedPolicyDocumentException } from '../errors.js';

/** The actions a sharing statement allows (ReEncrypt* covers ReEncryptFrom and ReEncryptTo). */
export const SHARE_KEY_ACTIONS = ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant'] as const;

/** Sid of the statement `share --grant-key-access` adds for `targetAccount`. */
export function shareStatementSid(targetAccount: string): string {
  return `EnvelopeShareWith${targetAccount}`;
}

export interface KeyAccessStatementOptions {
  /** When set, the statement only applies to calls made through this service (kms:ViaService). */
  readonly viaService?: string;
}

/** The statement allowing `targetAccount` (its root: the account then delegates by IAM) to copy. */
export function keyAccessStatement(targetAccount: string, options: KeyAccessStatementOptions = {}): Record<string, unknown> {
  const statement: Record<string, unknown> = {
    Sid: shareStatementSid(targetAccount),
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${targetAccount}:root` },
    Action: [...SHARE_KEY_ACTIONS],
    Resource: '*',
  };
  if (options.viaService !== undefined) {
    statement.Condition = { StringEquals: { 'kms:ViaService': options.viaService } };
  }
  return statement;
}

function parseStatements(policyJson: string): { doc: Record<string, unknown>; statements: Record<string, unknown>[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(policyJson);
  } catch {
    throw new MalformedPolicyDocumentException('The key policy is not valid JSON');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MalformedPolicyDocumentException('The key policy must be a JSON object');
  }
  const raw = (doc as Record<string, unknown>).Statement;
  const statements = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) as Record<string, unknown>[];
  return { doc: doc as Record<string, unknown>, statements };
}

/**
 * Returns the policy with the sharing statement for `targetAccount` added (replacing an older one
 * with the same Sid), or `undefined` when the identical statement is already there.
 */
export function addKeyAccess(policyJson: string, targetAccount: string, options: KeyAccessStatementOptions = {}): string | undefined {
  const { doc, statements } = parseStatements(policyJson);
  const wanted = keyAccessStatement(targetAccount, options);
  const sid = shareStatementSid(targetAccount);
  const existing = statements.find((s) => s.Sid === sid);
  if (existing && JSON.stringify(existing) === JSON.stringify(wanted)) return undefined;
  const next = [...statements.filter((s) => s.Sid !== sid), wanted];
  return JSON.stringify({ ...doc, Statement: next }, null, 2);
}

/** Returns the policy without the sharing statement for `targetAccount`, or `undefined` if absent. */
export function removeKeyAccess(policyJson: string, targetAccount: string): string | undefined {
  const { doc, statements } = parseStatements(policyJson);
  const sid = shareStatementSid(targetAccount);
  if (!statements.some((s) => s.Sid === sid)) return undefined;
  return JSON.stringify({ ...doc, Statement: statements.filter((s) => s.Sid !== sid) }, null, 2);
}
