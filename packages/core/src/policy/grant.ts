/**
 * Grants (KMS Developer Guide, "Grants in AWS KMS"; API Reference "CreateGrant",
 * "GrantConstraints", "GrantListEntry"). A grant lets its grantee principal perform the listed
 * operations on one KMS key; encryption-context constraints apply only to operations that take an
 * encryption context (DescribeKey, RetireGrant, Sign, … are allowed regardless). In a constraint
 * the context key is not case sensitive, the value is.
 */

/** Operations a grant can allow (API Reference, CreateGrant "Operations"). */
export const GRANT_OPERATIONS = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
  'Sign', 'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
] as const;
export type GrantOperation = (typeof GRANT_OPERATIONS)[number];

/** Grant operations that take an encryption context, so constraints apply to them. */
export const CONTEXT_OPERATIONS: ReadonlySet<string> = new Set([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
  'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

export interface GrantConstraints {
  readonly EncryptionContextSubset?: Readonly<Record<string, string>>;
  readonly EncryptionContextEquals?: Readonly<Record<string, string>>;
}

/** A stored grant (GrantListEntry plus what KMS needs to enforce it). */
export interface GrantRecord {
  readonly GrantId: string;
  /** ARN of the KMS key the grant is for. */
  readonly KeyId: string;
  readonly Name?: string;
  readonly CreationDate: string;
  readonly GranteePrincipal: string;
  readonly RetiringPrincipal?: string;
  /** ARN of the account root that issued the grant (the key's account). */
  readonly IssuingAccount: string;
  readonly Operations: readonly GrantOperation[];
  readonly Constraints?: GrantConstraints;
}

/** True when `op` is a grant operation name. */
export function isGrantOperation(op: string): op is GrantOperation {
  return (GRANT_OPERATIONS as readonly string[]).includes(op);
}

function lowerKeys(ctx: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(Object.entries(ctx).map(([k, v]) => [k.toLowerCase(), v]));
}

/** True when the request's encryption context satisfies the grant's constraints. */
export function constraintsSatisfied(c: GrantConstraints | undefined, context: Readonly<Record<string, string>>): boolean {
  if (!c) return true;
  const req = lowerKeys(context);
  if (c.EncryptionContextEquals) {
    const want = lowerKeys(c.EncryptionContextEquals);
    if (want.size !== req.size) return false;
    for (const [k, v] of want) if (req.get(k) !== v) return false;
  }
  if (c.EncryptionContextSubset) {
    for (const [k, v] of lowerKeys(c.EncryptionContextSubset)) if (req.get(k) !== v) return false;
  }
  return true;
}

/**
 * The grant operation an action needs (`kms:Encrypt` → `Encrypt`), or undefined when no grant can
 * allow that action (e.g. kms:PutKeyPolicy).
 */
export function grantOperationFor(action: string): GrantOperation | undefined {
  const op = action.replace(/^kms:/i, '');
  return isGrantOperation(op) ? op : undefined;
}

/**
 * True when `grant` allows `principalArns` (the caller and, for role sessions, its role) to call
 * `action` with this encryption context.
 */
export function grantAllows(
  grant: GrantRecord,
  principalArns: readonly string[],
  action: string,
  encryptionContext: Readonly<Record<string, string>> = {},
): boolean {
  const op = grantOperationFor(action);
  if (!op || !grant.Operations.includes(op)) return false;
  if (!principalArns.includes(grant.GranteePrincipal)) return false;
  if (!CONTEXT_OPERATIONS.has(op)) return true;
  return constraintsSatisfied(grant.Constraints, encryptionContext);
}

/**
 * Who may retire a grant (API Reference, RetireGrant; not controlled by policies): its retiring
 * principal, its grantee when the grant allows RetireGrant, or the root of the account that issued
 * it. `principalArns` are the caller's names (for a role session, also its role).
 */
export function mayRetireGrant(grant: GrantRecord, principalArns: readonly string[]): boolean {
  if (grant.RetiringPrincipal !== undefined && principalArns.includes(grant.RetiringPrincipal)) return true;
  if (principalArns.includes(grant.GranteePrincipal) && grant.Operations.includes('RetireGrant')) return true;
  return principalArns.includes(grant.IssuingAccount);
}

/**
 * True when `child` constraints are at least as strict as `parent` (a grant created through a
 * grant's CreateGrant permission must be; API Reference, GrantConstraints).
 */
export function constraintsAtLeastAsStrict(parent: GrantConstraints | undefined, child: GrantConstraints | undefined): boolean {
  if (!parent || (!parent.EncryptionContextEquals && !parent.EncryptionContextSubset)) return true;
  if (!child) return false;
  if (parent.EncryptionContextEquals) {
    if (!child.EncryptionContextEquals) return false;
    return constraintsSatisfied({ EncryptionContextEquals: parent.EncryptionContextEquals }, child.EncryptionContextEquals);
  }
  const sub = parent.EncryptionContextSubset!;
  const candidate = child.EncryptionContextEquals ?? child.EncryptionContextSubset;
  return candidate !== undefined && constraintsSatisfied({ EncryptionContextSubset: sub }, candidate);
}
