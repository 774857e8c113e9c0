/**
 * The Node API for SOPS-compatible config files (docs/CONFIG.md "Node API"):
 * `loadConfig(path)`, `decryptConfig(text, { format })`, `encryptConfig(objectOrText, { format, keys })`,
 * plus the lower-level open/re-encrypt used by the CLI's edit/set/rotate. Only this area and the
 * errors are imported, so a service can read its config at start-up with a lean import.
 */
import { readFile } from 'node:fs/promises';
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { ValidationException } from '../errors.js';
import type { ConfigDocument, ConfigFormat, MetadataSnapshot } from './document.js';
import type { KeyEntry, SopsMetadata, CryptRules } from './metadata.js';
import { SOPS_FORMAT_VERSION } from './metadata.js';
import { decryptDocument, encryptDocument, readMetadata } from './sops-file.js';
import { formatForPath, parseEncrypted, parsePlain } from './stores/index.js';
import { fromJs, stringify } from './stores/json.js';
import { YamlDocument } from './stores/yaml.js';
import { recoverDataKey, wrapDataKey, type ConfigKms, type KeySourceOptions } from './keys/key-sources.js';
import { splitArnRole, type KmsMasterKey } from './keys/kms-key.js';
import { loadAgeIdentities } from './keys/age-identities.js';
import type { GpgOptions } from './keys/pgp.js';
import type { IvStash } from './value-cipher.js';
import type { AgeIdentity } from '../crypto/age.js';

export interface ConfigKeyOptions {
  /**
   * Kms for `kms` entries: an object, or a function opening it on first use for each entry's key
   * (its ARN, `role` and `aws_profile`: the function decides the credentials the calls use).
   */
  readonly kms?: ConfigKms | ((key: KmsMasterKey) => Promise<ConfigKms>);
  /** age identities (default: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, ~/.config/sops/age/keys.txt). */
  readonly ageIdentities?: readonly AgeIdentity[] | (() => Promise<AgeIdentity[]>);
  /** gpg options, or false to never run gpg (default: gpg from PATH). */
  readonly gpg?: GpgOptions | false;
  readonly env?: NodeJS.ProcessEnv;
  readonly random?: Random;
  readonly clock?: Clock;
}

/** Master keys for a new file: one group, or several (Shamir) with a threshold. */
export interface ConfigKeys {
  /** KMS keys: ARNs (`KEY_ARN+ROLE_ARN` as in SOPS), or entries with `context`, `role`, `aws_profile`. */
  readonly kms?: readonly (string | { arn: string; context?: Record<string, string>; role?: string; aws_profile?: string })[];
  readonly age?: readonly string[];
  readonly pgp?: readonly string[];
  /** Instead of the above: several groups, `shamirThreshold` of which rebuild the data key. */
  readonly keyGroups?: readonly ConfigKeys[];
  readonly shamirThreshold?: number;
}

export function sourceOptions(o: ConfigKeyOptions = {}): KeySourceOptions {
  const env = o.env ?? process.env;
  const kms = o.kms;
  const ids = o.ageIdentities;
  return {
    ...(kms !== undefined ? { kms: typeof kms === 'function' ? kms : async () => kms } : {}),
    ageIdentities: ids === undefined ? () => loadAgeIdentities(env) : typeof ids === 'function' ? ids : async () => [...ids],
    gpg: o.gpg === false ? false : { env, ...(o.gpg ?? {}) },
    random: o.random ?? systemRandom,
    clock: o.clock ?? systemClock,
  };
}

export function keyGroupsOf(keys: ConfigKeys): KeyEntry[][] {
  if (keys.keyGroups && keys.keyGroups.length > 0) return keys.keyGroups.map((g) => keyGroupsOf(g)[0] ?? []);
  const g: KeyEntry[] = [];
  for (const k of keys.kms ?? []) {
    const f: { arn: string; context?: Record<string, string>; role?: string; aws_profile?: string } = typeof k === 'string' ? splitArnRole(k) : k;
    g.push({ type: 'kms', fields: { arn: f.arn, ...(f.role ? { role: f.role } : {}), ...(f.context && Object.keys(f.context).length > 0 ? { context: f.context } : {}), aws_profile: f.aws_profile ?? '' } });
  }
  for (const r of keys.age ?? []) g.push({ type: 'age', fields: { recipient: r } });
  for (const fp of keys.pgp ?? []) g.push({ type: 'pgp', fields: { fp: fp.replace(/\s+/g, '') } });
  return [g];
}

/** Fresh metadata for a new file. */
export function newMetadata(keys: ConfigKeys, rules: CryptRules = {}): SopsMetadata {
  const keyGroups = keyGroupsOf(keys);
  const md: SopsMetadata = { keyGroups, grouped: keyGroups.length > 1, lastmodified: '', mac: '', version: SOPS_FORMAT_VERSION, ...rules };
  if (keyGroups.length > 1 && keys.shamirThreshold !== undefined) md.shamir_threshold = keys.shamirThreshold;
  if (Object.values(rules).every((v) => v === undefined || v === false)) md.unencrypted_suffix = '_unencrypted';
  return md;
}

/** An opened (decrypted) config file: the plaintext document and what re-encrypting it needs. */
export interface OpenedConfig {
  readonly format: ConfigFormat;
  readonly doc: ConfigDocument;
  readonly metadata: SopsMetadata;
  readonly dataKey: Uint8Array;
  readonly stash: IvStash;
  /** The metadata as the file had it (re-used on rewrite so unchanged entries stay as written). */
  readonly snapshot: MetadataSnapshot;
}

/** Decrypts an encrypted file's text; all or nothing. */
export async function openConfig(input: Uint8Array | string, format: ConfigFormat, o: ConfigKeyOptions = {}): Promise<OpenedConfig> {
  const doc = parseEncrypted(input, format);
  const metadata = readMetadata(doc);
  const dataKey = await recoverDataKey(metadata, sourceOptions(o));
  const { stash, snapshot } = decryptDocument(doc, metadata, dataKey);
  return { format, doc, metadata, dataKey, stash, snapshot };
}

/** Encrypts a plaintext document with an opened file's data key and IVs (minimal diffs). */
export function reencrypt(doc: ConfigDocument, opened: Pick<OpenedConfig, 'metadata' | 'dataKey' | 'stash'> & Partial<Pick<OpenedConfig, 'snapshot'>>, o: ConfigKeyOptions = {}): Uint8Array {
  const so = sourceOptions(o);
  const md = structuredClone(opened.metadata);
  encryptDocument(doc, md, opened.dataKey, { random: so.random, clock: so.clock, stash: opened.stash, ...(opened.snapshot ? { snapshot: opened.snapshot } : {}) });
  return doc.serialize();
}

/** Encrypts a plaintext document for new master keys (a fresh data key). */
export async function encryptNew(doc: ConfigDocument, md: SopsMetadata, o: ConfigKeyOptions = {}): Promise<Uint8Array> {
  const so = sourceOptions(o);
  const dataKey = so.random(32);
  await wrapDataKey(md, dataKey, so);
  encryptDocument(doc, md, dataKey, { random: so.random, clock: so.clock });
  dataKey.fill(0);
  return doc.serialize();
}

export interface DecryptConfigOptions extends ConfigKeyOptions {
  readonly format: ConfigFormat;
}

/** Decrypts a SOPS file's text; returns the decrypted object (binary: `{ data }`). */
export async function decryptConfig(text: Uint8Array | string, o: DecryptConfigOptions): Promise<unknown> {
  const opened = await openConfig(text, o.format, o);
  return opened.doc.toJS();
}

/** Reads and decrypts the SOPS file at `path` (format from its suffix unless given). */
export async function loadConfig(path: string, o: Partial<DecryptConfigOptions> = {}): Promise<unknown> {
  const bytes = await readFile(path);
  return decryptConfig(bytes, { ...o, format: o.format ?? formatForPath(path) });
}

export interface EncryptConfigOptions extends ConfigKeyOptions {
  readonly format: ConfigFormat;
  readonly keys: ConfigKeys;
  readonly rules?: CryptRules;
}

/** Encrypts an object (or a file's text) as a SOPS file; returns the file's text. */
export async function encryptConfig(input: unknown, o: EncryptConfigOptions): Promise<string> {
  let doc: ConfigDocument;
  if (typeof input === 'string' || input instanceof Uint8Array) doc = parsePlain(input, o.format);
  else if (o.format === 'json' || o.format === 'yaml') {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new ValidationException('encryptConfig: the value must be an object');
    doc = o.format === 'json' ? parsePlain(stringify(fromJs(input), '\t') + '\n', 'json') : YamlDocument.fromJS(input as Record<string, unknown>);
  } else throw new ValidationException(`encryptConfig: pass the ${o.format} file's text`);
  const out = await encryptNew(doc, newMetadata(o.keys, o.rules), o);
  return new TextDecoder().decode(out);
}
