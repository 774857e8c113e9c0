/**
 * The Encrypted Editor's own hot-exit backups (issue 16 item 5): every edit of an open document
 * is written, encrypted under the document's keys and context, to
 * `<workspace storage>/hot-exit/<sha256 of the path>.enc` (beside it `.path`, the file's path, so
 * backups of documents VS Code did not reopen can be found) within milliseconds, so a window reload
 * or a crash however soon after typing finds the edit there. VS Code's backup tracker waits about
 * a second after an edit before it asks for a backup (and the web workbench may never ask), which
 * is how edits were lost. The backup is an Envelope message: only ciphertext reaches the disk.
 *
 * `BackupWriter` coalesces: one write in flight, at most one more queued with the newest text.
 * Files are written atomically (temp + fsync + rename), so a crash mid-write keeps the previous
 * backup. No `vscode` import: tests run it under plain Node.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-write.js';
import { randomSuffix } from './file-crypto.js';

export class HotExitStore {
  constructor(readonly dir: string) {}

  /** The backup file of the document at `path`. */
  fileFor(path: string): string {
    return join(this.dir, `${createHash('sha256').update(path).digest('hex').slice(0, 40)}.enc`);
  }

  async write(path: string, ciphertext: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileFor(path);
    await writeFile(`${file.slice(0, -'.enc'.length)}.path`, path, { mode: 0o600 });
    await writeFileAtomically(file, ciphertext, { suffix: randomSuffix(), mode: 0o600 });
  }

  /** Paths of the documents that have a backup. */
  async list(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: string[] = [];
    for (const n of names) {
      if (!n.endsWith('.path') || !names.includes(`${n.slice(0, -'.path'.length)}.enc`)) continue;
      const path = await readFile(join(this.dir, n), 'utf8').catch(() => undefined);
      if (path !== undefined && this.fileFor(path).endsWith(`${n.slice(0, -'.path'.length)}.enc`)) out.push(path);
    }
    return out;
  }

  /** The backup of `path`, or undefined when there is none. */
  async read(path: string): Promise<Uint8Array | undefined> {
    return readFile(this.fileFor(path)).then(
      (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
      () => undefined,
    );
  }

  async delete(path: string): Promise<void> {
    const file = this.fileFor(path);
    await rm(file, { force: true });
    await rm(`${file.slice(0, -'.enc'.length)}.path`, { force: true });
  }
}

/**
 * Keeps one document's backup current: `changed()` after every edit. Writes `snapshot()` (the
 * encrypted text) as soon as no other write runs; edits that arrive during a write are written
 * by the next one. `flushed()` resolves when the newest edit is on disk; `discard()` (after a
 * save or revert) waits for a running write and removes the backup.
 */
export class BackupWriter {
  private running: Promise<void> | undefined;
  private pending = false;
  private discarded = false;
  /** The last write's error, kept for tests and shown once by the editor. */
  lastError: unknown;

  constructor(
    private readonly store: HotExitStore,
    private readonly path: string,
    private readonly snapshot: () => Promise<Uint8Array>,
  ) {}

  changed(): void {
    this.discarded = false;
    if (this.running !== undefined) {
      this.pending = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  private async loop(): Promise<void> {
    do {
      this.pending = false;
      try {
        const bytes = await this.snapshot();
        if (this.discarded) return;
        await this.store.write(this.path, bytes);
        this.lastError = undefined;
      } catch (e) {
        this.lastError = e;
      }
    } while (this.pending && !this.discarded);
  }

  async flushed(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  async discard(): Promise<void> {
    this.discarded = true;
    this.pending = false;
    await this.flushed();
    await this.store.delete(this.path);
  }
}
