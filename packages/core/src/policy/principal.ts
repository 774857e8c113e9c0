/**
 * Callers ("principals") as IAM names them (IAM User Guide, "IAM identifiers" and "AWS JSON
 * policy elements: Principal"): the account root `arn:aws:iam::<account>:root`, IAM users
 * `arn:aws:iam::<account>:user/<path/name>`, IAM roles `arn:aws:iam::<account>:role/<name>`,
 * assumed-role sessions `arn:aws:sts::<account>:assumed-role/<role>/<session>` and AWS service
 * principals (`<service>.amazonaws.com`). `aws:PrincipalType` values follow CloudTrail's
 * userIdentity.type: Account (root), User, AssumedRole, AWSService.
 */
import { ValidationException } from '../errors.js';

export type PrincipalType = 'Account' | 'User' | 'Role' | 'AssumedRole' | 'AWSService';

export interface Principal {
  /** The principal's ARN (for a service principal, its service name). */
  readonly arn: string;
  /** The 12-digit account the principal belongs to ('' for AWS service principals). */
  readonly accountId: string;
  readonly type: PrincipalType;
  /** For users and roles: the friendly name (last path segment); for roots: 'root'. */
  readonly name: string;
  /** For assumed-role sessions: the ARN of the role (policies are the role's). */
  readonly roleArn?: string;
}

const ACCOUNT_RE = /^\d{12}$/;
const NAME_RE = /^[\w+=,.@-]{1,128}$/;
const SERVICE_RE = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

/** True for a 12-digit AWS account id. */
export function isAccountId(s: string): boolean {
  return ACCOUNT_RE.test(s);
}

/** The ARN of an account's root user. */
export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

/** True for an AWS service principal name such as "ec2.amazonaws.com". */
export function isServicePrincipal(s: string): boolean {
  return SERVICE_RE.test(s);
}

/** Parses a principal ARN (or service principal name); undefined when it is not one. */
export function tryParsePrincipal(arn: string): Principal | undefined {
  if (isServicePrincipal(arn)) return { arn, accountId: '', type: 'AWSService', name: arn };
  const m = /^arn:aws:(iam|sts)::(\d{12}):(.+)$/.exec(arn);
  if (!m) return undefined;
  const [, service, accountId, resource] = m as unknown as [string, string, string, string];
  if (service === 'iam') {
    if (resource === 'root') return { arn, accountId, type: 'Account', name: 'root' };
    const r = /^(user|role)\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,128})$/.exec(resource);
    if (!r) return undefined;
    return { arn, accountId, type: r[1] === 'user' ? 'User' : 'Role', name: r[2]! };
  }
  const s = /^assumed-role\/([\w+=,.@-]{1,64})\/([\w+=,.@-]{2,64})$/.exec(resource);
  if (!s) return undefined;
  return { arn, accountId, type: 'AssumedRole', name: s[2]!, roleArn: `arn:aws:iam::${accountId}:role/${s[1]}` };
}

/** Parses a principal ARN, throwing ValidationException with the offending value. */
export function parsePrincipal(arn: string): Principal {
  const p = tryParsePrincipal(arn);
  if (!p) {
    throw new ValidationException(
      `"${arn}" is not a principal ARN (expected arn:aws:iam::<12-digit account>:root|user/<name>|role/<name>)`,
    );
  }
  return p;
}

/** True for a valid IAM user or role name. */
export function isIamName(s: string): boolean {
  return NAME_RE.test(s);
}
