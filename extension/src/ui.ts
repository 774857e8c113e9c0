/**
 * What the command handlers need from the editor, as an interface (docs/EXTENSION.md "Design"):
 * the VS Code implementation is vscode-ui.ts; unit tests pass a scripted fake. Keeps the handlers
 * free of the `vscode` module so they run under plain Node.
 */
import type { KeyChoice, MementoLike } from './key-choices.js';
import type { KeyBackend } from './key-backend.js';
import type { EnvelopeSettings } from './settings.js';

export interface InputOptions {
  readonly title: string;
  readonly prompt: string;
  readonly placeHolder?: string;
  readonly value?: string;
  readonly password?: boolean;
  /** Returns an error message for invalid input, undefined when valid. */
  readonly validate?: (value: string) => string | undefined;
}

export interface ProgressReporter {
  /** `increment` in percent of the whole task (VS Code's progress semantics). */
  report(update: { message?: string; increment?: number }): void;
}

export interface Ui {
  /** A QuickPick of keys; returns the chosen key id/alias/ARN, or undefined when dismissed. */
  pickKey(choices: readonly KeyChoice[], title: string): Promise<string | undefined>;
  /** A QuickPick of plain options; returns the chosen label. */
  pickOne(items: readonly { label: string; description?: string }[], title: string): Promise<string | undefined>;
  input(opts: InputOptions): Promise<string | undefined>;
  /** A modal confirmation; resolves true only when `action` was chosen. */
  confirm(message: string, detail: string, action: string): Promise<boolean>;
  info(message: string): void;
  /** A non-modal notification with buttons; resolves with the chosen one (undefined: dismissed). */
  choose(message: string, actions: readonly string[]): Promise<string | undefined>;
  warn(message: string): void;
  error(message: string): void;
  /** Runs `task` under a cancellable progress notification; the signal aborts on Cancel. */
  withProgress<T>(title: string, task: (progress: ProgressReporter, signal: AbortSignal) => Promise<T>): Promise<T>;
  /** Shows read-only text (e.g. an Inspect report) in an editor. */
  showDocument(content: string, language: string): Promise<void>;
  copyToClipboard(text: string): Promise<void>;
}

/** Everything a command handler may use. */
export interface CommandEnv {
  readonly ui: Ui;
  settings(): EnvelopeSettings;
  /** The configured key backend (opened lazily, after the first-use confirmation). */
  backend(): Promise<KeyBackend>;
  /** VS Code global state (last-used keys). */
  readonly state: MementoLike;
  /** Tells the encrypted-file tracker that these files changed (menus follow magic bytes). */
  filesChanged(paths: readonly string[]): void;
}
