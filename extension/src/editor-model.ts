/**
 * What the Encrypted Editor (encrypted-editor.ts) needs of an open document, whatever the file's
 * format: an Envelope message (encrypted-document.ts) or a SOPS config file (sops-document.ts).
 * The plaintext lives only in memory; save, Save As and backups write ciphertext only.
 */
import type { EditorBannerInfo, TextChange } from './editor-protocol.js';

export interface EditorModel {
  readonly path: string;
  getText(): string;
  /** Increments with every edit (problem caches key on it). */
  readonly editVersion: number;
  readonly isDirty: boolean;
  /** Applies one editor event's incremental changes; false when the result does not have `expectedLength`. */
  applyChanges(changes: readonly TextChange[], expectedLength: number): boolean;
  /** Replaces the text; false when nothing changed. */
  edit(text: string): boolean;
  /** Encrypts the text and replaces the file atomically (edits arriving meanwhile are saved too). */
  save(): Promise<void>;
  /** Writes the encrypted text to another file (Save As). */
  saveTo(path: string): Promise<void>;
  /** Re-reads what the file on disk is encrypted with; true when it changed (the banner follows). */
  reloadParams(): Promise<boolean>;
  /** The edited text, encrypted: what a hot-exit backup stores. */
  encryptedSnapshot(): Promise<Uint8Array>;
  /** Discards edits: decrypts the file on disk again. */
  revert(maxBytes: number): Promise<void>;
  /** What the editor's banner says about the keys. */
  banner(fileName: string): EditorBannerInfo;
}
