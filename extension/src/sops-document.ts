/**
 * One SOPS config file (YAML, JSON, dotenv, INI with a `sops` block) open in the Encrypted Editor
 * (issue 16 item 2). Opening decrypts it in memory with the core's config API (`openConfig`); the
 * editor shows the decrypted file without its `sops` block. Saving parses the edited text as a
 * plain file of the same format and re-encrypts it with the file's data key (`reencrypt`): a value
 * whose path, type and plaintext did not change keeps its exact `ENC[…]` text, so only changed
 * values, `lastmodified` and `mac` differ on disk. A text that does not parse, or that has a `sops`
 * key of its own, is refused (ValidationException) and nothing is written.
 *
 * Backups (hot exit) must hold ciphertext even when the text does not parse: the whole text is
 * encrypted as one value of a SOPS *binary* file under the same data key and master keys (every
 * value encrypted, whatever the file's encrypted/unencrypted rules), so it opens with the same
 * keys. No `vscode` import: the unit tests run it under plain Node.
 */
import { stat } from 'node:fs/promises';
import { writeFileAtomically } from './atomic-write.js';
import {
  decryptDocument, formatForPath, openConfig, parseEncryptedConfig, parsePlain, readConfigMetadata, reencrypt, ValidationException,
  type ConfigFormat, type ConfigKeyOptions, type OpenedConfig, type SopsMetadata,
} from './core-adapter.js';
import type { EditorModel } from './editor-model.js';
import { applyChanges, type EditorBannerInfo, type TextChange } from './editor-protocol.js';
import { randomSuffix, readFileUpTo } from './file-crypto.js';
import { summarizeSopsKeys } from './sops-keys.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
const MAX_SAVE_ROUNDS = 4;
/** The formats the editor opens (binary SOPS files are whole values, not text to edit). */
export const SOPS_TEXT_FORMATS: readonly ConfigFormat[] = ['yaml', 'json', 'dotenv', 'ini'];

/** What re-encrypting needs: the data key, the IVs read (minimal diffs) and the metadata as written. */
type SopsState = Pick<OpenedConfig, 'metadata' | 'dataKey' | 'stash' | 'snapshot'>;

/** The editable format of `path` by its suffix (as SOPS chooses its store), or undefined. */
export function sopsTextFormat(path: string): ConfigFormat | undefined {
  const f = formatForPath(path);
  return SOPS_TEXT_FORMATS.includes(f) ? f : undefined;
}

/**
 * Does `text` (the content of a file named `path`) hold a SOPS-encrypted document? The core's
 * `filestatus` test (it parses and has valid `sops` metadata), after a cheap look for an `ENC[`
 * value so plain YAML/JSON files are not parsed twice.
 */
export function isSopsText(path: string, text: string): boolean {
  const format = sopsTextFormat(path);
  if (format === undefined || !text.includes('ENC[AES256_GCM,') || !/sops/.test(text)) return false;
  try {
    readConfigMetadata(parseEncryptedConfig(text, format));
    return true;
  } catch {
    return false;
  }
}

/** Parses the editor's text as a plain file of `format`; refuses what SOPS could not write back. */
export function parseEditedText(text: string, format: ConfigFormat): ReturnType<typeof parsePlain> {
  let doc;
  try {
    doc = parsePlain(text, format);
  } catch (e) {
    throw new ValidationException(`the document does not parse as ${format} (${(e as Error).message}); the file was not changed`);
  }
  if (doc.getMetadata() !== undefined) throw new ValidationException('the document must not contain a top-level "sops" key (it is the file\'s metadata); the file was not changed');
  return doc;
}

/** Decrypts SOPS bytes with a data key already known (no key source asked); throws when it is not that key. */
function decryptWithKey(bytes: Uint8Array, format: ConfigFormat, dataKey: Uint8Array): { text: string; state: SopsState } {
  const doc = parseEncryptedConfig(bytes, format);
  const metadata = readConfigMetadata(doc);
  const { stash, snapshot } = decryptDocument(doc, metadata, dataKey);
  return { text: utf8Decoder.decode(doc.serialize()), state: { metadata, dataKey, stash, snapshot } };
}

/** Metadata for a backup: the file's keys, every value encrypted (no suffix/regex rules apply). */
function backupMetadata(md: SopsMetadata): SopsMetadata {
  const { unencrypted_suffix: _a, encrypted_suffix: _b, unencrypted_regex: _c, encrypted_regex: _d, unencrypted_comment_regex: _e, encrypted_comment_regex: _f, mac_only_encrypted: _g, ...rest } = md;
  return { ...rest };
}

export class SopsDocumentModel implements EditorModel {
  private text: string;
  private savedText: string;
  private version = 0;
  private savedVersion = 0;

  private constructor(
    readonly path: string,
    readonly format: ConfigFormat,
    text: string,
    private state: SopsState,
    /** The file's bytes as last read or written (a change on disk is re-read before saving). */
    private diskBytes: Uint8Array,
    private readonly keys: () => Promise<ConfigKeyOptions>,
    dirty: boolean,
  ) {
    this.text = text;
    this.savedText = dirty ? '' : text;
    if (dirty) this.version = 1;
  }

  /**
   * Opens the SOPS file at `path` (all or nothing: a MAC mismatch or a key that cannot be used
   * throws and nothing is decrypted); with `backup`, the text comes from that encrypted backup.
   */
  static async open(path: string, keys: () => Promise<ConfigKeyOptions>, opts: { maxBytes: number; backup?: Uint8Array }): Promise<SopsDocumentModel> {
    const format = sopsTextFormat(path);
    if (format === undefined) throw new ValidationException(`${path} is not a YAML, JSON, dotenv or INI file`);
    const bytes = await readFileUpTo(path, opts.maxBytes);
    const opened = await openConfig(bytes, format, await keys());
    const state: SopsState = { metadata: opened.metadata, dataKey: opened.dataKey, stash: opened.stash, snapshot: opened.snapshot };
    let text = utf8Decoder.decode(opened.doc.serialize());
    if (opts.backup !== undefined) text = await SopsDocumentModel.readBackup(opts.backup, opened.dataKey, keys);
    return new SopsDocumentModel(path, format, text, state, bytes, keys, opts.backup !== undefined);
  }

  /** The text of an encrypted backup (same data key; else its own master keys are asked). */
  private static async readBackup(backup: Uint8Array, dataKey: Uint8Array, keys: () => Promise<ConfigKeyOptions>): Promise<string> {
    try {
      return decryptWithKey(backup, 'binary', dataKey).text;
    } catch {
      const opened = await openConfig(backup, 'binary', await keys());
      return utf8Decoder.decode(opened.doc.serialize());
    }
  }

  getText(): string {
    return this.text;
  }

  get editVersion(): number {
    return this.version;
  }

  get isDirty(): boolean {
    return this.version !== this.savedVersion && this.text !== this.savedText;
  }

  /** The data key (in memory only), to decrypt other versions of the file without asking the keys again. */
  get dataKey(): Uint8Array {
    return this.state.dataKey;
  }

  /** The file's metadata (key groups, Shamir threshold, lastmodified) as last read or written. */
  get metadata(): SopsMetadata {
    return this.state.metadata;
  }

  /** The decrypted text as it was last saved (or opened): the "last save" side of a diff. */
  get lastSavedText(): string {
    return this.savedText;
  }

  applyChanges(changes: readonly TextChange[], expectedLength: number): boolean {
    const next = applyChanges(this.text, changes);
    if (next.length !== expectedLength) return false;
    this.edit(next);
    return true;
  }

  edit(text: string): boolean {
    if (text === this.text) return false;
    this.text = text;
    this.version++;
    return true;
  }

  async save(): Promise<void> {
    let rounds = 0;
    do {
      await this.saveTo(this.path);
    } while (this.isDirty && ++rounds < MAX_SAVE_ROUNDS);
  }

  /**
   * The file changed on disk since it was read or written (git checkout, `envelope config
   * rotate`/`updatekeys`): take its data key, IVs and metadata, so saving keeps that change.
   * True when it did.
   */
  async reloadParams(): Promise<boolean> {
    const bytes = await readFileUpTo(this.path, Number.MAX_SAFE_INTEGER).catch(() => undefined);
    if (bytes === undefined || Buffer.from(bytes).equals(Buffer.from(this.diskBytes))) return false;
    let state: SopsState;
    try {
      state = decryptWithKey(bytes, this.format, this.state.dataKey).state;
    } catch {
      const opened = await openConfig(bytes, this.format, await this.keys());
      state = { metadata: opened.metadata, dataKey: opened.dataKey, stash: opened.stash, snapshot: opened.snapshot };
    }
    this.state = state;
    this.diskBytes = bytes;
    return true;
  }

  async saveTo(path: string): Promise<void> {
    if (path === this.path) await this.reloadParams();
    const version = this.version;
    const text = this.text;
    const format = path === this.path ? this.format : (sopsTextFormat(path) ?? this.format);
    const doc = parseEditedText(text, format);
    const bytes = reencrypt(doc, this.state, await this.keys());
    const mode = await stat(path).then((s) => s.mode & 0o777, () => 0o644);
    await writeFileAtomically(path, bytes, { suffix: randomSuffix(), mode });
    if (path !== this.path) return;
    // The IVs and metadata of what is on disk now: the next save keeps these values' ciphertext.
    this.state = decryptWithKey(bytes, format, this.state.dataKey).state;
    this.diskBytes = bytes;
    this.savedVersion = version;
    this.savedText = text;
  }

  async encryptedSnapshot(): Promise<Uint8Array> {
    const doc = parsePlain(utf8Encoder.encode(this.text), 'binary');
    return reencrypt(doc, { metadata: backupMetadata(this.state.metadata), dataKey: this.state.dataKey, stash: this.state.stash }, await this.keys());
  }

  async revert(maxBytes: number): Promise<void> {
    const fresh = await SopsDocumentModel.open(this.path, this.keys, { maxBytes });
    this.text = fresh.text;
    this.savedText = fresh.text;
    this.state = fresh.state;
    this.diskBytes = fresh.diskBytes;
    this.version++;
    this.savedVersion = this.version;
  }

  banner(fileName: string): EditorBannerInfo {
    const s = summarizeSopsKeys(this.state.metadata);
    return { fileName, keys: s.keys, context: s.groups, heading: `SOPS ${this.format}`, contextLabel: 'key groups' };
  }
}

/**
 * The decrypted text of another version of a SOPS file (git HEAD, for the decrypted diff): with
 * the open document's data key when it is the same (no key source asked), else its own keys.
 */
export async function decryptSopsVersion(bytes: Uint8Array, path: string, keys: () => Promise<ConfigKeyOptions>, knownDataKey?: Uint8Array): Promise<string> {
  const format = sopsTextFormat(path);
  if (format === undefined) throw new ValidationException(`${path} is not a YAML, JSON, dotenv or INI file`);
  if (knownDataKey !== undefined) {
    try {
      return decryptWithKey(bytes, format, knownDataKey).text;
    } catch {
      // another data key (rotated since): ask the key sources below
    }
  }
  const opened = await openConfig(bytes, format, await keys());
  return utf8Decoder.decode(opened.doc.serialize());
}
