/**
 * The Encrypted Editor's webview pages: the editor (a banner naming the keys and encryption
 * context, and the Monaco page bundled in dist/webview) and the page shown when a file cannot
 * be opened (with a Decrypt File button: the text editor would only show ciphertext). The text
 * arrives and leaves by postMessage only; the Content-Security-Policy allows the bundled script
 * (by nonce), styles and font from the extension, workers from blobs and nothing else.
 */
import type { EditorBannerInfo } from './editor-protocol.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface EditorPage {
  readonly cspSource: string;
  readonly nonce: string;
  /** Webview URIs of dist/webview/editor.js and editor.css. */
  readonly script: string;
  readonly style: string;
  /** Webview URIs of Monaco's workers (fetched and started from blobs). */
  readonly workers: { readonly editor: string; readonly json: string };
  readonly banner: EditorBannerInfo;
}

export function editorHtml(p: EditorPage): string {
  const { banner } = p;
  const keys = banner.keys.map(escapeHtml).join(', ');
  const context = banner.context === '' ? '(none)' : escapeHtml(banner.context);
  const csp = [
    "default-src 'none'",
    `style-src ${p.cspSource} 'unsafe-inline'`,
    `font-src ${p.cspSource}`,
    `img-src ${p.cspSource} data:`,
    `script-src 'nonce-${p.nonce}'`,
    `connect-src ${p.cspSource}`,
    'worker-src blob:',
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(banner.fileName)}</title>
<link rel="stylesheet" href="${escapeHtml(p.style)}">
<style>
  html, body { height: 100%; margin: 0; padding: 0; overflow: hidden; }
  body { display: flex; flex-direction: column; background: var(--vscode-editor-background); color: var(--vscode-editor-foreground); }
  header { font-family: var(--vscode-font-family); font-size: 12px; padding: 4px 10px; color: var(--vscode-descriptionForeground);
           border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; flex: none; }
  header b { color: var(--vscode-foreground); font-weight: 600; }
  #editor { flex: 1; min-height: 0; }
</style>
</head>
<body>
<header title="Saved files are re-encrypted with the same keys and encryption context; plaintext is never written to disk.">
  &#128274; <b>${escapeHtml(banner.heading ?? 'Envelope')}</b> · encrypted with <span id="keys">${keys}</span> · ${escapeHtml(banner.contextLabel ?? 'context')}: <span id="context">${context}</span>
</header>
<div id="editor" data-workers="${escapeHtml(JSON.stringify(p.workers))}" data-vscode-context='{"preventDefaultContextMenuItems": false}'></div>
<script nonce="${p.nonce}" src="${escapeHtml(p.script)}"></script>
</body>
</html>`;
}

/**
 * The page shown instead of the editor when a file cannot be opened. For an Envelope file (too
 * large, not UTF-8, a key that cannot be used) it offers Decrypt File.
 */
export function errorHtml(nonce: string, fileName: string, message: string, offerDecrypt: boolean): string {
  const button = offerDecrypt ? '<button id="decrypt">Decrypt File…</button><p class="d">Writes the plaintext next to the encrypted file (Envelope: Decrypt File).</p>' : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);padding:16px;color:var(--vscode-foreground)} .e{color:var(--vscode-errorForeground);white-space:pre-wrap} .d{color:var(--vscode-descriptionForeground)}
button{margin-top:12px;background:var(--vscode-button-background);color:var(--vscode-button-foreground);border:none;padding:6px 12px;cursor:pointer}</style></head>
<body><h3>${escapeHtml(fileName)} could not be opened in the Envelope Encrypted Editor</h3><p class="e">${escapeHtml(message)}</p>
${button}
<script nonce="${nonce}">const vscode = acquireVsCodeApi(); document.getElementById('decrypt')?.addEventListener('click', () => vscode.postMessage({ type: 'decryptFile' }));</script>
</body></html>`;
}
