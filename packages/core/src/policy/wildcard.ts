/**
 * Wildcard matching used by IAM policy grammar (IAM User Guide, "IAM JSON policy elements:
 * Action", "Resource" and the StringLike / ArnLike condition operators): `*` matches any run of
 * characters (including none) and `?` matches exactly one character. Everything else is literal.
 */

/**
 * Stand-ins for a literal `*` / `?` inside a glob pattern (what the policy variables `${*}` and
 * `${?}` produce): they match only that character. Private-use code points, never in policies.
 */
const LITERAL: Readonly<Record<string, string>> = { '*': '\uE000', '?': '\uE001' };
const UNLITERAL: Readonly<Record<string, string>> = { '\uE000': '*', '\uE001': '?' };

/** The glob stand-in for a literal `*` or `?` (see wildcardMatch). */
export function literalGlobChar(c: string): string {
  return LITERAL[c] ?? c;
}

/** True when `value` matches the glob `pattern` (`*` and `?`), optionally ignoring case. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  // Iterative glob with single-star backtracking: O(|p| * |v|) worst case, no regex injection.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '?' || (pc !== undefined && pc !== '*' && (UNLITERAL[pc] ?? pc) === v[vi])) {
      pi++;
      vi++;
    } else if (pc === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * ArnLike: each of the six colon-delimited components of the ARN is matched separately
 * (IAM User Guide, "Amazon Resource Name (ARN) condition operators"). The resource part (the
 * sixth component) keeps any further colons.
 */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const pp = splitArn(pattern);
  const ap = splitArn(arn);
  if (!pp || !ap) return false;
  for (let i = 0; i < 6; i++) {
    if (!wildcardMatch(pp[i]!, ap[i]!)) return false;
  }
  return true;
}

function splitArn(arn: string): string[] | undefined {
  const parts: string[] = [];
  let rest = arn;
  for (let i = 0; i < 5; i++) {
    const at = rest.indexOf(':');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}
