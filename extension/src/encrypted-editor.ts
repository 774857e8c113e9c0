/**
 * The Envelope Encrypted Editor (VS Code CustomEditorProvider, default for `*.enc`): opening an
 * Envelope-encrypted text file shows its plaintext, decrypted into memory; Save re-encrypts with
 * the same keys and context and replaces the file atomically; hot-exit backups are encrypted
 * (backupCustomDocument), so plaintext never reaches the disk (issue #6).
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { formatContext } from './context-input.js';
import { systemRandom } from './core-adapter.js';
import { editorHtml, errorHtml, type EditorBanner } from './editor-html.js';
import { EncryptedDocumentModel } from './encrypted-document.js';
import { isEnvelopeFile } from './file-crypto.js';
import { reportError, withErrorName } from './error-report.js';
import type { KeyBackend } from './key-backend.js';

export const ENCRYPTED_EDITOR_VIEW_TYPE = 'envelope.encryptedEditor';

export class EncryptedDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    readonly model: EncryptedDocumentModel | undefined,
    /** Why the file could not be opened (shown instead of the editor). */
    readonly error: string | undefined,
    /** The file has a `.enc` name but no Envelope magic: it is handed to the default editor. */
    readonly notEnvelope = false,
  ) {}
  dispose(): void {}
}

type WebviewMessage = { type: 'ready' } | { type: 'edit'; text: string } | { type: 'reopenAsText' };

export class EncryptedEditorProvider implements vscode.CustomEditorProvider<EncryptedDocument> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<EncryptedDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();
  private readonly documents = new Map<string, EncryptedDocument>();
  /** The document of the focused Encrypted Editor, for commands run from its menus. */
  activeUri: vscode.Uri | undefined;

  constructor(
    private readonly backend: () => Promise<KeyBackend>,
    private readonly maxBytes: () => number,
    private readonly onSaved: (path: string) => void,
  ) {}

  // --- documents

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<EncryptedDocument> {
    if (uri.scheme !== 'file') {
      // e.g. the git: side of a diff: uri.fsPath would name the working file, not this version.
      return new EncryptedDocument(uri, undefined, `the Encrypted Editor opens local files only, not ${uri.scheme}: resources`);
    }
    try {
      if (openContext.backupId === undefined && !(await isEnvelopeFile(uri.fsPath))) {
        return new EncryptedDocument(uri, undefined, `${basename(uri.fsPath)} is not an Envelope file (no Envelope magic bytes)`, true);
      }
      const backup = openContext.backupId !== undefined ? await vscode.workspace.fs.readFile(vscode.Uri.parse(openContext.backupId)) : undefined;
      const model = await EncryptedDocumentModel.open(uri.fsPath, this.backend, {
        maxBytes: this.maxBytes(),
        ...(backup !== undefined ? { backup } : {}),
      });
      return new EncryptedDocument(uri, model, undefined);
    } catch (e) {
      const report = reportError(e, `Opening ${basename(uri.fsPath)}`);
      if (report.show) void vscode.window.showErrorMessage(`Envelope: ${report.text}`);
      return new EncryptedDocument(uri, undefined, report.text);
    }
  }

  async resolveCustomEditor(document: EncryptedDocument, panel: vscode.WebviewPanel): Promise<void> {
    if (document.notEnvelope) {
      // Redirect: other tools' *.enc files open in the editor VS Code would have used.
      await vscode.commands.executeCommand('vscode.openWith', document.uri, 'default', panel.viewColumn);
      panel.dispose();
      return;
    }
    const key = document.uri.toString();
    this.documents.set(key, document);
    const set = this.panels.get(key) ?? new Set();
    set.add(panel);
    this.panels.set(key, set);
    if (panel.active) this.activeUri = document.uri;
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.activeUri = document.uri;
      else if (this.activeUri?.toString() === key) this.activeUri = undefined;
    });
    panel.onDidDispose(() => {
      set.delete(panel);
      if (set.size === 0) {
        this.panels.delete(key);
        this.documents.delete(key);
      }
      if (this.activeUri?.toString() === key) this.activeUri = undefined;
    });
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    const nonce = Buffer.from(systemRandom(16)).toString('base64');
    const model = document.model;
    if (model === undefined) {
      panel.webview.html = errorHtml(nonce, basename(document.uri.fsPath), document.error ?? 'unknown error');
    } else {
      panel.webview.html = editorHtml({ cspSource: panel.webview.cspSource, nonce, banner: bannerOf(document.uri, model) });
    }
    panel.webview.onDidReceiveMessage((m: WebviewMessage) => {
      if (m.type === 'ready' && model !== undefined) void panel.webview.postMessage({ type: 'init', text: model.getText() });
      else if (m.type === 'edit' && typeof m.text === 'string') this.applyEdit(document, m.text, panel);
      else if (m.type === 'reopenAsText') void vscode.commands.executeCommand('vscode.openWith', document.uri, 'default');
    });
  }

  /** Applies an edit (from a webview, or from tests) and marks the document dirty. */
  applyEdit(document: EncryptedDocument, text: string, from?: vscode.WebviewPanel): void {
    if (document.model === undefined || !document.model.edit(text)) return;
    this.changeEmitter.fire({ document });
    for (const p of this.panels.get(document.uri.toString()) ?? []) {
      if (p !== from) void p.webview.postMessage({ type: 'setText', text });
    }
  }

  /** Files a command rewrote (Re-encrypt): open documents take the file's new keys and context. */
  async filesChanged(paths: readonly string[]): Promise<void> {
    for (const path of paths) {
      const document = this.documentFor(vscode.Uri.file(path));
      if (document?.model !== undefined && (await document.model.reloadParams())) this.showBanner(document);
    }
  }

  private showBanner(document: EncryptedDocument): void {
    if (document.model === undefined) return;
    const banner = bannerOf(document.uri, document.model);
    for (const p of this.panels.get(document.uri.toString()) ?? []) void p.webview.postMessage({ type: 'banner', banner });
  }

  /** The document shown in an Encrypted Editor for a file URI, if any. */
  documentFor(uri: vscode.Uri): EncryptedDocument | undefined {
    return this.documents.get(uri.toString());
  }

  // --- saving

  async saveCustomDocument(document: EncryptedDocument): Promise<void> {
    if (document.model === undefined) return;
    await document.model.save().catch((e: unknown) => Promise.reject(withErrorName(e)));
    this.showBanner(document); // save uses the keys and context of the file on disk
    this.onSaved(document.uri.fsPath);
  }

  async saveCustomDocumentAs(document: EncryptedDocument, destination: vscode.Uri): Promise<void> {
    if (document.model === undefined) return;
    if (destination.scheme !== 'file') throw vscode.FileSystemError.NoPermissions(`Envelope files can only be saved to local files, not ${destination.scheme}:`);
    await document.model.saveTo(destination.fsPath).catch((e: unknown) => Promise.reject(withErrorName(e)));
    this.onSaved(destination.fsPath);
  }

  async revertCustomDocument(document: EncryptedDocument): Promise<void> {
    if (document.model === undefined) return;
    await document.model.revert(this.maxBytes()).catch((e: unknown) => Promise.reject(withErrorName(e)));
    this.showBanner(document);
    for (const p of this.panels.get(document.uri.toString()) ?? []) void p.webview.postMessage({ type: 'setText', text: document.model.getText() });
  }

  /** Hot exit: the backup is the edited text encrypted under the same keys, never plaintext. */
  async backupCustomDocument(document: EncryptedDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    const destination = context.destination;
    if (document.model !== undefined) await vscode.workspace.fs.writeFile(destination, await document.model.encryptedSnapshot());
    return {
      id: destination.toString(),
      delete: async () => {
        await vscode.workspace.fs.delete(destination).then(undefined, () => undefined);
      },
    };
  }
}

function bannerOf(uri: vscode.Uri, model: EncryptedDocumentModel): EditorBanner {
  const p = model.messageParams;
  return { fileName: basename(uri.fsPath), keys: p.keyIds, context: formatContext(p.context) };
}
