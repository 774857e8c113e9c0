/**
 * What protects a SOPS config file, in words (issue 16 item 2: "a status bar item and editor title
 * show which keys protect the file"): every master key of the `sops` block — kms ARNs (with their
 * encryption context and role), age recipients, pgp fingerprints, other sources by type — per key
 * group, and the Shamir threshold. Pure: metadata in, strings out; no wrapped key (`enc`) is shown.
 */
import type { SopsKeyEntry, SopsMetadata } from './core-adapter.js';

export interface SopsKeySummary {
  /** One line per master key, e.g. "age age1…", "kms arn:aws:kms:…:key/…", "pgp 85D7…" (group-prefixed when grouped). */
  readonly keys: readonly string[];
  /** "2 of 3 key groups (Shamir)", "1 key group", … */
  readonly groups: string;
  /** Short status bar text, e.g. "age ×1, kms ×2" or "Shamir 2/3: age ×2, kms ×1". */
  readonly short: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : JSON.stringify(v));

/** One key entry in words. */
export function describeKeyEntry(e: SopsKeyEntry): string {
  const f = e.fields;
  switch (e.type) {
    case 'kms': {
      const ctx = f['context'] !== null && typeof f['context'] === 'object' ? Object.entries(f['context'] as Record<string, unknown>).map(([k, v]) => `${k}=${str(v)}`).join(', ') : '';
      const role = str(f['role']);
      return `kms ${str(f['arn'])}${ctx !== '' ? ` (context ${ctx})` : ''}${role !== '' ? ` (role ${role})` : ''}`;
    }
    case 'age':
      return `age ${str(f['recipient'])}`;
    case 'pgp':
      return `pgp ${str(f['fp'])}`;
    case 'gcp_kms':
    case 'hckms':
      return `${e.type} ${str(f['resource_id'] ?? f['key_id'])}`;
    case 'azure_kv':
      return `azure_kv ${str(f['vault_url'])}/keys/${str(f['name'])}`;
    case 'hc_vault':
      return `hc_vault ${str(f['vault_address'])}/v1/${str(f['engine_path'])}/keys/${str(f['key_name'])}`;
  }
}

export function summarizeSopsKeys(md: Pick<SopsMetadata, 'keyGroups' | 'grouped' | 'shamir_threshold'>): SopsKeySummary {
  const groups = md.keyGroups;
  const grouped = md.grouped || groups.length > 1;
  const keys = groups.flatMap((g, i) => g.map((e) => `${grouped ? `group ${i + 1}: ` : ''}${describeKeyEntry(e)}`));
  const counts = new Map<string, number>();
  for (const e of groups.flat()) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const byType = [...counts].map(([t, n]) => `${t} ×${n}`).join(', ') || 'no keys';
  const threshold = md.shamir_threshold ?? (groups.length > 1 ? groups.length : undefined);
  const shamir = groups.length > 1 && threshold !== undefined;
  return {
    keys,
    groups: shamir ? `${threshold} of ${groups.length} key groups (Shamir)` : `${groups.length} key group${groups.length === 1 ? '' : 's'}`,
    short: shamir ? `Shamir ${threshold}/${groups.length}: ${byType}` : byType,
  };
}
