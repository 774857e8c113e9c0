/**
 * The Envelope Encrypted Editor (VS Code CustomEditorProvider, default for `*.enc`): opening an
 * Envelope-encrypted text file shows its plaintext in Monaco (VS Code's editor core, in a
 * webview: highlighting for the inner file's language, find/replace, multi-cursor, undo/redo,
 * bracket matching, folding, JSON validation and formatting), decrypted into memory. Save
 * re-encrypts with the same keys and context and replaces the file atomically. Unsaved edits are
 * kept in encrypted backups only: the extension's own (hot-exit-store.ts, written on every edit)
 * and the ones VS Code asks for (backupCustomDocument). docs/EXTENSION.md explains the choice.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { systemRandom } from './core-adapter.js';
import { innerName, languageFor, structuredLanguage, type EditorLanguage } from './editor-language.js';
import { editorHtml, errorHtml } from './editor-html.js';
import type { EditorBannerInfo, HostToWebview, WebviewToHost } from './editor-protocol.js';
import { EncryptedDocumentModel } from './encrypted-document.js';
import type { EditorModel } from './editor-model.js';
import { isEnvelopeFile } from './file-crypto.js';
import { reportError, withErrorName } from './error-report.js';
import { BackupWriter, type HotExitStore } from './hot-exit-store.js';
import type { KeyBackend } from './key-backend.js';
import { parseProblems, type ParseProblem } from './parse-check.js';

export const ENCRYPTED_EDITOR_VIEW_TYPE = 'envelope.encryptedEditor';

export class EncryptedDocument implements vscode.CustomDocument {
  /** Keeps the extension's own encrypted backup of this document current. */
  backup: BackupWriter | undefined;
  /** Set by "Save Anyway": the next save writes even a document that does not parse. */
  forceSave = false;
  /** Parse problems of the model version `problemsVersion` (JSON/YAML documents). */
  problems: readonly ParseProblem[] = [];
  problemsVersion = -1;
  /** A "not saved: does not parse" notification was shown and the document has not parsed since. */
  notParsedNotified = false;
  readonly language: EditorLanguage;

  constructor(
    readonly uri: vscode.Uri,
    readonly model: EditorModel | undefined,
    /** Why the file could not be opened (shown instead of the editor). */
    readonly error: string | undefined,
    /** The file has a `.enc` name but no Envelope magic: it is handed to the default editor. */
    readonly notEnvelope = false,
    /** Restored from the extension's own backup without VS Code knowing it is dirty. */
    readonly restoredFromOwnBackup = false,
  ) {
    this.language = languageFor(uri.path);
  }
  dispose(): void {}
}

export interface EncryptedEditorDeps {
  readonly backend: () => Promise<KeyBackend>;
  readonly maxBytes: () => number;
  readonly onSaved: (path: string) => void;
  readonly hotExit: HotExitStore;
  /** dist/webview of the installed extension (the page, Monaco and its workers). */
  readonly webviewRoot: vscode.Uri;
  readonly diagnostics: vscode.DiagnosticCollection;
  /** files.autoSave is on for this resource (then documents that do not parse are not written). */
  readonly autoSaveOn: (uri: vscode.Uri) => boolean;
  /** "the embedded keystore /x" or "the endpoint http://…": named in key-not-found errors. */
  readonly keystoreLabel: () => string;
  /**
   * The kind of file this provider edits (default: Envelope messages, by magic bytes). The SOPS
   * editor (sops-document.ts) passes its own: same page, backups, save and parse gate.
   */
  readonly files?: EditorFileKind;
}

export interface EditorFileKind {
  /** Can this file be opened (checked when there is no backup)? */
  accepts(path: string): Promise<boolean>;
  /** Why not, for the page shown instead. */
  notAccepted(name: string): string;
  open(path: string, opts: { maxBytes: number; backup?: Uint8Array }): Promise<EditorModel>;
  /** The tab title (default: the file name). */
  title?(name: string, model: EditorModel): string;
  /** The error page offers "Decrypt File" (Envelope messages). */
  readonly offerDecrypt: boolean;
}

const PROBLEMS_DELAY_MS = 300;

export class EncryptedEditorProvider implements vscode.CustomEditorProvider<EncryptedDocument> {
  private readonly changeEmitter = new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<EncryptedDocument>>();
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();
  private readonly documents = new Map<string, EncryptedDocument>();
  private readonly problemTimers = new Map<string, NodeJS.Timeout>();
  /** The document of the focused Encrypted Editor, for commands run from its menus. */
  activeUri: vscode.Uri | undefined;
  private readonly activeEmitter = new vscode.EventEmitter<void>();
  /** The focused editor changed, or its document was opened, saved or got new keys (status bar). */
  readonly onDidChangeActiveDocument = this.activeEmitter.event;

  private readonly files: EditorFileKind;

  constructor(private readonly deps: EncryptedEditorDeps) {
    this.files = deps.files ?? {
      accepts: isEnvelopeFile,
      notAccepted: (name) => `${name} is not an Envelope file (no Envelope magic bytes)`,
      open: (path, opts) => EncryptedDocumentModel.open(path, deps.backend, opts),
      offerDecrypt: true,
    };
  }

  // --- documents

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext): Promise<EncryptedDocument> {
    if (uri.scheme !== 'file') {
      // e.g. the git: side of a diff: uri.fsPath would name the working file, not this version.
      return new EncryptedDocument(uri, undefined, `the Encrypted Editor opens local files only, not ${uri.scheme}: resources`);
    }
    const path = uri.fsPath;
    try {
      // The extension's own backup is written on every edit: it is never older than VS Code's.
      const own = await this.deps.hotExit.read(path);
      const vsBackup = openContext.backupId !== undefined ? await readFile(vscode.Uri.parse(openContext.backupId).fsPath).catch(() => undefined) : undefined;
      if (own === undefined && vsBackup === undefined && !(await this.files.accepts(path))) {
        return new EncryptedDocument(uri, undefined, this.files.notAccepted(basename(path)), true);
      }
      let model: EditorModel | undefined;
      let fromOwn = false;
      for (const backup of [own, vsBackup]) {
        if (backup === undefined || model !== undefined) continue;
        model = await this.files.open(path, { maxBytes: Number.MAX_SAFE_INTEGER, backup }).catch(() => undefined);
        fromOwn = model !== undefined && backup === own;
      }
      model ??= await this.files.open(path, { maxBytes: this.deps.maxBytes() });
      const document = new EncryptedDocument(uri, model, undefined, false, fromOwn && openContext.backupId === undefined);
      document.backup = new BackupWriter(this.deps.hotExit, path, () => model.encryptedSnapshot());
      this.updateProblems(document);
      return document;
    } catch (e) {
      const report = reportError(e, `Opening ${basename(path)}`);
      const text = report.name === 'NotFoundException' ? `${report.text} (asked ${this.deps.keystoreLabel()})` : report.text;
      return new EncryptedDocument(uri, undefined, text);
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
    this.activeEmitter.fire();
    panel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.activeUri = document.uri;
      else if (this.activeUri?.toString() === key) this.activeUri = undefined;
      this.activeEmitter.fire();
    });
    panel.onDidDispose(() => {
      set.delete(panel);
      if (set.size === 0) {
        this.panels.delete(key);
        this.documents.delete(key);
        this.deps.diagnostics.delete(document.uri);
      }
      if (this.activeUri?.toString() === key) this.activeUri = undefined;
    });
    const root = this.deps.webviewRoot;
    panel.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const nonce = Buffer.from(systemRandom(16)).toString('base64');
    const model = document.model;
    if (model === undefined) {
      panel.webview.html = errorHtml(nonce, basename(document.uri.fsPath), document.error ?? 'unknown error', this.files.offerDecrypt && document.error !== undefined && !/local files only/.test(document.error));
    } else {
      const uri = (name: string) => panel.webview.asWebviewUri(vscode.Uri.joinPath(root, name)).toString();
      panel.webview.html = editorHtml({
        cspSource: panel.webview.cspSource,
        nonce,
        script: uri('editor.js'),
        style: uri('editor.css'),
        workers: { editor: uri('editor.worker.js'), json: uri('json.worker.js') },
        banner: bannerOf(document.uri, model),
      });
      const title = this.files.title?.(basename(document.uri.fsPath), model);
      if (title !== undefined) panel.title = title;
    }
    const post = (m: HostToWebview) => void panel.webview.postMessage(m);
    panel.webview.onDidReceiveMessage((m: WebviewToHost) => {
      if (m.type === 'decryptFile') void vscode.commands.executeCommand('envelope.decryptFile', document.uri);
      if (model === undefined) return;
      if (m.type === 'ready') {
        post({ type: 'init', text: model.getText(), language: document.language, banner: bannerOf(document.uri, model), modelName: innerName(document.uri.path) });
        this.postProblems(document);
      } else if (m.type === 'edit' && Array.isArray(m.changes)) {
        if (model.applyChanges(m.changes, m.length)) this.changed(document, panel);
        else post({ type: 'fullTextRequest' });
      } else if (m.type === 'fullText' && typeof m.text === 'string') {
        if (model.edit(m.text)) this.changed(document, panel);
      }
    });
    if (document.restoredFromOwnBackup) {
      // VS Code opened the file itself, not from its backup: tell it the document is modified.
      setTimeout(() => this.changeEmitter.fire({ document }), 0);
    }
  }

  /** Applies a whole-text edit (tests, other views) as if typed, and shows it in every panel. */
  applyEdit(document: EncryptedDocument, text: string, from?: vscode.WebviewPanel): void {
    if (document.model === undefined || !document.model.edit(text)) return;
    this.changed(document, from);
    for (const p of this.panels.get(document.uri.toString()) ?? []) {
      if (p !== from) void p.webview.postMessage({ type: 'setText', text } satisfies HostToWebview);
    }
  }

  /** After every edit: VS Code marks the tab modified, the encrypted backup is written, problems follow. */
  private changed(document: EncryptedDocument, from?: vscode.WebviewPanel): void {
    this.changeEmitter.fire({ document });
    document.backup?.changed();
    const key = document.uri.toString();
    clearTimeout(this.problemTimers.get(key));
    this.problemTimers.set(
      key,
      setTimeout(() => {
        this.problemTimers.delete(key);
        this.updateProblems(document);
        this.postProblems(document, from);
      }, PROBLEMS_DELAY_MS),
    );
  }

  /** Parse problems of a JSON/YAML document (cached per model version) → the Problems panel. */
  private updateProblems(document: EncryptedDocument): readonly ParseProblem[] {
    const model = document.model;
    const language = structuredLanguage(document.language);
    if (model === undefined || language === undefined) return [];
    if (document.problemsVersion === model.editVersion) return document.problems;
    document.problems = parseProblems(language, model.getText(), { jsonc: /\.jsonc$/i.test(innerName(document.uri.path)) });
    document.problemsVersion = model.editVersion;
    if (document.problems.length === 0) document.notParsedNotified = false;
    this.deps.diagnostics.set(
      document.uri,
      document.problems.map((p) => {
        const d = new vscode.Diagnostic(new vscode.Range(p.line, p.character, p.endLine, p.endCharacter), p.message, vscode.DiagnosticSeverity.Error);
        d.source = 'Envelope';
        return d;
      }),
    );
    return document.problems;
  }

  /** YAML problems are drawn by the page (Monaco's JSON worker validates JSON itself). */
  private postProblems(document: EncryptedDocument, _from?: vscode.WebviewPanel): void {
    if (document.language !== 'yaml') return;
    for (const p of this.panels.get(document.uri.toString()) ?? []) void p.webview.postMessage({ type: 'problems', problems: document.problems } satisfies HostToWebview);
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
    for (const p of this.panels.get(document.uri.toString()) ?? []) void p.webview.postMessage({ type: 'banner', banner } satisfies HostToWebview);
  }

  /** The document shown in an Encrypted Editor for a file URI, if any. */
  documentFor(uri: vscode.Uri): EncryptedDocument | undefined {
    return this.documents.get(uri.toString());
  }

  /** Open documents (tests; restoring orphaned backups). */
  openDocuments(): EncryptedDocument[] {
    return [...this.documents.values()];
  }

  // --- saving

  async saveCustomDocument(document: EncryptedDocument): Promise<void> {
    const model = document.model;
    if (model === undefined) return;
    if (!document.forceSave && this.deps.autoSaveOn(document.uri)) {
      const problems = this.updateProblems(document);
      if (problems.length > 0) {
        // Auto save on and the JSON/YAML does not parse: nothing is written and the tab stays
        // modified (the event below arrives after VS Code's "saved" for this call).
        setTimeout(() => this.changeEmitter.fire({ document }), 0);
        this.notifyNotSaved(document, problems[0]!);
        return;
      }
    }
    document.forceSave = false;
    await model.save().catch((e: unknown) => Promise.reject(withErrorName(e)));
    if (!model.isDirty) await document.backup?.discard();
    this.showBanner(document); // save uses the keys and context of the file on disk
    this.activeEmitter.fire();
    this.deps.onSaved(document.uri.fsPath);
  }

  private notifyNotSaved(document: EncryptedDocument, first: ParseProblem): void {
    if (document.notParsedNotified) return;
    document.notParsedNotified = true;
    const name = basename(document.uri.fsPath);
    const saveAnyway = 'Save Anyway';
    void vscode.window
      .showWarningMessage(`Envelope: ${name} is not saved while it does not parse (${first.message}, line ${first.line + 1}). Fix it, or save it as it is.`, saveAnyway)
      .then(async (choice) => {
        if (choice !== saveAnyway) return;
        document.forceSave = true;
        const panel = [...(this.panels.get(document.uri.toString()) ?? [])][0];
        panel?.reveal();
        await vscode.commands.executeCommand('workbench.action.files.save');
      });
  }

  async saveCustomDocumentAs(document: EncryptedDocument, destination: vscode.Uri): Promise<void> {
    if (document.model === undefined) return;
    if (destination.scheme !== 'file') throw vscode.FileSystemError.NoPermissions(`Envelope files can only be saved to local files, not ${destination.scheme}:`);
    await document.model.saveTo(destination.fsPath).catch((e: unknown) => Promise.reject(withErrorName(e)));
    this.deps.onSaved(destination.fsPath);
  }

  async revertCustomDocument(document: EncryptedDocument): Promise<void> {
    if (document.model === undefined) return;
    await document.model.revert(this.deps.maxBytes()).catch((e: unknown) => Promise.reject(withErrorName(e)));
    await document.backup?.discard();
    this.showBanner(document);
    for (const p of this.panels.get(document.uri.toString()) ?? []) void p.webview.postMessage({ type: 'setText', text: document.model.getText() } satisfies HostToWebview);
    this.updateProblems(document);
    this.postProblems(document);
  }

  /** Hot exit as VS Code asks for it: the edited text encrypted under the same keys, never plaintext. */
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

  /** A tab of `uri` was closed (Don't Save, or clean): its own backup goes unless another tab shows it. */
  async tabClosed(uri: vscode.Uri): Promise<void> {
    const stillOpen = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString()));
    if (stillOpen) return;
    const document = this.documents.get(uri.toString());
    if (document?.backup !== undefined) await document.backup.discard();
    else await this.deps.hotExit.delete(uri.fsPath);
  }
}

function bannerOf(uri: vscode.Uri, model: EditorModel): EditorBannerInfo {
  return model.banner(basename(uri.fsPath));
}
