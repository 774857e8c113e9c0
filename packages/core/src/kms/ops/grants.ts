/**
 * CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant (AWS KMS API Reference;
 * Developer Guide "Grants in AWS KMS"). A grant lets its grantee perform the listed operations on
 * one key, optionally only with a given encryption context; Name makes CreateGrant idempotent
 * (identical parameters return the existing GrantId with a new token). Grants are enforced by the
 * policy authorizer (kms/policy-authorizer.ts).
 */
import { AccessDeniedException, LimitExceededException, NotFoundException, ValidationException, InvalidGrantIdException } from '../../errors.js';
import { GRANT_OPERATIONS, mayRetireGrant, type GrantConstraints, type GrantOperation, type GrantRecord } from '../../policy/grant.js';
import { principalArns } from '../../policy/evaluate.js';
import { isServicePrincipal, tryParsePrincipal, rootArn } from '../../policy/principal.js';
import { section } from '../../keystore/keystore.js';
import { keyOf, type Operation, type OpContext } from '../operation.js';
import { resolveKey } from '../resolve.js';
import { KMS_SECTION, emptyKmsSection, type KeyRecord, type KmsSection } from '../key-record.js';
import {
  emptyGrantsSection, encodeGrantToken, GRANTS_SECTION, grantsForKey, grantsSectionOf, MAX_GRANTS_PER_KEY,
  MAX_GRANTS_PER_PRINCIPAL_PER_KEY, parseGrantToken, validateGrantTokens, type GrantsSection,
} from '../grant-section.js';
import { paginate, requireString } from './validate.js';

export interface CreateGrantRequest {
  KeyId: string;
  GranteePrincipal: string;
  RetiringPrincipal?: string;
  Operations: GrantOperation[];
  Constraints?: GrantConstraints;
  GrantTokens?: string[];
  Name?: string;
  DryRun?: boolean;
}
export interface CreateGrantResponse { GrantToken: string; GrantId: string }
/** GrantListEntry as the API returns it (CreationDate as a Date, like the other KMS timestamps). */
export interface GrantListEntry extends Omit<GrantRecord, 'CreationDate'> { CreationDate: Date }

function listEntry(g: GrantRecord): GrantListEntry {
  return { ...g, CreationDate: new Date(g.CreationDate) };
}
export interface ListGrantsRequest { KeyId: string; GrantId?: string; GranteePrincipal?: string; Limit?: number; Marker?: string; GrantTokens?: string[] }
export interface ListGrantsResponse { Grants: GrantListEntry[]; NextMarker?: string; Truncated: boolean }
export interface ListRetirableGrantsRequest { RetiringPrincipal: string; Limit?: number; Marker?: string }
export interface RetireGrantRequest { GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean }
export interface RevokeGrantRequest { KeyId: string; GrantId: string; DryRun?: boolean }

/** Operations each key usage can be granted (CreateGrant "Operations": must suit the key type). */
function allowedFor(key: KeyRecord): ReadonlySet<string> {
  const common = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return new Set(key.keySpec === 'SYMMETRIC_DEFAULT'
        ? [...common, 'Encrypt', 'Decrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']
        : [...common, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey']);
    case 'SIGN_VERIFY':
      return new Set([...common, 'Sign', 'Verify', 'GetPublicKey']);
    case 'GENERATE_VERIFY_MAC':
      return new Set([...common, 'GenerateMac', 'VerifyMac']);
    case 'KEY_AGREEMENT':
      return new Set([...common, 'DeriveSharedSecret', 'GetPublicKey']);
    default:
      return new Set(common);
  }
}

function validPrincipal(value: unknown, field: string): string {
  const s = requireString(value, field, 1, 256);
  if (!isServicePrincipal(s) && !tryParsePrincipal(s)) {
    throw new ValidationException(`${field} must be an IAM principal ARN (account root, user, role or assumed role) or an AWS service principal, got "${s}"`);
  }
  return s;
}

function validateConstraints(c: unknown): GrantConstraints | undefined {
  if (c === undefined) return undefined;
  if (typeof c !== 'object' || c === null) throw new ValidationException('Constraints must be an object');
  const out: { EncryptionContextSubset?: Record<string, string>; EncryptionContextEquals?: Record<string, string> } = {};
  for (const [k, v] of Object.entries(c)) {
    if (k !== 'EncryptionContextSubset' && k !== 'EncryptionContextEquals') throw new ValidationException(`Constraints: unknown field ${k}`);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ValidationException(`Constraints.${k} must be a map of strings`);
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length > 8) throw new ValidationException(`Constraints.${k} can hold at most 8 encryption context pairs`);
    for (const [ek, ev] of entries) {
      if (typeof ev !== 'string' || ek.length === 0 || ev.length > 384) {
        throw new ValidationException(`Constraints.${k} values must be strings of at most 384 characters`);
      }
    }
    out[k] = { ...(v as Record<string, string>) };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

function grantsOfState(store: { sections: Record<string, unknown> }): GrantsSection {
  return section(store as never, GRANTS_SECTION, emptyGrantsSection);
}

/** An existing grant on the key with the request's Name and the same grantee, operations and constraints. */
function sameNamedGrant(ctx: OpContext, req: CreateGrantRequest): GrantRecord | undefined {
  if (req.Name === undefined) return undefined;
  const ops = [...new Set(req.Operations)];
  const constraints = validateConstraints(req.Constraints);
  return grantsForKey(ctx.store.sections, keyOf(ctx).arn).find((x) => x.Name === req.Name && x.GranteePrincipal === req.GranteePrincipal
    && x.RetiringPrincipal === req.RetiringPrincipal && sameSet(x.Operations, ops)
    && JSON.stringify(x.Constraints ?? null) === JSON.stringify(constraints ?? null));
}

export const createGrantOp: Operation<CreateGrantRequest, CreateGrantResponse> = {
  name: 'CreateGrant',
  mutates: true,
  validate(req) {
    validPrincipal(req.GranteePrincipal, 'GranteePrincipal');
    if (req.RetiringPrincipal !== undefined) validPrincipal(req.RetiringPrincipal, 'RetiringPrincipal');
    if (!Array.isArray(req.Operations) || req.Operations.length === 0) throw new ValidationException('Operations must list at least one grant operation');
    for (const op of req.Operations) {
      if (!(GRANT_OPERATIONS as readonly string[]).includes(op)) throw new ValidationException(`Operations: "${String(op)}" is not a grant operation (${GRANT_OPERATIONS.join(', ')})`);
    }
    validateConstraints(req.Constraints);
    if (req.Name !== undefined && !/^[a-zA-Z0-9:/_-]{1,256}$/.test(String(req.Name))) {
      throw new ValidationException('Name must be 1 to 256 characters of [a-zA-Z0-9:/_-]');
    }
    validateGrantTokens(req.GrantTokens);
  },
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  conditions(req) {
    const c = validateConstraints(req.Constraints);
    return {
      GrantOperations: [...new Set(req.Operations)],
      GranteePrincipal: req.GranteePrincipal,
      ...(req.RetiringPrincipal ? { RetiringPrincipal: req.RetiringPrincipal } : {}),
      ...(c ? { GrantConstraints: c, GrantConstraintType: Object.keys(c).join(',') } : {}),
      // Envelope has no integrated AWS services creating grants on their own behalf.
      GrantIsForAWSResource: false,
    };
  },
  check(ctx, req) {
    const key = keyOf(ctx);
    const allowed = allowedFor(key);
    const bad = [...new Set(req.Operations)].filter((o) => !allowed.has(o));
    if (bad.length > 0) throw new ValidationException(`Operations ${bad.join(', ')} are not valid for a ${key.keySpec} key with usage ${key.keyUsage}`);
    if (validateConstraints(req.Constraints) && key.keySpec !== 'SYMMETRIC_DEFAULT') {
      throw new ValidationException('Encryption context grant constraints are supported only for operations of symmetric encryption KMS keys');
    }
    if (sameNamedGrant(ctx, req)) return; // idempotent: answered with the existing grant
    const onKey = grantsForKey(ctx.store.sections, key.arn);
    if (onKey.length >= MAX_GRANTS_PER_KEY) throw new LimitExceededException(`A KMS key can have at most ${MAX_GRANTS_PER_KEY} grants`);
    if (onKey.filter((x) => x.GranteePrincipal === req.GranteePrincipal).length >= MAX_GRANTS_PER_PRINCIPAL_PER_KEY) {
      throw new LimitExceededException(`A principal can be the grantee of at most ${MAX_GRANTS_PER_PRINCIPAL_PER_KEY} grants on one KMS key`);
    }
  },
  act(ctx, req) {
    const key = keyOf(ctx);
    const ops = [...new Set(req.Operations)];
    const constraints = validateConstraints(req.Constraints);
    const g = grantsOfState(ctx.store);
    const same = sameNamedGrant(ctx, req);
    if (same) return { GrantId: same.GrantId, GrantToken: encodeGrantToken(same.GrantId, ctx.random(16)) };
    const GrantId = Buffer.from(ctx.random(32)).toString('hex');
    const rec: GrantRecord = {
      GrantId, KeyId: key.arn, CreationDate: new Date(ctx.now).toISOString(), GranteePrincipal: req.GranteePrincipal,
      IssuingAccount: rootArn(key.accountId), Operations: ops,
      ...(req.Name !== undefined ? { Name: req.Name } : {}),
      ...(req.RetiringPrincipal !== undefined ? { RetiringPrincipal: req.RetiringPrincipal } : {}),
      ...(constraints ? { Constraints: constraints } : {}),
    };
    g.grants[GrantId] = rec;
    return { GrantId, GrantToken: encodeGrantToken(GrantId, ctx.random(16)) };
  },
};

export const listGrantsOp: Operation<ListGrantsRequest, ListGrantsResponse> = {
  name: 'ListGrants',
  mutates: false,
  validate(req) {
    validateGrantTokens(req.GrantTokens);
  },
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  act(ctx, req) {
    const key = keyOf(ctx);
    const list = grantsForKey(ctx.store.sections, key.arn)
      .filter((g) => (req.GrantId === undefined || g.GrantId === req.GrantId) && (req.GranteePrincipal === undefined || g.GranteePrincipal === req.GranteePrincipal))
      .sort((a, b) => a.CreationDate.localeCompare(b.CreationDate) || a.GrantId.localeCompare(b.GrantId));
    const { page, ...rest } = paginate(list, req.Limit, req.Marker, 50);
    return { Grants: page.map(listEntry), ...rest };
  },
};

export const listRetirableGrantsOp: Operation<ListRetirableGrantsRequest, ListGrantsResponse> = {
  name: 'ListRetirableGrants',
  mutates: false,
  validate(req) {
    validPrincipal(req.RetiringPrincipal, 'RetiringPrincipal');
  },
  check(ctx, req) {
    // AWS: "You must specify a principal in your AWS account" (Cross-account use).
    const p = tryParsePrincipal(req.RetiringPrincipal);
    if (p && p.type !== 'AWSService' && p.accountId !== ctx.caller.accountId) {
      throw new AccessDeniedException(`User: ${ctx.caller.principal} is not authorized to perform: kms:ListRetirableGrants for ${req.RetiringPrincipal}: ` +
        `the retiring principal must be in the caller's account ${ctx.caller.accountId}`);
    }
  },
  act(ctx, req) {
    const list = Object.values(grantsSectionOf(ctx.store.sections).grants)
      .filter((g) => g.RetiringPrincipal === req.RetiringPrincipal)
      .sort((a, b) => a.CreationDate.localeCompare(b.CreationDate) || a.GrantId.localeCompare(b.GrantId));
    const { page, ...rest } = paginate(list, req.Limit, req.Marker, 50);
    return { Grants: page.map(listEntry), ...rest };
  },
};

/**
 * RetireGrant is authorized by the grant itself (mayRetireGrant, checked by the policy authorizer
 * from `conditions.GrantId`, so DryRun answers as the call would), not by key or IAM policies; it
 * names the grant by token, or by KeyId (ARN) + GrantId.
 */
export const retireGrantOp: Operation<RetireGrantRequest, Record<string, never>> = {
  name: 'RetireGrant',
  mutates: true,
  validate(req) {
    if (req.GrantToken === undefined && (req.KeyId === undefined || req.GrantId === undefined)) {
      throw new ValidationException('RetireGrant needs GrantToken, or KeyId and GrantId');
    }
    if (req.GrantToken !== undefined) parseGrantToken(req.GrantToken);
  },
  conditions: (req) => ({ GrantId: req.GrantToken !== undefined ? parseGrantToken(req.GrantToken) : req.GrantId }),
  act(ctx, req) {
    const g = grantsOfState(ctx.store);
    let grantId = req.GrantId;
    let keyArn: string | undefined;
    if (req.KeyId !== undefined) {
      const kms = (ctx.store.sections[KMS_SECTION] as KmsSection | undefined) ?? emptyKmsSection();
      keyArn = resolveKey(kms, req.KeyId, ctx, 'KeyId').key.arn;
    }
    if (req.GrantToken !== undefined) {
      const fromToken = parseGrantToken(req.GrantToken);
      if (grantId !== undefined && grantId !== fromToken) throw new ValidationException('GrantId does not match the grant named by GrantToken');
      grantId = fromToken;
    }
    const grant = grantId !== undefined ? g.grants[grantId] : undefined;
    if (!grant || (keyArn !== undefined && grant.KeyId !== keyArn)) throw new NotFoundException(`Grant ${grantId ?? ''} does not exist`);
    const caller = tryParsePrincipal(ctx.caller.principal);
    if (!mayRetireGrant(grant, caller ? principalArns(caller) : [ctx.caller.principal])) {
      throw new AccessDeniedException(`User: ${ctx.caller.principal} is not authorized to perform: kms:RetireGrant on grant ${grant.GrantId} because it is neither the grant's retiring principal, a grantee allowed RetireGrant, nor the key's account`);
    }
    delete g.grants[grant.GrantId];
    return {};
  },
};

export const revokeGrantOp: Operation<RevokeGrantRequest, Record<string, never>> = {
  name: 'RevokeGrant',
  mutates: true,
  validate(req) {
    if (typeof req.GrantId !== 'string' || !/^[0-9a-f]{64}$/.test(req.GrantId)) throw new InvalidGrantIdException(`GrantId ${String(req.GrantId)} is not a grant id`);
  },
  targets: (req) => [{ role: 'target', ref: req.KeyId, field: 'KeyId' }],
  act(ctx, req) {
    const key = keyOf(ctx);
    const g = grantsOfState(ctx.store);
    const grant = g.grants[req.GrantId];
    if (!grant || grant.KeyId !== key.arn) throw new NotFoundException(`Grant ${req.GrantId} does not exist on key ${key.arn}`);
    delete g.grants[req.GrantId];
    return {};
  },
};
