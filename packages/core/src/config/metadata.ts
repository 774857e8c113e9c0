/**
 * The `sops` metadata block (docs/CONFIG.md "Metadata"): key sources (at the top level, or in
 * `key_groups` with `shamir_threshold`), `lastmodified`, `mac`, `version`, the
 * encrypted/unencrypted suffix/regex settings and `mac_only_encrypted`. Key sources Envelope does
 * not use (gcp_kms, azure_kv, hc_vault, hckms, …) are kept as they were.
 */
import { ValidationException } from '../errors.js';

export const KEY_SOURCE_TYPES = ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'age', 'pgp'] as const;
export type KeySourceType = (typeof KEY_SOURCE_TYPES)[number];
/** The SOPS release whose file format this implementation follows; written as `version`. */
export const SOPS_FORMAT_VERSION = '3.13.2';

/** One master key entry: its source type and its fields as in the file (`enc` holds the wrapped data key). */
export interface KeyEntry {
  readonly type: KeySourceType;
  fields: Record<string, unknown>;
}

export interface CryptRules {
  unencrypted_suffix?: string;
  encrypted_suffix?: string;
  unencrypted_regex?: string;
  encrypted_regex?: string;
  unencrypted_comment_regex?: string;
  encrypted_comment_regex?: string;
  mac_only_encrypted?: boolean;
}

export interface SopsMetadata extends CryptRules {
  keyGroups: KeyEntry[][];
  /** True when the file lists `key_groups` (also written that way). */
  grouped: boolean;
  shamir_threshold?: number;
  lastmodified: string;
  mac: string;
  version: string;
}

const RULE_KEYS = ['unencrypted_suffix', 'encrypted_suffix', 'unencrypted_regex', 'encrypted_regex', 'unencrypted_comment_regex', 'encrypted_comment_regex'] as const;

function entriesOf(group: Record<string, unknown>, where: string): KeyEntry[] {
  const out: KeyEntry[] = [];
  for (const type of KEY_SOURCE_TYPES) {
    const list = group[type];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new ValidationException(`sops metadata: ${where}${type} must be a list`);
    for (const e of list) {
      if (e === null || typeof e !== 'object') throw new ValidationException(`sops metadata: ${where}${type} entries must be mappings`);
      out.push({ type, fields: { ...(e as Record<string, unknown>) } });
    }
  }
  return out;
}

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

export function parseMetadata(raw: Record<string, unknown>): SopsMetadata {
  const version = str(raw['version']);
  if (version === '') throw new ValidationException('sops metadata: no "version"');
  if (!/^3\.\d+/.test(version)) throw new ValidationException(`sops metadata: unsupported version "${version}" (SOPS 3.x files are supported)`);
  const lastmodified = str(raw['lastmodified']);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(lastmodified)) throw new ValidationException('sops metadata: "lastmodified" is not an RFC 3339 time');
  let keyGroups: KeyEntry[][];
  let grouped = false;
  const top = entriesOf(raw, '');
  if (top.length > 0) keyGroups = [top];
  else if (Array.isArray(raw['key_groups']) && raw['key_groups'].length > 0) {
    grouped = true;
    keyGroups = (raw['key_groups'] as unknown[]).map((g, i) => {
      if (g === null || typeof g !== 'object') throw new ValidationException(`sops metadata: key_groups[${i}] must be a mapping`);
      return entriesOf(g as Record<string, unknown>, `key_groups[${i}].`);
    });
  } else throw new ValidationException('sops metadata: no key sources in the file');
  const md: SopsMetadata = { keyGroups, grouped, lastmodified, mac: str(raw['mac']), version };
  const t = raw['shamir_threshold'];
  if (t !== undefined && t !== null && t !== '' && Number(t) !== 0) {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new ValidationException('sops metadata: "shamir_threshold" must be a positive integer');
    md.shamir_threshold = n;
  }
  let rules = 0;
  for (const k of RULE_KEYS) {
    const v = str(raw[k]);
    if (v !== '') {
      md[k] = v;
      rules++;
    }
  }
  if (rules === 0) md.unencrypted_suffix = '_unencrypted';
  if (rules > 1) throw new ValidationException('sops metadata: use only one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, unencrypted_comment_regex');
  const moe = raw['mac_only_encrypted'];
  if (moe === true || moe === 'true' || moe === 'True') md.mac_only_encrypted = true;
  return md;
}

/** The metadata as written (keys in SOPS's order: sorted by name). */
export function metadataToObject(md: SopsMetadata): Record<string, unknown> {
  const groupObj = (g: KeyEntry[]) => {
    const o: Record<string, unknown[]> = {};
    for (const e of g) (o[e.type] ??= []).push(sortKeys(e.fields));
    return o;
  };
  const out: Record<string, unknown> = {};
  if (md.grouped || md.keyGroups.length > 1) out['key_groups'] = md.keyGroups.map((g) => sortKeys(groupObj(g)));
  else Object.assign(out, groupObj(md.keyGroups[0] ?? []));
  out['lastmodified'] = md.lastmodified;
  out['mac'] = md.mac;
  if (md.mac_only_encrypted) out['mac_only_encrypted'] = true;
  if (md.shamir_threshold !== undefined && (md.grouped || md.keyGroups.length > 1)) out['shamir_threshold'] = md.shamir_threshold;
  for (const k of RULE_KEYS) if (md[k] !== undefined) out[k] = md[k];
  out['version'] = md.version;
  return sortKeys(out);
}

function sortKeys<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** Whether the path rules encrypt the leaf at `path` (SOPS's shouldBeEncrypted; the comment rules are in comment-rules.ts). */
export function shouldEncrypt(rules: CryptRules, path: readonly string[]): boolean {
  let encrypted = true;
  const uSuffix = rules.unencrypted_suffix ?? (RULE_KEYS.every((k) => rules[k] === undefined) ? '_unencrypted' : undefined);
  if (uSuffix) encrypted = !path.some((p) => p.endsWith(uSuffix));
  if (rules.encrypted_suffix) encrypted = path.some((p) => p.endsWith(rules.encrypted_suffix!));
  if (rules.unencrypted_regex) {
    const re = goRegex(rules.unencrypted_regex);
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encrypted_regex) {
    const re = goRegex(rules.encrypted_regex);
    encrypted = path.some((p) => re.test(p));
  }
  return encrypted;
}

const regexCache = new Map<string, RegExp>();
/** A Go RE2 pattern as a JS RegExp (the common subset; `(?i)` prefix supported). */
export function goRegex(src: string): RegExp {
  let re = regexCache.get(src);
  if (re === undefined) {
    const m = /^\(\?([imsU]+)\)/.exec(src);
    const flags = m ? m[1]!.replace(/[^ims]/g, '') : '';
    try {
      re = new RegExp(m ? src.slice(m[0].length) : src, `${flags}u`);
    } catch {
      throw new ValidationException(`invalid regular expression: ${src}`);
    }
    regexCache.set(src, re);
  }
  return re;
}
