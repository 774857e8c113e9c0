/**
 * SOPS config files in the Encrypted Editor (issue 16 item 2), the VS Code side:
 * - the file kind the editor provider opens as `envelope.sopsEditor` (a custom editor of priority
 *   "option" for *.yaml/*.yml/*.json/*.env/*.ini, so plain files keep their editor), and the
 *   redirect that reopens a text editor showing a SOPS-encrypted file (by content) in it;
 * - the status bar item naming the keys that protect the active SOPS file;
 * - "Envelope: Show Decrypted Diff": the file as committed (git HEAD) or last saved, against the
 *   editor's text, both decrypted, in VS Code's diff editor through a read-only in-memory
 *   document provider. Read-only documents never become dirty, so VS Code never backs them up
 *   (docs/EXTENSION.md: a *dirty* document of a virtual scheme is backed up in plaintext).
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ConfigKeyOptions } from './core-adapter.js';
import type { EditorFileKind, EncryptedEditorProvider } from './encrypted-editor.js';
import { readFileUpTo } from './file-crypto.js';
import { gitHeadVersion } from './git-head.js';
import { decryptSopsVersion, isSopsText, SopsDocumentModel, sopsTextFormat } from './sops-document.js';
import { summarizeSopsKeys } from './sops-keys.js';

export const SOPS_EDITOR_VIEW_TYPE = 'envelope.sopsEditor';
export const SOPS_DIFF_SCHEME = 'envelope-sops';
/** Largest file read to see whether it is SOPS-encrypted. */
const PROBE_MAX_BYTES = 32 << 20;

/** Is the file at `path` a SOPS-encrypted YAML/JSON/dotenv/INI file (by content)? */
export async function isSopsFile(path: string): Promise<boolean> {
  if (sopsTextFormat(path) === undefined) return false;
  const bytes = await readFileUpTo(path, PROBE_MAX_BYTES).catch(() => undefined);
  if (bytes === undefined) return false;
  return isSopsText(path, Buffer.from(bytes).toString('utf8'));
}

export function sopsFileKind(keys: () => Promise<ConfigKeyOptions>): EditorFileKind {
  return {
    accepts: isSopsFile,
    notAccepted: (name) => `${name} is not a SOPS-encrypted file (no valid sops metadata); open it with the text editor`,
    open: (path, opts) => SopsDocumentModel.open(path, keys, opts),
    title: (name, model) => (model instanceof SopsDocumentModel ? `${name} (SOPS: ${summarizeSopsKeys(model.metadata).short})` : name),
    offerDecrypt: false,
  };
}

/** The SOPS model of an open SOPS editor for `uri`, if any. */
export function sopsModelOf(editor: EncryptedEditorProvider, uri: vscode.Uri): SopsDocumentModel | undefined {
  const model = editor.documentFor(uri)?.model;
  return model instanceof SopsDocumentModel ? model : undefined;
}

function activeSopsUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && input.viewType === SOPS_EDITOR_VIEW_TYPE ? input.uri : undefined;
}

/** Status bar: `$(key) SOPS: age ×1, kms ×1` while a SOPS file is the active editor; the tooltip lists every key. */
export class SopsStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('envelope.sops', vscode.StatusBarAlignment.Left, 9);
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly editor: EncryptedEditorProvider) {
    this.item.name = 'Envelope SOPS keys';
    this.item.command = 'envelope.showDecryptedDiff';
    this.subs.push(vscode.window.tabGroups.onDidChangeTabs(() => this.update()), vscode.window.tabGroups.onDidChangeTabGroups(() => this.update()));
  }

  /** Shows the keys of the active SOPS editor (after it opened, saved or reloaded its keys). */
  update(): void {
    const uri = activeSopsUri();
    const model = uri === undefined ? undefined : sopsModelOf(this.editor, uri);
    if (uri === undefined || model === undefined) {
      this.item.hide();
      return;
    }
    const s = summarizeSopsKeys(model.metadata);
    this.item.text = `$(key) SOPS: ${s.short}`;
    const md = new vscode.MarkdownString(`**${basename(uri.fsPath)}** is SOPS-encrypted (${s.groups}):\n\n${s.keys.map((k) => `- \`${k}\``).join('\n')}\n\nClick: show the decrypted diff against git HEAD (or the last save).`);
    this.item.tooltip = md;
    this.item.show();
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.item.dispose();
  }
}

/**
 * Reopens a SOPS-encrypted file shown in the text editor in the SOPS editor, unless the user just
 * chose the text editor for it ("Reopen Editor With…"), the text is modified, or
 * `envelope.openSopsFilesInEditor` is false. Plain YAML/JSON files are left alone.
 */
export class SopsRedirect implements vscode.Disposable {
  private readonly subs: vscode.Disposable[] = [];
  /** uri → when its SOPS editor tab closed (a text tab opening right after is the user's choice). */
  private readonly closedAt = new Map<string, number>();
  private readonly busy = new Set<string>();

  constructor(private readonly enabled: () => boolean) {
    this.subs.push(
      vscode.window.onDidChangeActiveTextEditor((e) => void this.check(e)),
      vscode.window.tabGroups.onDidChangeTabs((e) => {
        for (const t of e.closed) if (t.input instanceof vscode.TabInputCustom && t.input.viewType === SOPS_EDITOR_VIEW_TYPE) this.closedAt.set(t.input.uri.toString(), Date.now());
      }),
    );
    void this.check(vscode.window.activeTextEditor);
  }

  private async check(e: vscode.TextEditor | undefined): Promise<void> {
    if (e === undefined || !this.enabled()) return;
    const doc = e.document;
    const uri = doc.uri;
    const key = uri.toString();
    if (uri.scheme !== 'file' || doc.isDirty || this.busy.has(key) || sopsTextFormat(uri.fsPath) === undefined) return;
    if (Date.now() - (this.closedAt.get(key) ?? 0) < 3000) return;
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    if (!(tab?.input instanceof vscode.TabInputText) || tab.input.uri.toString() !== key) return; // e.g. a diff editor
    if (!isSopsText(uri.fsPath, doc.getText())) return;
    this.busy.add(key);
    try {
      await openInSopsEditor(uri);
    } finally {
      this.busy.delete(key);
    }
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}

/** Opens `uri` in the SOPS editor, in place of its (clean) text editor tab in the active group. */
export async function openInSopsEditor(uri: vscode.Uri): Promise<void> {
  const group = vscode.window.tabGroups.activeTabGroup;
  const textTab = group.tabs.find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString() && !t.isDirty);
  const preview = textTab?.isPreview ?? false;
  if (textTab !== undefined) await vscode.window.tabGroups.close(textTab, true);
  await vscode.commands.executeCommand('vscode.openWith', uri, SOPS_EDITOR_VIEW_TYPE, { viewColumn: group.viewColumn, preview });
}

/** Read-only, in-memory decrypted texts for the diff editor (`envelope-sops:` URIs). */
export class SopsDiffProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly subs: vscode.Disposable[] = [];
  private counter = 0;

  constructor() {
    // A closed diff drops its plaintext from memory.
    this.subs.push(vscode.workspace.onDidCloseTextDocument((d) => void this.texts.delete(d.uri.toString())));
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '(this decrypted view is no longer available: run "Envelope: Show Decrypted Diff" again)\n';
  }

  /** A new read-only document holding `text`, named after `path` (so the language follows its extension). */
  uriFor(path: string, side: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: SOPS_DIFF_SCHEME, path, query: `${side}-${++this.counter}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  dispose(): void {
    this.texts.clear();
    for (const d of this.subs) d.dispose();
  }
}

/**
 * "Envelope: Show Decrypted Diff": git HEAD's version of the file (or, outside git or for a file
 * not committed yet, the last save) against the current text (the open editor's, unsaved edits
 * included; else the file on disk), both decrypted in memory.
 */
export async function showDecryptedDiff(uri: vscode.Uri, editor: EncryptedEditorProvider, diffs: SopsDiffProvider, keys: () => Promise<ConfigKeyOptions>, maxBytes: number): Promise<void> {
  const path = uri.fsPath;
  if (sopsTextFormat(path) === undefined) throw new TypeError(`${basename(path)} is not a SOPS YAML, JSON, dotenv or INI file`);
  const model = sopsModelOf(editor, uri);
  const current = model?.getText() ?? (await decryptSopsVersion(await readFileUpTo(path, maxBytes), path, keys));
  const head = await gitHeadVersion(path);
  let baseText: string;
  let baseLabel: string;
  if (head !== undefined) {
    baseText = await decryptSopsVersion(head, path, keys, model?.dataKey);
    baseLabel = 'HEAD';
  } else {
    baseText = model?.lastSavedText ?? current;
    baseLabel = 'last save';
  }
  const name = basename(path);
  const left = diffs.uriFor(path, baseLabel === 'HEAD' ? 'head' : 'saved', baseText);
  const right = diffs.uriFor(path, 'current', current);
  await vscode.commands.executeCommand('vscode.diff', left, right, `${name} (decrypted): ${baseLabel} ↔ ${model?.isDirty ? 'unsaved edits' : 'working tree'}`, { preview: true });
}
