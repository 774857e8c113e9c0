/**
 * One open Envelope file in the Encrypted Editor (VS Code CustomDocument): the plaintext lives
 * only in memory, with the message's keys, encryption context and frame length so that saving
 * re-encrypts "with the same keys and context" (issue #6). Save, Save As and hot-exit backups all
 * write ciphertext: a backup is the edited text encrypted under the same keys, so VS Code's
 * Backups folder never holds plaintext.
 */
import { isEnvelopeMessage, InvalidCiphertextException, ValidationException } from './core-adapter.js';
import { decryptToMemory, encryptToFile, encryptToMemory, inspectFile, messageParams, readFileUpTo, type MessageParams } from './file-crypto.js';
import { formatContext } from './context-input.js';
import type { EditorModel } from './editor-model.js';
import { applyChanges, type EditorBannerInfo, type TextChange } from './editor-protocol.js';
import type { KeyBackend } from './key-backend.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();
/** Saves in a row at most, when edits keep arriving while saving. */
const MAX_SAVE_ROUNDS = 4;

export class EncryptedDocumentModel implements EditorModel {
  private text: string;
  private savedText: string;
  private params: MessageParams;
  /** Increments with every edit; lets a save know whether edits arrived meanwhile. */
  private version = 0;
  private savedVersion = 0;

  private constructor(
    readonly path: string,
    text: string,
    params: MessageParams,
    private readonly backend: () => Promise<KeyBackend>,
    dirty: boolean,
  ) {
    this.text = text;
    this.savedText = dirty ? '' : text;
    this.params = params;
    if (dirty) this.version = 1;
  }

  /**
   * Opens `path`, or restores from an (encrypted) backup when `backup` is given. Refuses files
   * larger than `maxBytes`, files that are not Envelope messages and plaintext that is not UTF-8.
   */
  static async open(
    path: string,
    backend: () => Promise<KeyBackend>,
    opts: { maxBytes: number; backup?: Uint8Array },
  ): Promise<EncryptedDocumentModel> {
    const ciphertext = opts.backup ?? (await readFileUpTo(path, opts.maxBytes));
    if (!isEnvelopeMessage(ciphertext.subarray(0, 16))) {
      throw new InvalidCiphertextException(`${path} is not an Envelope file (no Envelope magic bytes)`);
    }
    const b = await backend();
    const { plaintext, params } = await decryptToMemory(ciphertext, b.discoveryKeyring());
    let text: string;
    try {
      text = utf8Decoder.decode(plaintext);
    } catch {
      throw new ValidationException(`${path} does not hold UTF-8 text; use "Envelope: Decrypt File" for binary content`);
    } finally {
      plaintext.fill(0);
    }
    return new EncryptedDocumentModel(path, text, params, backend, opts.backup !== undefined);
  }

  getText(): string {
    return this.text;
  }

  /** Increments with every edit (problem caches key on it). */
  get editVersion(): number {
    return this.version;
  }

  get isDirty(): boolean {
    return this.version !== this.savedVersion && this.text !== this.savedText;
  }

  /** Key ids, context and frame length the file is (re-)encrypted with. */
  get messageParams(): MessageParams {
    return this.params;
  }

  /**
   * Applies the incremental changes of one editor event. Returns false when the result does not
   * have `expectedLength` (the copies diverged): the caller then asks for the full text.
   */
  applyChanges(changes: readonly TextChange[], expectedLength: number): boolean {
    const next = applyChanges(this.text, changes);
    if (next.length !== expectedLength) return false;
    this.edit(next);
    return true;
  }

  /** Replaces the text (an edit from the webview). Returns false when nothing changed. */
  edit(text: string): boolean {
    if (text === this.text) return false;
    this.text = text;
    this.version++;
    return true;
  }

  /**
   * Re-encrypts the text under the keys and context of the file on disk (a Re-encrypt run while
   * the document is open is kept) and replaces the file atomically. VS Code marks the document
   * clean when the save resolves, so edits that arrived meanwhile are saved by another round.
   */
  async save(): Promise<void> {
    await this.reloadParams();
    let rounds = 0;
    do {
      await this.saveTo(this.path);
    } while (this.isDirty && ++rounds < MAX_SAVE_ROUNDS);
  }

  /** Re-reads the keys and context from the file's header (it was re-encrypted); true when they changed. */
  async reloadParams(): Promise<boolean> {
    const fresh = await inspectFile(this.path).then(({ header }) => messageParams(header), () => undefined);
    if (fresh === undefined || JSON.stringify(fresh) === JSON.stringify(this.params)) return false;
    this.params = fresh;
    return true;
  }

  /** Writes the encrypted text to another file (Save As); this document stays bound to its path. */
  async saveTo(path: string): Promise<void> {
    const version = this.version;
    const text = this.text;
    const b = await this.backend();
    const bytes = utf8Encoder.encode(text);
    try {
      await encryptToFile(path, bytes, b.keyring(this.params.keyIds), this.params);
    } finally {
      bytes.fill(0);
    }
    if (path === this.path) {
      this.savedVersion = version;
      this.savedText = text;
    }
  }

  /** The edited text encrypted under the same keys and context: what a hot-exit backup stores. */
  async encryptedSnapshot(): Promise<Uint8Array> {
    const b = await this.backend();
    const bytes = utf8Encoder.encode(this.text);
    try {
      return await encryptToMemory(bytes, b.keyring(this.params.keyIds), this.params);
    } finally {
      bytes.fill(0);
    }
  }

  /** Discards edits: decrypts the file on disk again. */
  async revert(maxBytes: number): Promise<void> {
    const fresh = await EncryptedDocumentModel.open(this.path, this.backend, { maxBytes });
    this.text = fresh.text;
    this.savedText = fresh.text;
    this.params = fresh.params;
    this.version++;
    this.savedVersion = this.version;
  }

  banner(fileName: string): EditorBannerInfo {
    return { fileName, keys: this.params.keyIds, context: formatContext(this.params.context) };
  }
}
