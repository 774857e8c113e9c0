/**
 * Artifact identifiers, shaped like Amazon EC2's (EC2 API Reference, "Resource IDs"): a type
 * prefix and 17 lowercase hex characters, e.g. `snap-0a1b2c3d4e5f60718`, `ami-0a1b2c3d4e5f60718`.
 * Derived from the injected `Random` only (STYLE.md convention 4).
 */
import type { Random } from '../defaults.js';
import { ValidationException } from '../errors.js';

export type ArtifactKind = 'snap' | 'ami';

const ID_HEX_LENGTH = 17;
const ID_PATTERN: Record<ArtifactKind, RegExp> = {
  snap: /^snap-[0-9a-f]{17}$/,
  ami: /^ami-[0-9a-f]{17}$/,
};

/** A new `snap-…` or `ami-…` id from `random`. */
export function newArtifactId(kind: ArtifactKind, random: Random): string {
  const bytes = random(9);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${kind}-${hex.slice(0, ID_HEX_LENGTH)}`;
}

/** Throws ValidationException unless `id` is a well-formed id of `kind`. */
export function assertArtifactId(kind: ArtifactKind, id: string, field = kind === 'snap' ? 'SnapshotId' : 'ImageId'): string {
  if (typeof id !== 'string' || !ID_PATTERN[kind].test(id)) {
    throw new ValidationException(
      `${field} '${String(id)}' is not a valid ${kind === 'snap' ? 'snapshot' : 'image'} id: expected '${kind}-' followed by 17 lowercase hex characters`,
    );
  }
  return id;
}

/** AWS account ids are 12 decimal digits. */
export function assertAccountId(account: string, field = 'AccountId'): string {
  if (typeof account !== 'string' || !/^\d{12}$/.test(account)) {
    throw new ValidationException(`${field} '${String(account)}' is not a valid AWS account id: expected 12 digits`);
  }
  return account;
}

/** Region names like `us-east-1`, `eu-west-3`, `ap-southeast-2`. */
export function assertRegion(region: string, field = 'Region'): string {
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    throw new ValidationException(`${field} '${String(region)}' is not a valid region name (e.g. us-east-1)`);
  }
  return region;
}
