/**
 * The IAM policy grammar (IAM User Guide, "IAM JSON policy element reference" and "Grammar of
 * the IAM JSON policy language"), as used by AWS KMS key policies (KMS Developer Guide, "Key
 * policies in AWS KMS") and IAM identity policies. `parsePolicyDocument` validates a document and
 * returns a normalized, frozen form the evaluator works on; a bad document throws
 * MalformedPolicyDocumentException naming the statement and element at fault.
 */
import { MalformedPolicyDocumentException } from '../errors.js';
import { isAccountId, isServicePrincipal, rootArn, tryParsePrincipal } from './principal.js';
import { CONDITION_OPERATORS } from './condition-operators.js';

export type Effect = 'Allow' | 'Deny';

/** A normalized Principal / NotPrincipal block. AWS entries are ARNs (account ids become root ARNs). */
export interface PrincipalSpec {
  /** `"*"` or `{"AWS": "*"}`: everyone. */
  readonly any: boolean;
  readonly aws: readonly string[];
  readonly service: readonly string[];
}

/** One `"Operator": { "key": values }` pair of a Condition block. */
export interface ConditionClause {
  /** The operator as written, e.g. "ForAnyValue:StringLikeIfExists". */
  readonly operator: string;
  /** The base operator, e.g. "StringLike". */
  readonly base: string;
  readonly ifExists: boolean;
  readonly set?: 'ForAnyValue' | 'ForAllValues';
  readonly key: string;
  readonly values: readonly string[];
}

export interface PolicyStatement {
  /** Position in the Statement array (0-based), used in explanations when Sid is absent. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalSpec;
  readonly notPrincipal?: PrincipalSpec;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly conditions: readonly ConditionClause[];
  /** True when Version is 2012-10-17 and Resource/NotResource or a condition value uses `${…}` policy variables. */
  readonly variables?: boolean;
}

export interface PolicyDocument {
  readonly version: string;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

export interface ParsePolicyOptions {
  /**
   * "key" policies need Principal/NotPrincipal and only kms: actions; "identity" policies forbid
   * Principal; "trust" policies (a role's AssumeRolePolicyDocument) need Principal, take only sts:
   * actions and have no Resource.
   */
  readonly kind: 'key' | 'identity' | 'trust';
  /** Maximum size in bytes (UTF-8). Defaults: 32 KB for key policies, 10 KB for identity policies. */
  readonly maxBytes?: number;
  /**
   * Returns false for a user/role ARN that does not exist (AWS refuses key policies naming
   * unknown principals). When omitted, every well-formed ARN is accepted.
   */
  readonly principalExists?: (arn: string) => boolean;
}

/** AWS KMS key policy size limit (KMS Developer Guide, "Quotas": 32 KB). */
export const MAX_KEY_POLICY_BYTES = 32 * 1024;
/** IAM inline role policy size limit (IAM User Guide, "IAM and AWS STS quotas"). */
export const MAX_IDENTITY_POLICY_BYTES = 10 * 1024;
/** Role trust policy length (IAM User Guide, "IAM and AWS STS quotas": 2,048 characters by default). */
export const MAX_TRUST_POLICY_BYTES = 2048;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_KEYS = new Set([
  'Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition',
]);

function fail(message: string): never {
  throw new MalformedPolicyDocumentException(message);
}

/** Parses and validates a policy document given as JSON text. */
export function parsePolicyDocument(text: string, options: ParsePolicyOptions): PolicyDocument {
  if (typeof text !== 'string') fail('Policy must be a JSON string');
  const maxBytes = options.maxBytes ?? (options.kind === 'key' ? MAX_KEY_POLICY_BYTES : options.kind === 'trust' ? MAX_TRUST_POLICY_BYTES : MAX_IDENTITY_POLICY_BYTES);
  const size = new TextEncoder().encode(text).length;
  if (size > maxBytes) fail(`Policy is ${size} bytes; the limit is ${maxBytes} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(`Policy is not valid JSON: ${(e as Error).message}`);
  }
  return validatePolicyObject(raw, options);
}

/** Validates an already-parsed policy object (same rules as parsePolicyDocument, no size check). */
export function validatePolicyObject(raw: unknown, options: ParsePolicyOptions): PolicyDocument {
  if (!isObject(raw)) fail('Policy must be a JSON object');
  for (const k of Object.keys(raw)) {
    if (k !== 'Version' && k !== 'Id' && k !== 'Statement') fail(`Unknown top-level policy element "${k}"`);
  }
  const version = raw.Version ?? '2008-10-17';
  if (typeof version !== 'string' || !VERSIONS.has(version)) {
    fail(`Version must be "2012-10-17" or "2008-10-17", got ${JSON.stringify(raw.Version)}`);
  }
  if (raw.Id !== undefined && typeof raw.Id !== 'string') fail('Id must be a string');
  const st = raw.Statement;
  if (st === undefined) fail('Policy has no Statement');
  const list = Array.isArray(st) ? st : [st];
  if (list.length === 0) fail('Statement must not be empty');
  const sids = new Set<string>();
  const statements = list.map((s, i) => {
    const parsed = parseStatement(s, i, options, version === '2012-10-17');
    if (parsed.sid !== undefined) {
      if (sids.has(parsed.sid)) fail(`Statement[${i}]: duplicate Sid "${parsed.sid}"`);
      sids.add(parsed.sid);
    }
    return parsed;
  });
  return Object.freeze({
    version,
    ...(typeof raw.Id === 'string' ? { id: raw.Id } : {}),
    statements: Object.freeze(statements),
  });
}

function parseStatement(s: unknown, index: number, options: ParsePolicyOptions, variablesAllowed: boolean): PolicyStatement {
  const where = `Statement[${index}]`;
  if (!isObject(s)) fail(`${where} must be an object`);
  for (const k of Object.keys(s)) if (!STATEMENT_KEYS.has(k)) fail(`${where}: unknown element "${k}"`);
  const label = typeof s.Sid === 'string' ? `${where} (Sid "${s.Sid}")` : where;
  if (s.Sid !== undefined && typeof s.Sid !== 'string') fail(`${label}: Sid must be a string`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    fail(`${label}: Effect must be "Allow" or "Deny", got ${JSON.stringify(s.Effect)}`);
  }
  const hasP = s.Principal !== undefined;
  const hasNP = s.NotPrincipal !== undefined;
  if (options.kind === 'key' || options.kind === 'trust') {
    if (hasP === hasNP) fail(`${label}: a ${options.kind} policy statement needs exactly one of Principal or NotPrincipal`);
  } else if (hasP || hasNP) {
    fail(`${label}: an identity policy must not contain Principal or NotPrincipal`);
  }
  if ((s.Action === undefined) === (s.NotAction === undefined)) {
    fail(`${label}: needs exactly one of Action or NotAction`);
  }
  if (s.Resource !== undefined && s.NotResource !== undefined) {
    fail(`${label}: has both Resource and NotResource`);
  }
  if (options.kind === 'trust') {
    if (s.Resource !== undefined || s.NotResource !== undefined) fail(`${label}: Has prohibited field Resource (a trust policy applies to its role)`);
  } else if (s.Resource === undefined && s.NotResource === undefined) {
    fail(`${label}: needs one of Resource or NotResource`);
  }
  const out: {
    -readonly [K in keyof PolicyStatement]: PolicyStatement[K];
  } = { index, effect: s.Effect, conditions: [] };
  if (typeof s.Sid === 'string') out.sid = s.Sid;
  if (hasP) out.principal = parsePrincipalSpec(s.Principal, `${label}: Principal`, options);
  if (hasNP) out.notPrincipal = parsePrincipalSpec(s.NotPrincipal, `${label}: NotPrincipal`, options);
  if (s.Action !== undefined) out.action = parseActions(s.Action, `${label}: Action`, options);
  if (s.NotAction !== undefined) out.notAction = parseActions(s.NotAction, `${label}: NotAction`, options);
  if (s.Resource !== undefined) out.resource = parseResources(s.Resource, `${label}: Resource`);
  if (s.NotResource !== undefined) out.notResource = parseResources(s.NotResource, `${label}: NotResource`);
  if (s.Condition !== undefined) out.conditions = parseConditions(s.Condition, `${label}: Condition`);
  if (variablesAllowed) {
    const values = [...(out.resource ?? []), ...(out.notResource ?? []), ...out.conditions.flatMap((c) => c.values)];
    if (values.some((v) => v.includes('${'))) out.variables = true;
  }
  return Object.freeze(out);
}

function stringList(v: unknown, where: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) fail(`${where} must not be empty`);
  for (const x of list) if (typeof x !== 'string' || x.length === 0) fail(`${where} entries must be non-empty strings`);
  return list as string[];
}

function parseActions(v: unknown, where: string, options: ParsePolicyOptions): readonly string[] {
  const list = stringList(v, where);
  for (const a of list) {
    if (a === '*') continue;
    const m = /^([a-z0-9-]+):([A-Za-z0-9*?]+)$/.exec(a);
    if (!m) fail(`${where}: "${a}" is not an action (expected "service:Operation", wildcards * and ? allowed)`);
    if (options.kind === 'key' && m[1]!.toLowerCase() !== 'kms') {
      fail(`${where}: "${a}" is not an AWS KMS action; key policies accept only kms: actions`);
    }
    if (options.kind === 'trust' && m[1]!.toLowerCase() !== 'sts') {
      fail(`${where}: "${a}" is not an AWS STS action; trust policies accept only sts: actions`);
    }
  }
  return Object.freeze(list);
}

function parseResources(v: unknown, where: string): readonly string[] {
  const list = stringList(v, where);
  for (const r of list) {
    if (r !== '*' && !r.startsWith('arn:')) fail(`${where}: "${r}" is not "*" or an ARN`);
  }
  return Object.freeze(list);
}

function parsePrincipalSpec(v: unknown, where: string, options: ParsePolicyOptions): PrincipalSpec {
  if (v === '*') return Object.freeze({ any: true, aws: [], service: [] });
  if (!isObject(v)) fail(`${where} must be "*" or an object with AWS and/or Service`);
  let any = false;
  const aws: string[] = [];
  const service: string[] = [];
  const keys = Object.keys(v);
  if (keys.length === 0) fail(`${where} must not be empty`);
  for (const k of keys) {
    if (k === 'AWS') {
      for (const p of stringList(v.AWS, `${where}.AWS`)) {
        if (p === '*') {
          any = true;
        } else if (isAccountId(p)) {
          aws.push(rootArn(p));
        } else {
          const parsed = tryParsePrincipal(p);
          if (!parsed || parsed.type === 'AWSService') {
            fail(`${where}: "${p}" is not a valid AWS principal (account id, root, user or role ARN)`);
          }
          if (parsed.type !== 'Account' && options.principalExists && !options.principalExists(parsed.arn)) {
            fail(`Policy contains a statement with one or more invalid principals: "${p}" does not exist`);
          }
          aws.push(parsed.arn);
        }
      }
    } else if (k === 'Service') {
      for (const p of stringList(v.Service, `${where}.Service`)) {
        if (!isServicePrincipal(p)) fail(`${where}: "${p}" is not a service principal (e.g. "ec2.amazonaws.com")`);
        service.push(p);
      }
    } else {
      fail(`${where}: unsupported principal type "${k}" (expected AWS or Service)`);
    }
  }
  return Object.freeze({ any, aws: Object.freeze(aws), service: Object.freeze(service) });
}

function parseConditions(v: unknown, where: string): readonly ConditionClause[] {
  if (!isObject(v)) fail(`${where} must be an object`);
  const out: ConditionClause[] = [];
  for (const [operator, block] of Object.entries(v)) {
    const m = /^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$/.exec(operator);
    const base = m?.[2];
    if (!m || !base || !CONDITION_OPERATORS.has(base)) fail(`${where}: unknown condition operator "${operator}"`);
    if (base === 'Null' && (m[3] || m[1])) fail(`${where}: "${operator}" is not allowed (Null takes no IfExists or set qualifier)`);
    if (!isObject(block)) fail(`${where}: "${operator}" must map condition keys to values`);
    const entries = Object.entries(block);
    if (entries.length === 0) fail(`${where}: "${operator}" has no condition keys`);
    for (const [key, raw] of entries) {
      if (!/^[A-Za-z0-9-]+:[^\s]+$/.test(key)) fail(`${where}: "${key}" is not a condition key (expected "prefix:name")`);
      const list = Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) fail(`${where}: "${operator}" "${key}" has no values`);
      const values = list.map((x) => {
        if (typeof x === 'string') return x;
        if (typeof x === 'number' || typeof x === 'boolean') return String(x);
        fail(`${where}: "${operator}" "${key}" values must be strings, numbers or booleans`);
      });
      out.push(Object.freeze({
        operator,
        base,
        ifExists: Boolean(m[3]),
        ...(m[1] ? { set: m[1] as 'ForAnyValue' | 'ForAllValues' } : {}),
        key,
        values: Object.freeze(values),
      }));
    }
  }
  return Object.freeze(out);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short label for a statement in explanations: its Sid, or its position. */
export function statementLabel(s: PolicyStatement): string {
  return s.sid !== undefined && s.sid !== '' ? s.sid : `Statement[${s.index}]`;
}
