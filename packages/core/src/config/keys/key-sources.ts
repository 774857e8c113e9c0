/**
 * Wrapping and unwrapping the file's data key with its master keys (docs/CONFIG.md "Key
 * sources"): `age` recipients (keys/age.ts), `pgp` fingerprints (gpg), `kms` keys through any
 * object with AWS-shaped Encrypt/Decrypt (the embedded Kms, a remote one), with the entry's
 * `context` as EncryptionContext. With several key groups the data key is split with Shamir
 * (`shamir_threshold` of the groups rebuild it); each group's keys all wrap that group's share.
 */
import { KmsError } from '../../errors.js';
import type { Clock, Random } from '../../defaults.js';
import { combine, split } from '../shamir.js';
import type { KeyEntry, KeySourceType, SopsMetadata } from '../metadata.js';
import { ageDecrypt, ageEncrypt, armor, dearmor, type AgeIdentity } from '../../crypto/age.js';
import { gpgDecrypt, gpgEncrypt, type GpgOptions } from './pgp.js';
import { kmsMasterKeyOf, type KmsMasterKey } from './kms-key.js';

/** The part of a Kms a config file needs (the embedded Kms and AWS SDK-shaped clients fit). */
export interface ConfigKms {
  Encrypt(req: { KeyId: string; Plaintext: Uint8Array; EncryptionContext?: Record<string, string> }): Promise<{ CiphertextBlob?: Uint8Array; KeyId?: string }>;
  Decrypt(req: { CiphertextBlob: Uint8Array; KeyId?: string; EncryptionContext?: Record<string, string> }): Promise<{ Plaintext?: Uint8Array }>;
}

export interface KeySourceOptions {
  /**
   * The Kms for a `kms` entry (opened on first use): given the entry's key ARN, `role` and
   * `aws_profile`, it returns a Kms whose calls act as that role / with that profile.
   */
  readonly kms?: (key: KmsMasterKey) => Promise<ConfigKms>;
  /** age identities for `age` entries (loaded on first use). */
  readonly ageIdentities?: () => Promise<AgeIdentity[]>;
  /** gpg for `pgp` entries; false disables PGP. */
  readonly gpg?: GpgOptions | false;
  readonly random: Random;
  readonly clock: Clock;
}

/** No master key of the file could give the data key; the message names each source tried and why. */
export class ConfigKeyUnavailableException extends KmsError {
  constructor(message: string) {
    super('ConfigKeyUnavailableException', message, 400);
  }
}

const DECRYPTION_ORDER: readonly KeySourceType[] = ['age', 'pgp', 'kms'];
const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function describeEntry(e: KeyEntry): string {
  const f = e.fields;
  const id = f['recipient'] ?? f['fp'] ?? f['arn'] ?? f['resource_id'] ?? f['vault_url'] ?? f['key_name'] ?? f['key_id'] ?? '?';
  if (e.type !== 'kms') return `${e.type} ${String(id)}`;
  const k = kmsMasterKeyOf(e);
  return `kms ${k.arn}${k.role ? `+${k.role}` : ''}${k.awsProfile ? ` (AWS profile ${k.awsProfile})` : ''}`;
}

function contextOf(e: KeyEntry): Record<string, string> | undefined {
  const c = e.fields['context'];
  if (c === undefined || c === null || typeof c !== 'object') return undefined;
  return Object.fromEntries(Object.entries(c as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
}

async function unwrapOne(e: KeyEntry, o: KeySourceOptions, ids: { cached?: Promise<AgeIdentity[]> }): Promise<Uint8Array> {
  const enc = String(e.fields['enc'] ?? '');
  if (enc === '') throw new Error('no encrypted data key');
  switch (e.type) {
    case 'age': {
      if (o.ageIdentities === undefined) throw new Error('age is not enabled');
      ids.cached ??= o.ageIdentities();
      const list = await ids.cached;
      if (list.length === 0) throw new Error('no age identity found (SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, ~/.config/sops/age/keys.txt)');
      return ageDecrypt(dearmor(enc), list);
    }
    case 'pgp':
      if (o.gpg === false || o.gpg === undefined) throw new Error('PGP is not enabled');
      return gpgDecrypt(o.gpg, enc);
    case 'kms': {
      if (o.kms === undefined) throw new Error('no KMS configured');
      const kms = await o.kms(kmsMasterKeyOf(e));
      const ctx = contextOf(e);
      const r = await kms.Decrypt({ CiphertextBlob: new Uint8Array(Buffer.from(enc, 'base64')), KeyId: String(e.fields['arn']), ...(ctx ? { EncryptionContext: ctx } : {}) });
      if (!r.Plaintext) throw new Error('Decrypt returned no plaintext');
      return r.Plaintext;
    }
    default:
      throw new Error('not supported by envelope');
  }
}

function errText(e: unknown): string {
  if (e instanceof KmsError) return `${e.name}: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

/** Recovers the data key; throws ConfigKeyUnavailableException naming every source tried and why it failed. */
export async function recoverDataKey(md: SopsMetadata, o: KeySourceOptions): Promise<Uint8Array> {
  const ids: { cached?: Promise<AgeIdentity[]> } = {};
  const parts: Uint8Array[] = [];
  const failures: string[] = [];
  const threshold = md.keyGroups.length > 1 ? (md.shamir_threshold ?? md.keyGroups.length) : 1;
  for (const [gi, group] of md.keyGroups.entries()) {
    if (parts.length >= threshold) break;
    const order = [...group].sort((a, b) => rank(a.type) - rank(b.type));
    let got: Uint8Array | undefined;
    for (const e of order) {
      try {
        got = await unwrapOne(e, o, ids);
        break;
      } catch (err) {
        failures.push(`${md.keyGroups.length > 1 ? `group ${gi + 1}: ` : ''}${describeEntry(e)}: ${errText(err)}`);
      }
    }
    if (got !== undefined) parts.push(got);
  }
  if (md.keyGroups.length > 1) {
    if (parts.length < threshold) {
      throw new ConfigKeyUnavailableException(`could not get the data key: ${parts.length} of ${threshold} key groups needed; ${failures.join('; ')}`);
    }
    return combine(parts.slice(0, threshold));
  }
  if (parts.length === 0) throw new ConfigKeyUnavailableException(`could not get the data key: ${failures.join('; ') || 'the file lists no key'}`);
  if (parts[0]!.length !== 32) throw new ConfigKeyUnavailableException('could not get the data key: a key source returned a key that is not 32 bytes');
  return parts[0]!;
}

function rank(t: KeySourceType): number {
  const i = DECRYPTION_ORDER.indexOf(t);
  return i < 0 ? DECRYPTION_ORDER.length : i;
}

async function wrapOne(e: KeyEntry, part: Uint8Array, o: KeySourceOptions): Promise<void> {
  const now = rfc3339(o.clock());
  switch (e.type) {
    case 'age':
      e.fields = { recipient: e.fields['recipient'], enc: armor(ageEncrypt(part, [String(e.fields['recipient'])], o.random)) };
      return;
    case 'pgp':
      if (o.gpg === false || o.gpg === undefined) throw new Error('PGP is not enabled');
      e.fields = { ...e.fields, created_at: now, enc: await gpgEncrypt(o.gpg, String(e.fields['fp']), part) };
      return;
    case 'kms': {
      if (o.kms === undefined) throw new Error('no KMS configured');
      const kms = await o.kms(kmsMasterKeyOf(e));
      const ctx = contextOf(e);
      const r = await kms.Encrypt({ KeyId: String(e.fields['arn']), Plaintext: part, ...(ctx ? { EncryptionContext: ctx } : {}) });
      if (!r.CiphertextBlob) throw new Error('Encrypt returned no ciphertext');
      e.fields = { ...e.fields, created_at: now, enc: Buffer.from(r.CiphertextBlob).toString('base64'), aws_profile: e.fields['aws_profile'] ?? '' };
      return;
    }
    default:
      throw new Error('cannot encrypt with this key source (not supported by envelope)');
  }
}

/** Wraps `dataKey` with every master key of every group (Shamir shares when there are several groups). */
export async function wrapDataKey(md: SopsMetadata, dataKey: Uint8Array, o: KeySourceOptions): Promise<void> {
  const groups = md.keyGroups;
  if (groups.length === 0 || groups.some((g) => g.length === 0)) throw new ConfigKeyUnavailableException('no master keys to encrypt the data key with (give --kms/--age/--pgp or a creation rule)');
  let parts: Uint8Array[];
  if (groups.length === 1) parts = [dataKey];
  else {
    const threshold = md.shamir_threshold ?? groups.length;
    md.shamir_threshold = threshold;
    parts = split(dataKey, groups.length, threshold, o.random);
  }
  const failures: string[] = [];
  for (const [gi, group] of groups.entries()) {
    for (const e of group) {
      try {
        await wrapOne(e, parts[gi]!, o);
      } catch (err) {
        failures.push(`${describeEntry(e)}: ${errText(err)}`);
      }
    }
  }
  if (failures.length > 0) throw new ConfigKeyUnavailableException(`could not encrypt the data key: ${failures.join('; ')}`);
}
