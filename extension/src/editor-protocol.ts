/**
 * Messages between the Encrypted Editor's webview (extension/webview/editor.ts, Monaco) and the
 * extension host (encrypted-editor.ts). The plaintext travels only by postMessage: the webview
 * persists no state (no setState), loads nothing but the bundled editor, and edits are sent as
 * Monaco's incremental changes so a keystroke in a 20 MB document does not copy the document.
 */
import type { EditorLanguage } from './editor-language.js';
import type { ParseProblem } from './parse-check.js';

export interface EditorBannerInfo {
  readonly fileName: string;
  readonly keys: readonly string[];
  readonly context: string;
  /** What kind of file (default "Envelope"; "SOPS yaml" for a SOPS config file). */
  readonly heading?: string;
  /** The label before `context` (default "context"; "key groups" for SOPS). */
  readonly contextLabel?: string;
}

/** One Monaco content change: replace `length` UTF-16 units at `offset` with `text`. */
export interface TextChange {
  readonly offset: number;
  readonly length: number;
  readonly text: string;
}

export type HostToWebview =
  | { type: 'init'; text: string; language: EditorLanguage; banner: EditorBannerInfo; modelName: string }
  /** Replace the whole text (revert, a change from another view); kept on the undo stack. */
  | { type: 'setText'; text: string }
  | { type: 'banner'; banner: EditorBannerInfo }
  /** Parse problems found by the host (YAML; JSON is also validated by Monaco's JSON worker). */
  | { type: 'problems'; problems: readonly ParseProblem[] }
  /** The host's copy no longer matches the model (length check failed): send the full text. */
  | { type: 'fullTextRequest' }
  | { type: 'undo' }
  | { type: 'redo' };

export type WebviewToHost =
  | { type: 'ready' }
  /** Changes in Monaco's order (applied one after the other); `length` is the model's length after them. */
  | { type: 'edit'; changes: readonly TextChange[]; length: number }
  /** The full text, when the host asked for it (its copy no longer matched the model's length). */
  | { type: 'fullText'; text: string }
  | { type: 'decryptFile' };

/** Applies Monaco's changes of one content-change event to `text`, in order. */
export function applyChanges(text: string, changes: readonly TextChange[]): string {
  let out = text;
  for (const c of changes) out = out.slice(0, c.offset) + c.text + out.slice(c.offset + c.length);
  return out;
}
