/**
 * The measurement behind the Encrypted Editor's design (issue 16 item 3, docs/EXTENSION.md):
 * design (b) would show decrypted text through a writable FileSystemProvider in VS Code's own
 * text editor. This test builds exactly that (an in-memory writable provider, a text document on
 * it, an unsaved edit) in this real VS Code and scans the run's whole temp root (user data with
 * Backups and workspace storage, XDG dirs, TMPDIR, the browser profile) for the typed text.
 * Finding it there is what rules design (b) out: VS Code's hot-exit backup of a modified text
 * document holds its plaintext, whatever scheme the document has.
 */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { findFilesContaining } from '../scan.js';
import { runRoot, sleep, until } from './host-env.js';

const MARKER = 'FSP-DESIGN-B-MARKER-3e9a';

/** A writable in-memory file system holding one file, /config.json. */
class MemoryFs implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private content: Uint8Array = new TextEncoder().encode('{\n  "plain": "text"\n}\n');
  private mtime = Date.now();
  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }
  stat(uri: vscode.Uri): vscode.FileStat {
    if (uri.path === '/') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    if (uri.path !== '/config.json') throw vscode.FileSystemError.FileNotFound(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: this.mtime, size: this.content.length };
  }
  readDirectory(): [string, vscode.FileType][] {
    return [['config.json', vscode.FileType.File]];
  }
  createDirectory(): void {}
  readFile(uri: vscode.Uri): Uint8Array {
    if (uri.path !== '/config.json') throw vscode.FileSystemError.FileNotFound(uri);
    return this.content;
  }
  writeFile(_uri: vscode.Uri, content: Uint8Array): void {
    this.content = content;
    this.mtime = Date.now();
  }
  delete(): void {}
  rename(): void {}
}

export function defineDesignMeasurementTests(): void {
  describe('design measurement (issue 16 item 3)', () => {
    it('design (b) measured: a modified text document of a writable FileSystemProvider puts its plaintext on disk (VS Code hot-exit backup)', async () => {
      const reg = vscode.workspace.registerFileSystemProvider('e2e-plain', new MemoryFs(), { isCaseSensitive: true });
      const uri = vscode.Uri.from({ scheme: 'e2e-plain', path: '/config.json' });
      try {
        const doc = await vscode.workspace.openTextDocument(uri);
        await vscode.window.showTextDocument(doc);
        const edit = new vscode.WorkspaceEdit();
        edit.insert(uri, new vscode.Position(1, 0), `  "typed": "${MARKER}",\n`);
        assert.equal(await vscode.workspace.applyEdit(edit), true);
        assert.equal(doc.isDirty, true);
        // VS Code schedules the backup of a modified working copy ~1 s after the change.
        const hits = await until('the plaintext to reach the disk', async () => {
          const h = findFilesContaining([runRoot()], MARKER);
          return h.length > 0 ? h : undefined;
        }, 10_000).catch(() => [] as string[]);
        console.log(`[design measurement] plaintext of the modified FileSystemProvider document found in: ${JSON.stringify(hits.map((h) => h.slice(runRoot().length)))}`);
        assert.ok(hits.length > 0, 'the measurement found the plaintext on disk');
      } finally {
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
        await sleep(500);
        reg.dispose();
      }
    });
  });
}
