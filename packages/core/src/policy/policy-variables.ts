/**
 * IAM policy variables (IAM User Guide, "IAM policy elements: Variables and tags"): in policies
 * with Version "2012-10-17", `${key}` in Resource / NotResource and in condition values is
 * replaced by the request's value of that condition key (e.g. `${aws:username}`,
 * `${aws:PrincipalAccount}`), `${key, 'default'}` supplies a default, and `${*}`, `${?}`, `${$}`
 * stand for the literal characters. A variable whose key is missing (and has no default) makes
 * that value match nothing.
 */
import type { ConditionContext } from './condition-operators.js';
import { contextValues } from './condition-operators.js';

const VARIABLE = /\$\{([^}]*)\}/g;

/** True when a policy value contains a variable. */
export function hasPolicyVariable(value: string): boolean {
  return value.includes('${');
}

/**
 * Substitutes variables in `value`. `literal` wraps literal wildcard characters (from `${*}` and
 * `${?}`) so a glob matcher can keep them literal; returns undefined when a variable has no value.
 */
export function substituteVariables(value: string, ctx: ConditionContext, literal: (c: string) => string = (c) => c): string | undefined {
  let missing = false;
  const out = value.replace(VARIABLE, (_, body: string) => {
    const inner = body.trim();
    if (inner === '*' || inner === '?') return literal(inner);
    if (inner === '$') return '$';
    const m = /^([^,]+?)\s*(?:,\s*'([^']*)')?$/.exec(inner);
    const key = m?.[1]?.trim();
    const v = key ? contextValues(ctx, key) : undefined;
    if (v && v.length === 1) return v[0]!;
    if (m?.[2] !== undefined) return m[2];
    missing = true;
    return '';
  });
  return missing ? undefined : out;
}
