/**
 * The resumable journal of `envelope replicate` (docs/WORKFLOWS.md §6, after S3 Batch
 * Replication's completion report): one JSON line per finished object, appended and fsynced after
 * the object's output was published. A rerun skips every object whose line matches its current
 * fingerprint (size, mtime, destination key), so an interruption never redoes finished work and a
 * changed object is replicated again. A torn last line (killed mid-append) is ignored.
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';

export type ReplicationOutcome = 'replicated' | 'skipped-customer-key';

export interface JournalEntry {
  /** The object's key: its path relative to the source root, '/'-separated. */
  readonly key: string;
  readonly fingerprint: string;
  readonly outcome: ReplicationOutcome;
  /** ISO time from the injected clock. */
  readonly at: string;
}

export const JOURNAL_FILE = '.envelope-replication.journal';

/** What identifies one version of a source object replicated to one destination key. */
export function objectFingerprint(size: number, mtimeMs: number, destinationKey: string): string {
  return `${size}:${Math.trunc(mtimeMs)}:${destinationKey}`;
}

export class ReplicationJournal {
  readonly #done = new Map<string, JournalEntry>();
  #fh: FileHandle | undefined;
  #tail: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** Opens (creating if needed) the journal at `path` and loads its finished entries. */
  static async open(path: string): Promise<ReplicationJournal> {
    const journal = new ReplicationJournal(path);
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const entry = JSON.parse(line) as JournalEntry;
        if (typeof entry.key === 'string' && typeof entry.fingerprint === 'string') journal.#done.set(entry.key, entry);
      } catch {
        // A torn line from a killed append: that object is simply not finished.
      }
    }
    journal.#fh = await open(path, 'a', 0o600);
    // A torn last line must not glue onto the next entry.
    if (text.length > 0 && !text.endsWith('\n')) await journal.#fh.write('\n');
    return journal;
  }

  /** The finished entry for `key` when it matches `fingerprint`. */
  finished(key: string, fingerprint: string): JournalEntry | undefined {
    const entry = this.#done.get(key);
    return entry?.fingerprint === fingerprint ? entry : undefined;
  }

  /** Appends and fsyncs an entry (calls are serialized). */
  record(entry: JournalEntry): Promise<void> {
    const run = this.#tail.then(async () => {
      const fh = this.#fh;
      if (!fh) throw new Error('the replication journal is closed');
      await fh.write(`${JSON.stringify(entry)}\n`);
      await fh.datasync();
      this.#done.set(entry.key, entry);
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#fh?.close();
    this.#fh = undefined;
  }
}
