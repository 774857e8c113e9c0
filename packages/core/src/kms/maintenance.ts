/**
 * Scheduled work applied "whenever the keystore is next used" (docs/KMS.md "Scheduled work"):
 * - automatic rotation (AWS KMS "Rotating keys"): an Enabled key with rotation on gets a new
 *   version at each scheduled date that has passed, dated at that date; disabled keys and keys
 *   pending deletion are not rotated (a re-enabled key catches up on its next use);
 * - deletion (ScheduleKeyDeletion): once DeletionDate has passed the record, its material and
 *   its aliases are gone;
 * - imported material expiry (ValidTo): material deleted, key goes to PendingImport;
 * - import tokens are dropped a day after they expire.
 * Pure apart from the injected random and sealer used to create rotated material.
 */
import type { Random } from '../defaults.js';
import type { Sealer } from '../keystore/sealer.js';
import { DAY_MS } from './constants.js';
import { newVersionId } from './identifiers.js';
import type { KeyRecord, KmsSection } from './key-record.js';
import { generateMaterialSync, sealMaterial } from './material.js';
import { relatedMultiRegionKeys } from './metadata.js';

/** Whether any scheduled work is due at `now`. O(1): uses the cached `nextDueAt`. */
export function maintenanceDue(section: KmsSection | undefined, now: number): boolean {
  return section?.nextDueAt !== undefined && section.nextDueAt <= now;
}

/** Adds one version to a key (and to its multi-Region replicas, which share material). */
export function addVersion(section: KmsSection, key: KeyRecord, at: number, type: 'AUTOMATIC' | 'ON_DEMAND', random: Random, sealer: Sealer): void {
  const id = newVersionId(random);
  const { material } = generateMaterialSync(key.keySpec, random);
  const sealed = sealMaterial(sealer, key.keyId, id, material);
  material.fill(0);
  for (const k of relatedMultiRegionKeys(section, key)) {
    k.versions.push({ id, createdAt: at, rotationType: type, sealed });
  }
}

/** Copies a multi-Region primary's rotation settings to its replicas (they share material). */
export function syncReplicaRotation(section: KmsSection, key: KeyRecord): void {
  for (const k of relatedMultiRegionKeys(section, key)) if (k !== key) k.rotation = { ...key.rotation };
}

/**
 * Imported material whose ValidTo will expire it. Not while the key waits for deletion: the
 * expiry applies if CancelKeyDeletion brings it back (then Disabled, so scheduled again).
 */
function expiryScheduled(key: KeyRecord): boolean {
  return key.origin === 'EXTERNAL' && key.validTo !== undefined
    && key.state !== 'PendingImport' && key.state !== 'PendingDeletion' && key.state !== 'PendingReplicaDeletion';
}

/** An Enabled primary (or single-Region) key with automatic rotation on and a next date. */
function rotationScheduled(key: KeyRecord): boolean {
  const isPrimary = !key.multiRegion || key.primaryRegion === key.region;
  return key.rotation.enabled && isPrimary && key.state === 'Enabled' && key.rotation.nextRotation !== undefined && !!key.rotation.periodDays;
}

export function applyMaintenance(section: KmsSection, now: number, random: Random, sealer: Sealer): void {
  for (const [arn, key] of Object.entries(section.keys)) {
    if ((key.state === 'PendingDeletion') && key.deletionDate !== undefined && key.deletionDate <= now) {
      deleteKeyRecord(section, arn, key);
      continue;
    }
    if (expiryScheduled(key) && key.validTo! <= now) {
      for (const v of key.versions) delete v.sealed;
      key.state = 'PendingImport';
      delete key.validTo;
    }
    if (rotationScheduled(key)) {
      const rot = key.rotation as KeyRecord['rotation'] & { nextRotation: number; periodDays: number };
      while (rot.nextRotation <= now) {
        addVersion(section, key, rot.nextRotation, 'AUTOMATIC', random, sealer);
        rot.nextRotation += rot.periodDays * DAY_MS;
      }
      syncReplicaRotation(section, key);
    }
  }
  for (const key of Object.values(section.keys)) {
    // A primary waits for its replicas; its own waiting period starts when the last is gone.
    if (key.state === 'PendingReplicaDeletion' && relatedMultiRegionKeys(section, key).length === 1) {
      key.state = 'PendingDeletion';
      key.deletionDate = now + (key.pendingWindowDays ?? 30) * DAY_MS;
    }
  }
  for (const [id, tok] of Object.entries(section.importTokens)) {
    // Kept one day past expiry so a late ImportKeyMaterial reports ExpiredImportTokenException.
    if (tok.validTo + DAY_MS <= now) delete section.importTokens[id];
  }
  section.nextDueAt = computeNextDue(section);
}

export function deleteKeyRecord(section: KmsSection, arn: string, key: KeyRecord): void {
  delete section.keys[arn];
  for (const [k, a] of Object.entries(section.aliases)) {
    if (a.accountId === key.accountId && a.region === key.region && a.targetKeyId === key.keyId) delete section.aliases[k];
  }
  for (const [id, tok] of Object.entries(section.importTokens)) if (tok.keyArn === arn) delete section.importTokens[id];
  for (const v of key.versions) delete v.sealed;
}

/** Earliest pending deadline across keys and import tokens. */
export function computeNextDue(section: KmsSection): number | undefined {
  let next = Infinity;
  for (const key of Object.values(section.keys)) {
    if (key.state === 'PendingDeletion' && key.deletionDate !== undefined) next = Math.min(next, key.deletionDate);
    if (expiryScheduled(key)) next = Math.min(next, key.validTo!);
    if (rotationScheduled(key)) next = Math.min(next, key.rotation.nextRotation!);
  }
  for (const tok of Object.values(section.importTokens)) next = Math.min(next, tok.validTo + DAY_MS);
  return next === Infinity ? undefined : next;
}
