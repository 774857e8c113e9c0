/**
 * SOPS's flattening of the metadata for formats without nesting (dotenv, INI): a nested key is
 * `parent__map_child`, a list item `parent__list_<i>`; dotenv adds the prefix `sops_`.
 */
import { ValidationException } from '../../errors.js';

const MAP = '__map_';
const LIST = '__list_';

export function flatten(obj: Record<string, unknown>, prefix = ''): [string, string][] {
  const out: [string, string][] = [];
  const visit = (v: unknown, key: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${key}${LIST}${i}`));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, `${key}${MAP}${k}`);
    else if (v !== null && v !== undefined) out.push([key, String(v)]);
  };
  for (const [k, v] of Object.entries(obj)) visit(v, prefix + k);
  return out;
}

type Tok = { map: string } | { list: number };

function tokenize(key: string): Tok[] {
  const parts = key.split(/(__map_|__list_)/);
  const toks: Tok[] = [{ map: parts[0]! }];
  for (let i = 1; i < parts.length; i += 2) {
    if (parts[i] === MAP) toks.push({ map: parts[i + 1]! });
    else {
      const n = Number(parts[i + 1]);
      if (!Number.isInteger(n) || n < 0) throw new ValidationException(`metadata key "${key}" has an invalid list index`);
      toks.push({ list: n });
    }
  }
  return toks;
}

export function unflatten(entries: readonly [string, string][]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const toks = tokenize(key);
    let cur: Record<string, unknown> | unknown[] = root;
    toks.forEach((t, i) => {
      const last = i === toks.length - 1;
      const next = toks[i + 1];
      const k = 'map' in t ? t.map : t.list;
      const c = cur as Record<string | number, unknown>;
      if (last) {
        if (c[k] !== undefined) throw new ValidationException(`metadata key "${key}" appears twice`);
        c[k] = value;
      } else {
        c[k] ??= next !== undefined && 'list' in next ? [] : {};
        cur = c[k] as Record<string, unknown>;
      }
    });
  }
  return root;
}
