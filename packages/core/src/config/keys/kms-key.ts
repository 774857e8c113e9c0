/**
 * A SOPS `kms` master key as the key sources hand it to whoever opens the KMS (docs/CONFIG.md
 * "Key sources"): the key ARN, the IAM role to assume before calling KMS (`role`), and the AWS
 * profile whose credentials and settings make the calls (`aws_profile`). Pure helpers only:
 * SOPS's `ARN+ROLE_ARN` syntax, the region of a key ARN, and SOPS's STS session name
 * (`sops@<hostname>`) — the code that assumes roles and opens KMS clients lives in the shells.
 */
import type { KeyEntry } from '../metadata.js';

export interface KmsMasterKey {
  /** The KMS key's ARN (or id/alias, as written in the file). */
  readonly arn: string;
  /** An IAM role ARN to assume with STS AssumeRole; the KMS calls are made with its session. */
  readonly role?: string;
  /** An AWS profile (~/.aws/config, ~/.aws/credentials) for the credentials and settings of the calls. */
  readonly awsProfile?: string;
}

/**
 * `arn:aws:kms:…:key/ID+arn:aws:iam::ACCOUNT:role/R` → key ARN and role, as SOPS splits it
 * (spaces removed; an ARN cannot contain `:` in its path, so `+arn:` separates the two).
 */
export function splitArnRole(spec: string): { arn: string; role?: string } {
  const s = spec.replace(/ /g, '');
  const i = s.indexOf('+arn:');
  return i > 0 ? { arn: s.slice(0, i), role: s.slice(i + 1) } : { arn: s };
}

const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The master key of a file's `kms` entry. */
export function kmsMasterKeyOf(e: KeyEntry): KmsMasterKey {
  const role = nonEmpty(e.fields['role']);
  const awsProfile = nonEmpty(e.fields['aws_profile']);
  return { arn: String(e.fields['arn'] ?? ''), ...(role ? { role } : {}), ...(awsProfile ? { awsProfile } : {}) };
}

/** The region of a KMS key or alias ARN (SOPS takes the client's region from it), or undefined. */
export function kmsArnRegion(arn: string): string | undefined {
  return /^arn:aws[\w-]*:kms:([^:]+):\d+:(?:key|alias)\/.+$/.exec(arn)?.[1];
}

/** AWS's limit on RoleSessionName. */
const SESSION_NAME_MAX = 64;

/**
 * SOPS's STS session name: `sops@` and the hostname without the characters AWS does not allow in
 * a session name, cut to 64 characters.
 */
export function stsSessionName(hostname: string): string {
  return `sops@${hostname.replace(/[^\w+=,.@-]+/g, '')}`.slice(0, SESSION_NAME_MAX);
}
