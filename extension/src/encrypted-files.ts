/**
 * Tracks which workspace files are Envelope messages, by magic bytes (FORMAT.md §3.1), and
 * publishes them as the context key `envelope.encryptedFiles` (a list of resource paths) so menus
 * can say `resourcePath in envelope.encryptedFiles` (issue #6: "decrypt only on Envelope files,
 * detected by magic bytes, not by name alone"). Kept current by a file watcher.
 */
import * as vscode from 'vscode';
import { isEnvelopeFile } from './file-crypto.js';

export const CONTEXT_KEY = 'envelope.encryptedFiles';
const EXCLUDE = '**/{node_modules,.git,.e2e}/**';
const MAX_SCAN = 20000;
const PARALLEL = 16;

export class EncryptedFileTracker implements vscode.Disposable {
  private readonly paths = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private publishTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onDidChangeEmitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.onDidChangeEmitter.event;
  /** Resolves when the first workspace scan finished. */
  readonly ready: Promise<void>;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((u) => void this.probe([u.fsPath])),
      watcher.onDidChange((u) => void this.probe([u.fsPath])),
      watcher.onDidDelete((u) => this.forget(u.fsPath)),
      this.onDidChangeEmitter,
    );
    this.ready = this.scan().catch(() => undefined);
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  /** Re-checks the given files (after the extension wrote or deleted them). */
  async probe(paths: readonly string[]): Promise<void> {
    let changed = false;
    await mapLimit(paths, PARALLEL, async (p) => {
      const enc = await isEnvelopeFile(p);
      if (enc !== this.paths.has(p)) {
        changed = true;
        if (enc) this.paths.add(p);
        else this.paths.delete(p);
      }
    });
    if (changed) this.publishSoon();
  }

  private forget(path: string): void {
    let changed = this.paths.delete(path);
    const prefix = path.endsWith('/') ? path : `${path}/`;
    for (const p of this.paths) {
      if (p.startsWith(prefix)) {
        this.paths.delete(p);
        changed = true;
      }
    }
    if (changed) this.publishSoon();
  }

  private async scan(): Promise<void> {
    const uris = await vscode.workspace.findFiles('**/*', EXCLUDE, MAX_SCAN);
    await this.probe(uris.filter((u) => u.scheme === 'file').map((u) => u.fsPath));
    this.publishSoon();
  }

  private publishSoon(): void {
    if (this.publishTimer !== undefined) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = undefined;
      // resourcePath is the URI path; on POSIX it equals the file system path.
      const list = [...this.paths].map((p) => vscode.Uri.file(p).path).sort();
      void vscode.commands.executeCommand('setContext', CONTEXT_KEY, list);
      this.onDidChangeEmitter.fire();
    }, 50);
  }

  dispose(): void {
    if (this.publishTimer !== undefined) clearTimeout(this.publishTimer);
    for (const d of this.disposables) d.dispose();
  }
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
