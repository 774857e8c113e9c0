/**
 * Lists the keys of a backend with their aliases and metadata (AWS KMS ListKeys, ListAliases,
 * DescribeKey, GetKeyRotationStatus, ListKeyRotations, following NextMarker pages). Used by the key
 * picker and the key explorer; AWS-managed aliases (alias/aws/*) are hidden.
 */
import type { AliasView, KeyMetadataView, KmsApi, RotationView } from './core-adapter.js';

export interface KeyEntry {
  readonly keyId: string;
  readonly arn: string;
  readonly aliases: readonly string[];
  readonly metadata: KeyMetadataView;
}

export interface KeyRotationInfo {
  readonly enabled: boolean | undefined;
  readonly periodDays: number | undefined;
  readonly nextRotation: Date | undefined;
  readonly rotations: readonly RotationView[];
}

const PAGE = 100;
/** Safety stop for a misbehaving endpoint that never clears NextMarker. */
const MAX_PAGES = 100;

export async function listAllKeys(api: KmsApi): Promise<{ KeyId: string; KeyArn: string }[]> {
  const out: { KeyId: string; KeyArn: string }[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await api.ListKeys({ Limit: PAGE, ...(marker ? { Marker: marker } : {}) });
    for (const k of res.Keys ?? []) if (k.KeyId) out.push({ KeyId: k.KeyId, KeyArn: k.KeyArn ?? k.KeyId });
    if (!res.Truncated || !res.NextMarker) break;
    marker = res.NextMarker;
  }
  return out;
}

export async function listAllAliases(api: KmsApi): Promise<AliasView[]> {
  const out: AliasView[] = [];
  let marker: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await api.ListAliases({ Limit: PAGE, ...(marker ? { Marker: marker } : {}) });
    out.push(...(res.Aliases ?? []));
    if (!res.Truncated || !res.NextMarker) break;
    marker = res.NextMarker;
  }
  return out;
}

/** Every key with its customer aliases and DescribeKey metadata, sorted by first alias then id. */
export async function loadKeyInventory(api: KmsApi): Promise<KeyEntry[]> {
  const [keys, aliases] = await Promise.all([listAllKeys(api), listAllAliases(api)]);
  const byKey = new Map<string, string[]>();
  for (const a of aliases) {
    if (!a.AliasName || !a.TargetKeyId || a.AliasName.startsWith('alias/aws/')) continue;
    const list = byKey.get(a.TargetKeyId) ?? [];
    list.push(a.AliasName);
    byKey.set(a.TargetKeyId, list);
  }
  const entries = await Promise.all(
    keys.map(async (k): Promise<KeyEntry> => {
      const res = await api.DescribeKey({ KeyId: k.KeyId });
      const metadata = res.KeyMetadata ?? { KeyId: k.KeyId };
      return { keyId: k.KeyId, arn: metadata.Arn ?? k.KeyArn, aliases: (byKey.get(k.KeyId) ?? []).sort(), metadata };
    }),
  );
  return sortEntries(entries);
}

export function sortEntries(entries: KeyEntry[]): KeyEntry[] {
  const label = (e: KeyEntry) => e.aliases[0] ?? `~${e.keyId}`;
  return entries.sort((a, b) => (label(a) < label(b) ? -1 : label(a) > label(b) ? 1 : 0));
}

/** Keys a message can be encrypted under: enabled symmetric ENCRYPT_DECRYPT keys. */
export function isEncryptionKey(e: KeyEntry): boolean {
  const m = e.metadata;
  return (m.KeyState ?? 'Enabled') === 'Enabled' && (m.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && (m.KeyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT';
}

export async function loadRotationInfo(api: KmsApi, keyId: string): Promise<KeyRotationInfo> {
  const [status, rotations] = await Promise.all([
    api.GetKeyRotationStatus({ KeyId: keyId }).catch(() => undefined),
    api.ListKeyRotations({ KeyId: keyId, Limit: PAGE }).catch(() => undefined),
  ]);
  return {
    enabled: status?.KeyRotationEnabled,
    periodDays: status?.RotationPeriodInDays,
    nextRotation: status?.NextRotationDate,
    rotations: rotations?.Rotations ?? [],
  };
}
