/**
 * The persisted IAM section of the keystore (IAM API Reference: User, Role, AccessKeyMetadata,
 * inline policies via PutUserPolicy / PutRolePolicy) plus Envelope's local accounts and CLI
 * profiles. Pure accessors used by the Iam service and by the policy authorizer.
 */
import { parsePolicyDocument } from '../policy/policy-document.js';
import type { NamedPolicy } from '../policy/evaluate.js';
import type { Principal } from '../policy/principal.js';
import { isAccountId, rootArn } from '../policy/principal.js';

export const IAM_SECTION = 'iam';
/** The account a fresh store starts with (the KMS work's default too). */
export const DEFAULT_IAM_ACCOUNT = '111122223333';
export const DEFAULT_PROFILE = 'default';

export interface AccountRecord {
  readonly AccountId: string;
  readonly AccountAlias?: string;
  readonly CreateDate: string;
}

export interface IdentityRecord {
  readonly Arn: string;
  readonly AccountId: string;
  /** UserName or RoleName. */
  readonly Name: string;
  /** AIDA… for users, AROA… for roles. */
  readonly Id: string;
  readonly Path: string;
  readonly CreateDate: string;
  readonly Description?: string;
  /** Roles: the trust policy (who may AssumeRole it), JSON. A role without one cannot be assumed. */
  AssumeRolePolicyDocument?: string;
  /** Roles: the longest session AssumeRole may grant, in seconds (3600 unless set; AWS's default). */
  readonly MaxSessionDuration?: number;
  /** Inline identity policies: name → JSON document. */
  policies: Record<string, string>;
}

export interface AccessKeyRecord {
  readonly AccessKeyId: string;
  readonly UserArn: string;
  readonly UserName: string;
  readonly AccountId: string;
  Status: 'Active' | 'Inactive';
  readonly CreateDate: string;
  /** The secret, sealed under the keystore root key (or plain hex when no sealer is available). */
  readonly sealedSecret: Uint8Array | string;
}

export interface ProfileRecord {
  readonly ProfileName: string;
  readonly Principal: string;
  readonly AccountId: string;
  readonly Region?: string;
  /** A profile saved by `envelope sts assume-role --save-profile`: the session it acts in (expires with it). */
  readonly SessionAccessKeyId?: string;
}

export interface IamState {
  version: 1;
  defaultAccountId: string;
  accounts: Record<string, AccountRecord>;
  users: Record<string, IdentityRecord>;
  roles: Record<string, IdentityRecord>;
  accessKeys: Record<string, AccessKeyRecord>;
  profiles: Record<string, ProfileRecord>;
}

export function emptyIamState(defaultAccountId = DEFAULT_IAM_ACCOUNT, createDate = '1970-01-01T00:00:00.000Z'): IamState {
  return {
    version: 1,
    defaultAccountId,
    accounts: { [defaultAccountId]: { AccountId: defaultAccountId, CreateDate: createDate } },
    users: {},
    roles: {},
    accessKeys: {},
    profiles: {},
  };
}

/** The IAM section of a store state, or a fresh one (not persisted) when absent. */
export function iamSectionOf(sections: Readonly<Record<string, unknown>>): IamState {
  return (sections[IAM_SECTION] as IamState | undefined) ?? emptyIamState();
}

/** True when the principal exists: any account root, or a user/role present in the state. */
export function principalExistsIn(state: IamState, arn: string): boolean {
  if (/^arn:aws:iam::\d{12}:root$/.test(arn)) return true;
  if (state.users[arn] || state.roles[arn]) return true;
  const m = /^arn:aws:sts::(\d{12}):assumed-role\/([^/]+)\//.exec(arn);
  return m ? Boolean(state.roles[`arn:aws:iam::${m[1]}:role/${m[2]}`]) : false;
}

/** The identity record (user or role) policies come from for a principal, if any. */
export function identityOf(state: IamState, p: Principal): IdentityRecord | undefined {
  if (p.type === 'User') return state.users[p.arn];
  if (p.type === 'Role') return state.roles[p.arn];
  if (p.type === 'AssumedRole' && p.roleArn) return state.roles[p.roleArn];
  return undefined;
}

const parsedCache = new Map<string, NamedPolicy['document']>();

/** The principal's inline identity policies, parsed (cached by text). */
export function identityPoliciesOf(state: IamState, p: Principal): NamedPolicy[] {
  const rec = identityOf(state, p);
  if (!rec) return [];
  return Object.entries(rec.policies).map(([name, text]) => {
    let document = parsedCache.get(text);
    if (!document) {
      document = parsePolicyDocument(text, { kind: 'identity' });
      if (parsedCache.size > 1000) parsedCache.clear();
      parsedCache.set(text, document);
    }
    return { name, document };
  });
}

/** Resolves a principal argument: an ARN, "root", "user/<name>" or "role/<name>" in `accountId`. */
export function expandPrincipal(ref: string, accountId: string): string {
  if (ref.startsWith('arn:')) return ref;
  if (ref === 'root') return rootArn(accountId);
  if (isAccountId(ref)) return rootArn(ref);
  if (/^(user|role)\//.test(ref)) return `arn:aws:iam::${accountId}:${ref}`;
  return ref;
}
