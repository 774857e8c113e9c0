/**
 * `.sops.yaml` creation rules as SOPS applies them (docs/CONFIG.md "Creation rules"): the file is
 * found by walking up from the target file's directory; the first rule whose `path_regex` matches
 * the target's path relative to the `.sops.yaml` directory (or a rule without `path_regex`) gives
 * the master keys (`kms`, `age`, `pgp` as comma-separated strings or lists, or `key_groups` with
 * `shamir_threshold`) and the encryption rules.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationException } from '../errors.js';
import type { ConfigKeys } from './api.js';
import { goRegex, type CryptRules } from './metadata.js';
import { splitArnRole } from './keys/kms-key.js';

export const CREATION_RULES_FILE = '.sops.yaml';
const MAX_DEPTH = 100;

export interface CreationRule {
  readonly keys: ConfigKeys;
  readonly rules: CryptRules;
  /** Where the rule came from (for messages). */
  readonly source: string;
}

function list(v: unknown, field: string): string[] {
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.map((s) => s.trim());
  throw new ValidationException(`${CREATION_RULES_FILE}: "${field}" must be a comma-separated string or a list of strings`);
}

type KmsSpec = { arn: string; role?: string; context?: Record<string, string>; aws_profile?: string };

function kmsList(v: unknown, profile: string | undefined): KmsSpec[] {
  if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object')) {
    return v.map((x) => {
      const o = x as Record<string, unknown>;
      if (typeof o['arn'] !== 'string') throw new ValidationException(`${CREATION_RULES_FILE}: a kms entry needs "arn"`);
      const ctx = o['context'] as Record<string, unknown> | undefined;
      return {
        arn: o['arn'],
        ...(typeof o['role'] === 'string' ? { role: o['role'] } : {}),
        ...(ctx ? { context: Object.fromEntries(Object.entries(ctx).map(([k, s]) => [k, String(s)])) } : {}),
        ...(typeof o['aws_profile'] === 'string' ? { aws_profile: o['aws_profile'] } : profile ? { aws_profile: profile } : {}),
      };
    });
  }
  return list(v, 'kms').map((s) => {
    const { arn, role } = splitArnRole(s);
    return { arn, ...(role ? { role } : {}), ...(profile ? { aws_profile: profile } : {}) };
  });
}

function keysOf(r: Record<string, unknown>, profile: string | undefined): ConfigKeys {
  return { kms: kmsList(r['kms'], profile), age: list(r['age'], 'age'), pgp: list(r['pgp'], 'pgp') };
}

const RULE_FIELDS = ['unencrypted_suffix', 'encrypted_suffix', 'unencrypted_regex', 'encrypted_regex', 'unencrypted_comment_regex', 'encrypted_comment_regex'] as const;

/** Picks the rule for `filePath` from a `.sops.yaml` text located in `configDir`; undefined when none matches. */
export function matchCreationRule(text: string, configDir: string, filePath: string, source = CREATION_RULES_FILE): CreationRule | undefined {
  let conf: unknown;
  try {
    conf = parseYaml(text, { uniqueKeys: true, prettyErrors: false });
  } catch (e) {
    throw new ValidationException(`${source}: invalid YAML (${(e as { code?: string }).code ?? 'parse error'})`);
  }
  const rules = (conf as { creation_rules?: unknown } | null)?.creation_rules;
  if (rules === undefined || rules === null) return undefined;
  if (!Array.isArray(rules)) throw new ValidationException(`${source}: "creation_rules" must be a list`);
  const rel = relative(resolve(configDir), resolve(filePath)).split(sep).join('/');
  for (const raw of rules as Record<string, unknown>[]) {
    const pr = raw['path_regex'];
    if (typeof pr === 'string' && pr !== '' && !goRegex(pr).test(rel)) continue;
    const profile = typeof raw['aws_profile'] === 'string' ? raw['aws_profile'] : undefined;
    const groups = raw['key_groups'];
    let keys: ConfigKeys;
    if (Array.isArray(groups) && groups.length > 0) {
      const threshold = Number(raw['shamir_threshold'] ?? 0);
      // As in SOPS, the rule's aws_profile applies to its top-level kms keys, not to key_groups entries (they name their own).
      keys = { keyGroups: groups.map((g) => keysOf(g as Record<string, unknown>, undefined)), ...(threshold > 0 ? { shamirThreshold: threshold } : {}) };
    } else keys = keysOf(raw, profile);
    const cr: CryptRules = {};
    for (const f of RULE_FIELDS) if (typeof raw[f] === 'string' && raw[f] !== '') cr[f] = raw[f] as string;
    if (raw['mac_only_encrypted'] === true) cr.mac_only_encrypted = true;
    return { keys, rules: cr, source };
  }
  return undefined;
}

/** The nearest `.sops.yaml` at or above the file's directory, or undefined. */
export async function findCreationRulesFile(filePath: string): Promise<{ path: string; text: string } | undefined> {
  let dir = dirname(resolve(filePath));
  for (let i = 0; i < MAX_DEPTH; i++) {
    const p = join(dir, CREATION_RULES_FILE);
    const text = await readFile(p, 'utf8').catch(() => undefined);
    if (text !== undefined) return { path: p, text };
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

/** The creation rule for `filePath` from the nearest `.sops.yaml`, or undefined. */
export async function creationRuleFor(filePath: string): Promise<CreationRule | undefined> {
  const found = await findCreationRulesFile(filePath);
  if (found === undefined) return undefined;
  return matchCreationRule(found.text, dirname(found.path), filePath, found.path);
}
