/**
 * IAM condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators",
 * "...IfExists condition operators", "Condition operator to check existence of condition keys"
 * and "Single-valued vs. multivalued context keys" for ForAnyValue / ForAllValues).
 *
 * Semantics implemented here:
 * - several keys under one operator are ANDed; several values for one key are ORed;
 * - a missing key makes a positive operator false, a negated operator (StringNotEquals,
 *   ArnNotLike, NotIpAddress, …) true, and any operator with IfExists true;
 * - ForAnyValue: true when at least one request value matches (false when the key is missing);
 *   ForAllValues: true when every request value matches (true when the key is missing or empty);
 * - a multivalued key used without a set qualifier behaves like ForAnyValue.
 */
import { arnMatch, wildcardMatch } from './wildcard.js';
import type { ConditionClause } from './policy-document.js';

/** Request context values: condition key (any case) → a value or a set of values. */
export type ConditionContext = ReadonlyMap<string, string | readonly string[]>;

type Compare = (policyValue: string, requestValue: string) => boolean;

const POSITIVE: Record<string, Compare> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: (p, r) => wildcardMatch(p, r),
  NumericEquals: numeric((r, p) => r === p),
  NumericLessThan: numeric((r, p) => r < p),
  NumericLessThanEquals: numeric((r, p) => r <= p),
  NumericGreaterThan: numeric((r, p) => r > p),
  NumericGreaterThanEquals: numeric((r, p) => r >= p),
  DateEquals: date((r, p) => r === p),
  DateLessThan: date((r, p) => r < p),
  DateLessThanEquals: date((r, p) => r <= p),
  DateGreaterThan: date((r, p) => r > p),
  DateGreaterThanEquals: date((r, p) => r >= p),
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
  BinaryEquals: (p, r) => p === r,
  IpAddress: (p, r) => ipInCidr(r, p),
  ArnEquals: (p, r) => arnMatch(p, r),
  ArnLike: (p, r) => arnMatch(p, r),
};

/** Negated operators and the positive operator they negate. */
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
  NotIpAddress: 'IpAddress',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/** Every base operator name the grammar accepts. */
export const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  ...Object.keys(POSITIVE),
  ...Object.keys(NEGATED),
  'Null',
]);

/** Looks a condition key up case-insensitively (condition key names are not case sensitive). */
export function contextValues(ctx: ConditionContext, key: string): readonly string[] | undefined {
  const v = ctx.get(key.toLowerCase());
  if (v === undefined) return undefined;
  return typeof v === 'string' ? [v] : v;
}

/** Evaluates one condition clause against the request context. */
export function evaluateCondition(clause: ConditionClause, ctx: ConditionContext): boolean {
  const values = contextValues(ctx, clause.key);
  const present = values !== undefined && values.length > 0;
  if (clause.base === 'Null') {
    return clause.values.some((v) => (v.toLowerCase() === 'true' ? !present : present));
  }
  const negatedOf = NEGATED[clause.base];
  const compare = POSITIVE[negatedOf ?? clause.base];
  if (!compare) return false;
  const matchOne = (rv: string): boolean => {
    const hit = clause.values.some((pv) => compare(pv, rv));
    return negatedOf ? !hit : hit;
  };
  if (!present) {
    if (clause.ifExists) return true;
    if (clause.set === 'ForAllValues') return true;
    if (clause.set === 'ForAnyValue') return false;
    return negatedOf !== undefined;
  }
  if (clause.set === 'ForAllValues') return values.every(matchOne);
  if (negatedOf && clause.set === undefined) {
    // A single-valued negated operator: true when no request value matches any policy value.
    return values.every(matchOne);
  }
  return values.some(matchOne);
}

function numeric(op: (r: number, p: number) => boolean): Compare {
  return (p, r) => {
    const a = Number(r);
    const b = Number(p);
    return r.trim() !== '' && p.trim() !== '' && Number.isFinite(a) && Number.isFinite(b) && op(a, b);
  };
}

/** Dates are ISO 8601 strings or epoch seconds (IAM "Date condition operators"). */
export function parsePolicyDate(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function date(op: (r: number, p: number) => boolean): Compare {
  return (p, r) => {
    const a = parsePolicyDate(r);
    const b = parsePolicyDate(p);
    return a !== undefined && b !== undefined && op(a, b);
  };
}

/** IPv4 / IPv6 address-in-CIDR test; a bare address is a /32 (or /128). */
export function ipInCidr(ip: string, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const a = parseIp(ip);
  const b = parseIp(base ?? '');
  if (!a || !b || a.length !== b.length) return false;
  const bits = lenText === undefined ? a.length * 8 : Number(lenText);
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length * 8) return false;
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8));
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff;
    if ((a[i]! & mask) !== (b[i]! & mask)) return false;
  }
  return true;
}

function parseIp(s: string): number[] | undefined {
  if (s.includes('.') && !s.includes(':')) {
    const parts = s.split('.');
    if (parts.length !== 4) return undefined;
    const out = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    return out.every((n) => n >= 0 && n <= 255) ? out : undefined;
  }
  if (!s.includes(':')) return undefined;
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    const v4 = parseIp(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = text.slice(0, lastColon) + ':0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}
