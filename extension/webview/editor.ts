/**
 * The Encrypted Editor's page (runs in the VS Code webview): Monaco, VS Code's editor core,
 * holding the decrypted text in memory only. Edits go to the extension host as Monaco's
 * incremental changes; the host owns saving, encrypted backups and the dirty state. Nothing is
 * persisted by the page (no setState, no storage); workers are created from blobs of the bundled
 * worker scripts, so no code is loaded from anywhere but the extension's own files.
 *
 * Keys: Monaco handles the keys it binds (Ctrl+Z/Y undo/redo, Ctrl+F find, Ctrl+H replace,
 * Alt+click multi-cursor, Shift+Alt+F format…) and those events stop at the editor, so the
 * workbench does not handle them a second time; every other key (Ctrl+S, Ctrl+P, Ctrl+Shift+P…)
 * reaches VS Code as in any editor.
 */
import * as monaco from './monaco.js';
import type { EditorBannerInfo, HostToWebview, TextChange, WebviewToHost } from '../src/editor-protocol.js';

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const root = document.getElementById('editor') as HTMLElement;
const workerUrls = JSON.parse(root.dataset['workers'] ?? '{}') as Record<string, string>;

/** Workers from blobs of the bundled scripts (a webview cannot start a worker from its resource origin). */
const workerBlobs = new Map<string, Promise<string>>();
function workerBlob(label: string): Promise<string> {
  const key = label === 'json' ? 'json' : 'editor';
  let p = workerBlobs.get(key);
  if (p === undefined) {
    const url = workerUrls[key];
    if (url === undefined) return Promise.reject(new Error(`no worker for ${label}`));
    p = fetch(url)
      .then((r) => r.text())
      .then((code) => URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    workerBlobs.set(key, p);
  }
  return p;
}
(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker: async (_moduleId: string, label: string) => new Worker(await workerBlob(label), { name: label }),
};

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v === '' ? fallback : v;
}

/** Monaco's built-in theme closest to the workbench's, with the workbench's editor colours. */
function defineTheme(): string {
  const cls = document.body.classList;
  const base: monaco.editor.BuiltinTheme = cls.contains('vscode-high-contrast-light')
    ? 'hc-light'
    : cls.contains('vscode-high-contrast')
      ? 'hc-black'
      : cls.contains('vscode-light')
        ? 'vs'
        : 'vs-dark';
  const colors: Record<string, string> = {};
  const bg = cssVar('--vscode-editor-background', '');
  const fg = cssVar('--vscode-editor-foreground', '');
  if (/^#[0-9a-f]{6,8}$/i.test(bg)) colors['editor.background'] = bg;
  if (/^#[0-9a-f]{6,8}$/i.test(fg)) colors['editor.foreground'] = fg;
  monaco.editor.defineTheme('envelope', { base, inherit: true, rules: [], colors });
  return 'envelope';
}

function showBanner(b: EditorBannerInfo): void {
  (document.getElementById('keys') as HTMLElement).textContent = b.keys.join(', ');
  (document.getElementById('context') as HTMLElement).textContent = b.context === '' ? '(none)' : b.context;
}

let editor: monaco.editor.IStandaloneCodeEditor | undefined;
let model: monaco.editor.ITextModel | undefined;
/** Set while the page applies a change from the host (not sent back). */
let applyingHostChange = false;

function init(m: Extract<HostToWebview, { type: 'init' }>): void {
  showBanner(m.banner);
  if (editor !== undefined && model !== undefined) {
    applyingHostChange = true;
    model.setValue(m.text);
    applyingHostChange = false;
    return;
  }
  monaco.jsonDefaults.setDiagnosticsOptions({ validate: true, allowComments: m.modelName.endsWith('.jsonc'), trailingCommas: m.modelName.endsWith('.jsonc') ? 'ignore' : 'error', schemaValidation: 'ignore', enableSchemaRequest: false });
  // An in-memory model URI named after the inner file: the language workers see "config.json",
  // never a path on disk.
  model = monaco.editor.createModel(m.text, m.language, monaco.Uri.from({ scheme: 'inmemory', path: `/${m.modelName}` }));
  model.setEOL(m.text.includes('\r\n') ? monaco.editor.EndOfLineSequence.CRLF : monaco.editor.EndOfLineSequence.LF);
  editor = monaco.editor.create(root, {
    model,
    theme: defineTheme(),
    automaticLayout: true,
    fontFamily: cssVar('--vscode-editor-font-family', 'monospace'),
    fontSize: Number.parseFloat(cssVar('--vscode-editor-font-size', '14')) || 14,
    // VS Code's own webview context menu (with the Envelope commands, Cut/Copy/Paste) instead of Monaco's.
    contextmenu: false,
    minimap: { enabled: m.text.length < 2_000_000 },
    bracketPairColorization: { enabled: true },
    folding: true,
    formatOnPaste: false,
    scrollBeyondLastLine: false,
    fixedOverflowWidgets: true,
    'semanticHighlighting.enabled': false,
  });
  // VS Code's F1 (the workbench palette) instead of Monaco's own.
  monaco.editor.addKeybindingRules([{ keybinding: monaco.KeyCode.F1, command: '-editor.action.quickCommand' }]);
  model.onDidChangeContent((e) => {
    if (applyingHostChange || model === undefined) return;
    const changes: TextChange[] = e.changes.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text }));
    vscode.postMessage({ type: 'edit', changes, length: model.getValueLength() });
  });
  editor.focus();
  editor.setPosition({ lineNumber: 1, column: 1 });
  document.body.dataset['ready'] = 'true';
}

// Keys Monaco handled (it prevents their default) end here; the others go on to the workbench.
root.addEventListener('keydown', (e) => {
  if (e.defaultPrevented) e.stopPropagation();
});

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m?.type) {
    case 'init':
      init(m);
      break;
    case 'setText':
      if (model !== undefined && model.getValue() !== m.text) {
        applyingHostChange = true;
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text: m.text }], () => null);
        applyingHostChange = false;
      }
      break;
    case 'banner':
      showBanner(m.banner);
      break;
    case 'problems':
      if (model !== undefined) {
        monaco.editor.setModelMarkers(
          model,
          'envelope',
          m.problems.map((p) => ({
            severity: monaco.MarkerSeverity.Error,
            message: p.message,
            startLineNumber: p.line + 1,
            startColumn: p.character + 1,
            endLineNumber: p.endLine + 1,
            endColumn: p.endCharacter + 1,
          })),
        );
      }
      break;
    case 'undo':
      editor?.trigger('envelope', 'undo', null);
      break;
    case 'redo':
      editor?.trigger('envelope', 'redo', null);
      break;
    case 'fullTextRequest':
      if (model !== undefined) vscode.postMessage({ type: 'fullText', text: model.getValue() });
      break;
  }
});

vscode.postMessage({ type: 'ready' });
