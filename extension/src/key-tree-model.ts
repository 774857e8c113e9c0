/**
 * What the key explorer shows for a key (issue #6: "keys with alias, spec, state, rotation and
 * versions"): pure functions from KeyEntry / KeyRotationInfo to labels, so they are unit-tested
 * without VS Code.
 */
import type { KeyEntry, KeyRotationInfo } from './key-inventory.js';

export interface DetailRow {
  readonly label: string;
  readonly value: string;
}

/** The tree item's contextValue: `key.<KeyState>[.rotatable]` (menus match on it). */
export function keyContextValue(e: KeyEntry): string {
  const m = e.metadata;
  const rotatable =
    (m.KeySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && (m.KeyManager ?? 'CUSTOMER') === 'CUSTOMER' && (m.Origin ?? 'AWS_KMS') === 'AWS_KMS';
  return `key.${m.KeyState ?? 'Unknown'}${rotatable ? '.rotatable' : ''}`;
}

export function keyDescription(e: KeyEntry): string {
  const m = e.metadata;
  const parts = [m.KeyState ?? 'Unknown', m.KeySpec ?? ''];
  if (e.aliases.length > 0) parts.push(e.keyId.slice(0, 8));
  return parts.filter((p) => p !== '').join(' · ');
}

const day = (d: Date | undefined) => (d instanceof Date && !Number.isNaN(d.getTime()) ? d.toISOString().slice(0, 10) : undefined);

export function keyDetailRows(e: KeyEntry, rotation: KeyRotationInfo | undefined): DetailRow[] {
  const m = e.metadata;
  const rows: DetailRow[] = [
    { label: 'Aliases', value: e.aliases.length > 0 ? e.aliases.join(', ') : '(none)' },
    { label: 'Key ID', value: e.keyId },
    { label: 'ARN', value: e.arn },
    { label: 'Spec', value: `${m.KeySpec ?? '?'} · ${m.KeyUsage ?? '?'}` },
    { label: 'State', value: m.KeyState ?? '?' },
  ];
  if (m.Description) rows.push({ label: 'Description', value: m.Description });
  if (day(m.CreationDate)) rows.push({ label: 'Created', value: day(m.CreationDate)! });
  if (m.KeyState === 'PendingDeletion' && day(m.DeletionDate)) rows.push({ label: 'Deletion', value: day(m.DeletionDate)! });
  if (rotation !== undefined) {
    const auto =
      rotation.enabled === true
        ? `automatic every ${rotation.periodDays ?? 365} days${day(rotation.nextRotation) ? `, next ${day(rotation.nextRotation)}` : ''}`
        : rotation.enabled === false
          ? 'automatic rotation off'
          : 'not available';
    rows.push({ label: 'Rotation', value: auto });
    const n = rotation.rotations.length;
    const last = rotation.rotations.map((r) => r.RotationDate).filter((d): d is Date => d instanceof Date).sort((a, b) => b.getTime() - a.getTime())[0];
    rows.push({ label: 'Versions', value: `${n + 1} (${n} rotation${n === 1 ? '' : 's'}${day(last) ? `, last ${day(last)}` : ''})` });
  }
  return rows;
}
