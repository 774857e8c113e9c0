/**
 * Envelope for VS Code: activation wiring only (fsprovider-sample habit). Activates on
 * `onFileSystem:envelope`, the `envelope.*` commands, the Keys view and the Encrypted Editor
 * (docs/EXTENSION.md). Registers the read-only `envelope:` file system, the Encrypted Editor, the
 * commands, the Keys view, the status bar item and the encrypted-file tracker; returns a small API
 * the integration tests use.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { BackendSession } from './backend-session.js';
import { commandTargets } from './command-targets.js';
import { decryptFiles } from './commands/decrypt-files.js';
import { encryptFiles, presetFrom } from './commands/encrypt-files.js';
import { inspectEnvelopeFile } from './commands/inspect-file.js';
import { reencryptFiles } from './commands/reencrypt-files.js';
import { defaultHome, type ConfigKeyOptions } from './core-adapter.js';
import { EncryptedEditorProvider, ENCRYPTED_EDITOR_VIEW_TYPE } from './encrypted-editor.js';
import { HotExitStore } from './hot-exit-store.js';
import { EncryptedFileTracker } from './encrypted-files.js';
import { EncryptedFileDecorations } from './file-decorations.js';
import { EnvelopeFileSystemProvider, plaintextViewUri, READ_ONLY_MESSAGE } from './envelope-fs.js';
import { reportError } from './error-report.js';
import { KEYSTORE_FILE } from './key-backend.js';
import {
  copyArnAction, createAliasAction, createKeyAction, rotateNowAction, scheduleDeletionAction, setKeyEnabledAction,
} from './key-actions.js';
import type { KeyEntry } from './key-inventory.js';
import { KeyTreeProvider, type KeyTreeNode } from './key-tree.js';
import { ENVELOPE_SCHEME } from './paths.js';
import { keystoreLabel, resolveSettings, type EnvelopeSettings } from './settings.js';
import { EnvelopeStatusBar } from './status-bar.js';
import { openInSopsEditor, showDecryptedDiff, SOPS_DIFF_SCHEME, SOPS_EDITOR_VIEW_TYPE, SopsDiffProvider, sopsFileKind, SopsRedirect, SopsStatusBar } from './sops-editor.js';
import type { CommandEnv } from './ui.js';
import { VscodeUi } from './vscode-ui.js';

export interface EnvelopeExtensionApi {
  readonly env: CommandEnv;
  readonly tracker: EncryptedFileTracker;
  readonly editor: EncryptedEditorProvider;
  readonly keys: KeyTreeProvider;
  readonly session: BackendSession;
  readonly hotExit: HotExitStore;
  /** The same editor for SOPS config files (view type envelope.sopsEditor). */
  readonly sopsEditor: EncryptedEditorProvider;
}

function readSettings(): EnvelopeSettings {
  const cfg = vscode.workspace.getConfiguration('envelope');
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
  return resolveSettings((name) => cfg.get(name), process.env, { defaultHome: defaultHome(), ...(folder ? { workspaceDir: folder } : {}) });
}

export function activate(context: vscode.ExtensionContext): EnvelopeExtensionApi {
  const ui = new VscodeUi();
  const sub = (d: vscode.Disposable) => context.subscriptions.push(d);

  const session = new BackendSession(readSettings, context.secrets, (home) =>
    ui.confirm(
      `Envelope: create the embedded keystore in ${home}?`,
      'Envelope keeps your keys in a local keystore (a sealed file plus its root key, both readable only by you). This is asked once; set envelope.endpoint to use a KMS endpoint instead.',
      'Create Keystore',
    ),
  );
  const backend = () => session.get();
  const maxEditorFileSize = () => readSettings().maxEditorFileSize;

  const tracker = new EncryptedFileTracker();
  sub(tracker);
  const decorations = new EncryptedFileDecorations(tracker);
  sub(decorations);
  sub(vscode.window.registerFileDecorationProvider(decorations));
  const env: CommandEnv = {
    ui,
    settings: readSettings,
    backend,
    state: context.globalState,
    filesChanged: (paths) => {
      void tracker.probe(paths);
      void editor.filesChanged(paths);
    },
  };

  sub(
    vscode.workspace.registerFileSystemProvider(ENVELOPE_SCHEME, new EnvelopeFileSystemProvider(backend, maxEditorFileSize), {
      isCaseSensitive: true,
      isReadonly: new vscode.MarkdownString(READ_ONLY_MESSAGE),
    }),
  );
  const diagnostics = vscode.languages.createDiagnosticCollection('envelope');
  sub(diagnostics);
  const hotExit = new HotExitStore(join((context.storageUri ?? context.globalStorageUri).fsPath, 'hot-exit'));
  const labelOfKeystore = () => {
    try {
      return keystoreLabel(readSettings());
    } catch {
      return 'the configured keystore';
    }
  };
  const editorDeps = {
    backend,
    maxBytes: maxEditorFileSize,
    onSaved: (p: string) => void tracker.probe([p]),
    hotExit,
    webviewRoot: vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'),
    diagnostics,
    autoSaveOn: (uri: vscode.Uri) => vscode.workspace.getConfiguration('files', uri).get('autoSave') !== 'off',
    keystoreLabel: labelOfKeystore,
  };
  const editor = new EncryptedEditorProvider(editorDeps);
  // SOPS config files: the same editor; `kms` entries use the configured keystore or endpoint
  // (opened only when a file has one), age identities and gpg are found as SOPS finds them.
  const sopsKeys = async (): Promise<ConfigKeyOptions> => ({ kms: async () => (await backend()).configKms, env: process.env });
  const sopsHotExit = new HotExitStore(join((context.storageUri ?? context.globalStorageUri).fsPath, 'hot-exit-sops'));
  const sopsEditor = new EncryptedEditorProvider({ ...editorDeps, hotExit: sopsHotExit, files: sopsFileKind(sopsKeys) });
  const editors = [
    { viewType: ENCRYPTED_EDITOR_VIEW_TYPE, provider: editor, store: hotExit },
    { viewType: SOPS_EDITOR_VIEW_TYPE, provider: sopsEditor, store: sopsHotExit },
  ];
  for (const { viewType, provider } of editors) {
    sub(vscode.window.registerCustomEditorProvider(viewType, provider, { webviewOptions: { retainContextWhenHidden: true }, supportsMultipleEditorsPerDocument: false }));
  }
  // A closed tab (saved, or "Don't Save") takes its encrypted backup along; a window reload
  // closes no tabs, so the backup is there when the editor comes back.
  sub(
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const t of e.closed) {
        const input = t.input;
        if (input instanceof vscode.TabInputCustom) void editors.find((x) => x.viewType === input.viewType)?.provider.tabClosed(input.uri);
      }
    }),
  );
  // Backups of documents the workbench did not bring back (e.g. the window was reloaded before
  // VS Code recorded the tab): reopen them, modified, once the workbench has restored its editors.
  const restoreTimer = setTimeout(() => {
    for (const { viewType, store } of editors) void reopenOrphanedBackups(store, viewType);
  }, 3000);
  sub(new vscode.Disposable(() => clearTimeout(restoreTimer)));

  const keystoreReady = () => {
    try {
      const s = readSettings();
      return s.backend.kind !== 'embedded' || s.createKeystoreWithoutAsking || existsSync(join(s.backend.home, KEYSTORE_FILE));
    } catch {
      return false;
    }
  };
  const keys = new KeyTreeProvider(backend, keystoreReady);
  sub(vscode.window.createTreeView('envelope.keys', { treeDataProvider: keys, showCollapseAll: true }));

  const status = new EnvelopeStatusBar();
  sub(status);
  const sopsStatus = new SopsStatusBar(sopsEditor);
  sub(sopsStatus);
  sub(sopsEditor.onDidChangeActiveDocument(() => sopsStatus.update()));
  sub(new SopsRedirect(() => vscode.workspace.getConfiguration('envelope').get('openSopsFilesInEditor') !== false));
  const sopsDiffs = new SopsDiffProvider();
  sub(sopsDiffs);
  sub(vscode.workspace.registerTextDocumentContentProvider(SOPS_DIFF_SCHEME, sopsDiffs));
  const refreshStatus = () => {
    try {
      status.update(readSettings());
    } catch (e) {
      status.update(e as Error);
    }
  };
  refreshStatus();
  sub(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('envelope')) return;
      session.reset();
      refreshStatus();
      keys.refresh();
    }),
  );

  /** One error notification; a keystore that cannot be opened offers to set the passphrase. */
  const showError = async (text: string, name: string) => {
    const setPassphrase = 'Set Keystore Passphrase…';
    const actions = name === 'KeystoreException' ? [setPassphrase] : [];
    const choice = await vscode.window.showErrorMessage(`Envelope: ${text}`, ...actions);
    if (choice === setPassphrase) await vscode.commands.executeCommand('envelope.setPassphrase');
  };

  /** Registers a command whose errors become one notification with the AWS error name. */
  const command = (id: string, label: string, fn: (...args: unknown[]) => Promise<unknown>) =>
    sub(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          const r = reportError(e, label);
          // A key the keystore does not have: say which keystore or endpoint was asked.
          if (r.show) void showError(r.name === 'NotFoundException' ? `${r.text} (asked ${labelOfKeystore()})` : r.text, r.name);
          return undefined;
        }
      }),
    );
  const paths = (a: unknown, b: unknown) => commandTargets(a, b, editor.activeUri).map((u) => u.fsPath);
  const keyOf = (node: unknown): KeyEntry => {
    const n = node as KeyTreeNode | undefined;
    if (n?.kind !== 'key') throw new TypeError('select a key in the Envelope Keys view');
    return n.entry;
  };
  const afterKeyChange = <T>(p: Promise<T>) => p.finally(() => keys.refresh());

  // Encrypt may create the keystore and a first key: the Keys view follows.
  command('envelope.encryptFile', 'Encrypt', (a, b, c) => afterKeyChange(encryptFiles(env, paths(a, b), presetFrom(c))));
  command('envelope.decryptFile', 'Decrypt', (a, b) => decryptFiles(env, paths(a, b)));
  command('envelope.reencryptFile', 'Re-encrypt', (a, b, c) => reencryptFiles(env, paths(a, b), presetFrom(c)));
  command('envelope.inspectFile', 'Inspect', async (a, b) => {
    const [first] = paths(a, b);
    if (first === undefined) throw new TypeError('open or select an Envelope file to inspect');
    return inspectEnvelopeFile(env, first);
  });
  command('envelope.openDecrypted', 'Open', async (a, b) => {
    const [first] = paths(a, b);
    if (first === undefined) throw new TypeError('select an Envelope file');
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(first), ENCRYPTED_EDITOR_VIEW_TYPE);
  });
  command('envelope.openSopsEditor', 'Open SOPS file', async (a, b) => {
    const [first] = commandTargets(a, b, sopsEditor.activeUri ?? vscode.window.activeTextEditor?.document.uri);
    if (first === undefined) throw new TypeError('open or select a SOPS-encrypted YAML, JSON, dotenv or INI file');
    await openInSopsEditor(first);
  });
  command('envelope.showDecryptedDiff', 'Show decrypted diff', async (a, b) => {
    const [first] = commandTargets(a, b, sopsEditor.activeUri ?? vscode.window.activeTextEditor?.document.uri);
    if (first === undefined) throw new TypeError('open or select a SOPS-encrypted file');
    await showDecryptedDiff(first, sopsEditor, sopsDiffs, sopsKeys, maxEditorFileSize());
  });
  command('envelope.openPlaintextView', 'Open plaintext view', async (a, b) => {
    const [first] = paths(a, b);
    if (first === undefined) throw new TypeError('select an Envelope file');
    const doc = await vscode.workspace.openTextDocument(plaintextViewUri(vscode.Uri.file(first)));
    await vscode.window.showTextDocument(doc, { preview: true });
  });
  command('envelope.setPassphrase', 'Set passphrase', async () => {
    const s = readSettings();
    if (s.backend.kind !== 'embedded') throw new TypeError('a passphrase is used only by the embedded keystore (envelope.endpoint is set)');
    const pass = await ui.input({ title: 'Envelope keystore passphrase', prompt: `Root-key passphrase for ${s.backend.home} (kept in VS Code SecretStorage)`, password: true });
    if (pass === undefined) return;
    await session.setPassphrase(s.backend.home, pass);
    keys.refresh();
    ui.info('Envelope: passphrase stored in SecretStorage.');
  });
  command('envelope.clearPassphrase', 'Forget passphrase', async () => {
    const s = readSettings();
    if (s.backend.kind === 'embedded') await session.setPassphrase(s.backend.home, undefined);
    ui.info('Envelope: passphrase removed from SecretStorage.');
  });
  command('envelope.showSettings', 'Settings', async () => {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:envelope.envelope-vscode');
  });
  command('envelope.keys.refresh', 'Refresh keys', async () => keys.refresh());
  command('envelope.keys.createKey', 'CreateKey', () => afterKeyChange(createKeyAction(env)));
  command('envelope.keys.createAlias', 'CreateAlias', (n) => afterKeyChange(createAliasAction(env, keyOf(n))));
  command('envelope.keys.rotateNow', 'RotateKeyOnDemand', (n) => afterKeyChange(rotateNowAction(env, keyOf(n))));
  command('envelope.keys.enable', 'EnableKey', (n) => afterKeyChange(setKeyEnabledAction(env, keyOf(n), true)));
  command('envelope.keys.disable', 'DisableKey', (n) => afterKeyChange(setKeyEnabledAction(env, keyOf(n), false)));
  command('envelope.keys.scheduleDeletion', 'ScheduleKeyDeletion', (n) => afterKeyChange(scheduleDeletionAction(env, keyOf(n))));
  command('envelope.keys.copyArn', 'Copy ARN', (n) => copyArnAction(env, keyOf(n)));

  void vscode.commands.executeCommand('setContext', 'envelope.activated', true);
  return { env, tracker, editor, keys, session, hotExit, sopsEditor };
}

/** Opens every file that has an encrypted hot-exit backup but no Encrypted Editor tab. */
async function reopenOrphanedBackups(hotExit: HotExitStore, viewType: string): Promise<void> {
  const open = new Set<string>();
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) if (t.input instanceof vscode.TabInputCustom && t.input.viewType === viewType) open.add(t.input.uri.fsPath);
  }
  for (const path of await hotExit.list()) {
    if (open.has(path) || !existsSync(path)) continue;
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(path), viewType, { preview: false, preserveFocus: true }).then(undefined, () => undefined);
  }
}

export function deactivate(): void {}
