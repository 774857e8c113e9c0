/**
 * Where grants live and what a grant token is (AWS KMS Developer Guide, "Grants in AWS KMS":
 * "Grant tokens" and "Eventual consistency"). Grants are kept in the keystore's "grants" section
 * by GrantId. A grant token names its grant and is usable at once; AWS allows at most 10 tokens
 * per request. Tokens are opaque to callers and are never logged.
 */
import { InvalidGrantTokenException, ValidationException } from '../errors.js';
import type { GrantRecord } from '../policy/grant.js';

export const GRANTS_SECTION = 'grants';
/** AWS KMS limit: grant tokens per request. */
export const MAX_GRANT_TOKENS = 10;
/** AWS KMS quota: grants per KMS key. */
export const MAX_GRANTS_PER_KEY = 50_000;
/** AWS KMS quota: grants for a given principal per KMS key. */
export const MAX_GRANTS_PER_PRINCIPAL_PER_KEY = 500;

export interface GrantsSection {
  grants: Record<string, GrantRecord>;
}

export function emptyGrantsSection(): GrantsSection {
  return { grants: {} };
}

/** The grants section of a store state (read-only view when absent). */
export function grantsSectionOf(sections: Readonly<Record<string, unknown>>): GrantsSection {
  return (sections[GRANTS_SECTION] as GrantsSection | undefined) ?? emptyGrantsSection();
}

/** All grants on one key. */
export function grantsForKey(sections: Readonly<Record<string, unknown>>, keyArn: string): GrantRecord[] {
  return Object.values(grantsSectionOf(sections).grants).filter((g) => g.KeyId === keyArn);
}

/**
 * Removes the grants of keys that no longer exist: a key's grants go with it when its deletion is
 * finalised (they are kept while the deletion is pending, as CancelKeyDeletion brings them back).
 */
export function dropGrantsOfDeletedKeys(sections: Readonly<Record<string, unknown>>, keys: Readonly<Record<string, unknown>>): void {
  const g = sections[GRANTS_SECTION] as GrantsSection | undefined;
  if (!g) return;
  for (const [id, grant] of Object.entries(g.grants)) if (keys[grant.KeyId] === undefined) delete g.grants[id];
}

const TOKEN_PREFIX = 'EnvGT1';

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** A new grant token for a grant (a fresh nonce each time, as AWS returns a new token per call). */
export function encodeGrantToken(grantId: string, nonce: Uint8Array): string {
  return `${TOKEN_PREFIX}${b64url(new TextEncoder().encode(`${grantId}.${b64url(nonce)}`))}`;
}

/** The GrantId a token names; InvalidGrantTokenException when it is not a grant token. */
export function parseGrantToken(token: string): string {
  if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) throw new InvalidGrantTokenException('The grant token is not valid');
  let text: string;
  try {
    text = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8');
  } catch {
    throw new InvalidGrantTokenException('The grant token is not valid');
  }
  const m = /^([0-9a-f]{64})\.[A-Za-z0-9_-]+$/.exec(text);
  if (!m) throw new InvalidGrantTokenException('The grant token is not valid');
  return m[1]!;
}

/** Checks a request's GrantTokens list (count, length, format). */
export function validateGrantTokens(tokens: unknown): string[] {
  if (tokens === undefined) return [];
  if (!Array.isArray(tokens)) throw new ValidationException('GrantTokens must be a list of strings');
  if (tokens.length > MAX_GRANT_TOKENS) {
    throw new ValidationException(`GrantTokens: member must have length less than or equal to ${MAX_GRANT_TOKENS}`);
  }
  return tokens.map((t) => {
    if (typeof t !== 'string' || t.length < 1 || t.length > 8192) throw new ValidationException('Each grant token must be 1 to 8192 characters');
    return parseGrantToken(t);
  });
}
