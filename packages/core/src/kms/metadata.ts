/** KeyMetadata (AWS KMS API Reference, Data Types "KeyMetadata") built from a key record. */
import { currentVersion, type KeyRecord, type KmsSection } from './key-record.js';
import { encryptionAlgorithms, keyAgreementAlgorithms, macAlgorithms, signingAlgorithms } from './key-specs.js';
import type { KeyMetadata, MultiRegionConfiguration } from './types.js';

export function relatedMultiRegionKeys(section: KmsSection, key: KeyRecord): KeyRecord[] {
  if (!key.multiRegion) return [key];
  const out: KeyRecord[] = [];
  for (const k of Object.values(section.keys)) {
    if (k.keyId === key.keyId && k.accountId === key.accountId) out.push(k);
  }
  return out;
}

export function multiRegionConfiguration(section: KmsSection, key: KeyRecord): MultiRegionConfiguration | undefined {
  if (!key.multiRegion) return undefined;
  const related = relatedMultiRegionKeys(section, key);
  const primary = related.find((k) => k.region === key.primaryRegion) ?? key;
  return {
    MultiRegionKeyType: key.region === primary.region ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: { Arn: primary.arn, Region: primary.region },
    ReplicaKeys: related.filter((k) => k !== primary).map((k) => ({ Arn: k.arn, Region: k.region })),
  };
}

/** The encryption, signing and key agreement algorithms of a key (KeyMetadata, GetPublicKey). */
export function algorithmLists(key: KeyRecord): Pick<KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'KeyAgreementAlgorithms'> {
  const out: Pick<KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'KeyAgreementAlgorithms'> = {};
  const enc = encryptionAlgorithms(key.keySpec, key.keyUsage);
  if (enc) out.EncryptionAlgorithms = enc;
  const sig = signingAlgorithms(key.keySpec, key.keyUsage);
  if (sig) out.SigningAlgorithms = sig;
  const ka = keyAgreementAlgorithms(key.keyUsage);
  if (ka) out.KeyAgreementAlgorithms = ka;
  return out;
}

export function toKeyMetadata(section: KmsSection, key: KeyRecord): KeyMetadata {
  const md: KeyMetadata = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.state,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    MultiRegion: key.multiRegion,
  };
  if (key.deletionDate !== undefined) md.DeletionDate = new Date(key.deletionDate);
  if (key.pendingWindowDays !== undefined && key.state === 'PendingDeletion') md.PendingDeletionWindowInDays = key.pendingWindowDays;
  if (key.origin === 'EXTERNAL') {
    md.ExpirationModel = key.expirationModel ?? 'KEY_MATERIAL_DOES_NOT_EXPIRE';
    if (key.validTo !== undefined) md.ValidTo = new Date(key.validTo);
  }
  Object.assign(md, algorithmLists(key));
  const mac = macAlgorithms(key.keySpec);
  if (mac) md.MacAlgorithms = mac;
  const mr = multiRegionConfiguration(section, key);
  if (mr) md.MultiRegionConfiguration = mr;
  const cur = currentVersion(key);
  if (cur?.sealed && key.keySpec === 'SYMMETRIC_DEFAULT') md.CurrentKeyMaterialId = cur.id;
  return md;
}
