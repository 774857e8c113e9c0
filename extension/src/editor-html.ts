/**
 * The Encrypted Editor's webview page: a plain text area styled with the editor's font and
 * colours, and a header naming the keys and encryption context. The text arrives and leaves by
 * postMessage only: no webview state is persisted (no `setState`), nothing is loaded from disk.
 * Also the page shown instead when a file cannot be opened.
 */

export interface EditorBanner {
  readonly fileName: string;
  readonly keys: readonly string[];
  readonly context: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function editorHtml(opts: { cspSource: string; nonce: string; banner: EditorBanner }): string {
  const { banner } = opts;
  const keys = banner.keys.map(escapeHtml).join(', ');
  const context = banner.context === '' ? '(none)' : escapeHtml(banner.context);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${opts.cspSource} 'unsafe-inline'; script-src 'nonce-${opts.nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(banner.fileName)}</title>
<style>
  html, body { height: 100%; margin: 0; padding: 0; }
  body { display: flex; flex-direction: column; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); }
  header { font-family: var(--vscode-font-family); font-size: 12px; padding: 4px 10px; color: var(--vscode-descriptionForeground);
           border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  header b { color: var(--vscode-foreground); font-weight: 600; }
  textarea { flex: 1; width: 100%; box-sizing: border-box; resize: none; border: none; outline: none; margin: 0; padding: 8px 10px;
             background: var(--vscode-editor-background); color: var(--vscode-editor-foreground);
             font-family: var(--vscode-editor-font-family, monospace); font-size: var(--vscode-editor-font-size, 13px);
             line-height: 1.5; tab-size: 4; white-space: pre; overflow: auto; }
  textarea:focus { outline: none; }
</style>
</head>
<body>
<header title="Saved files are re-encrypted with the same keys and encryption context; plaintext is never written to disk.">
  &#128274; <b>Envelope</b> · encrypted with <span id="keys">${keys}</span> · context: <span id="context">${context}</span>
</header>
<textarea id="text" spellcheck="false" autocapitalize="off" autocomplete="off" aria-label="Plaintext of ${escapeHtml(banner.fileName)}" data-vscode-context='{"preventDefaultContextMenuItems": false}' disabled></textarea>
<script nonce="${opts.nonce}">
  const vscode = acquireVsCodeApi();
  const area = document.getElementById('text');
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (m && (m.type === 'init' || m.type === 'setText')) {
      if (area.value !== m.text) area.value = m.text;
      area.disabled = false;
      if (m.type === 'init') { area.focus(); area.setSelectionRange(0, 0); }
    } else if (m && m.type === 'banner') {
      document.getElementById('keys').textContent = m.banner.keys.join(', ');
      document.getElementById('context').textContent = m.banner.context === '' ? '(none)' : m.banner.context;
    }
  });
  area.addEventListener('input', () => vscode.postMessage({ type: 'edit', text: area.value }));
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      document.execCommand('insertText', false, '\\t');
    }
  });
  vscode.postMessage({ type: 'ready' });
</script>
</body>
</html>`;
}

/** The page shown instead of the editor when a file cannot be opened, with a way to the text editor. */
export function errorHtml(nonce: string, fileName: string, message: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);padding:16px;color:var(--vscode-foreground)} .e{color:var(--vscode-errorForeground);white-space:pre-wrap}
button{margin-top:12px;background:var(--vscode-button-background);color:var(--vscode-button-foreground);border:none;padding:6px 12px;cursor:pointer}</style></head>
<body><h3>${escapeHtml(fileName)} could not be opened in the Envelope Encrypted Editor</h3><p class="e">${escapeHtml(message)}</p>
<button id="text">Reopen with the Text Editor</button>
<script nonce="${nonce}">const vscode = acquireVsCodeApi(); document.getElementById('text').addEventListener('click', () => vscode.postMessage({ type: 'reopenAsText' }));</script>
</body></html>`;
}
