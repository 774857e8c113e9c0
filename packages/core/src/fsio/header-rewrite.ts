/**
 * Writing a rewrapped header over the old one in place, crash-safe (docs/CLI.md "reencrypt
 * --rewrap"; the journal: rewrite-journal.ts). Steps, each followed by an `onStep` call (tests
 * inject a crash there):
 *
 *   1. write the journal to an owned temp file (0600), fsync it, link it to the journal's fixed
 *      name (EEXIST: another writer is at it) and fsync the directory  → 'journal-written'
 *   2. check the file still carries the old header, then pwrite the new header at offset 0 → 'header-written'
 *   3. fsync the file                                                  → 'header-synced'
 *   4. remove the journal and fsync the directory                       → 'journal-removed'
 *
 * A crash before step 1 completes leaves the old header and no journal (an owned temp file at most,
 * swept like any other). A crash after it leaves a journal; `recoverHeaderRewrite` — run by every
 * CLI command that reads the file — writes the new header and removes the journal. Either way the
 * file decrypts: with the old header or with the new one, never a torn one once recovered.
 * File system calls go through `RewriteFs` so tests can inject failures.
 */
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KmsError } from '../errors.js';
import { ownedTempPath, ownerAlive, selfOwner } from './owner.js';
import {
  bodyFingerprint, decideRecovery, decodeJournal, encodeJournal, fingerprintRanges, headerSha256, journalPathFor,
  targetOfJournalName, whyNotInPlace, type FoundHeader, type JournalRecord,
} from './rewrite-journal.js';

/** The slice of a FileHandle used here. */
export interface RewriteHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  stat(opts: { bigint: true }): Promise<{ dev: bigint; ino: bigint; size: bigint; nlink: bigint; isFile(): boolean }>;
  close(): Promise<void>;
}

/** The file system calls, injectable. */
export interface RewriteFs {
  realpath(path: string): Promise<string>;
  open(path: string, flags: number, mode?: number): Promise<RewriteHandle>;
  readFile(path: string): Promise<Uint8Array>;
  link(existing: string, name: string): Promise<void>;
  unlink(path: string): Promise<void>;
  readdir(dir: string): Promise<string[]>;
  /** fsync of a directory (entries made durable). */
  syncDir(dir: string): Promise<void>;
}

export const nodeRewriteFs: RewriteFs = {
  realpath: (p) => fsp.realpath(p),
  open: (p, flags, mode) => fsp.open(p, flags, mode) as Promise<RewriteHandle>,
  readFile: (p) => fsp.readFile(p),
  link: (a, b) => fsp.link(a, b),
  unlink: (p) => fsp.unlink(p),
  readdir: (d) => fsp.readdir(d),
  async syncDir(dir) {
    const h = await fsp.open(dir, constants.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  },
};

export type RewriteStep = 'journal-written' | 'header-written' | 'header-synced' | 'journal-removed';

export interface HeaderRewriteOptions {
  readonly fs?: RewriteFs;
  /** Called after each step (tests: throw or SIGKILL here to simulate a crash). */
  readonly onStep?: (step: RewriteStep) => void | Promise<void>;
}

/** The error for a file another live process is rewriting (the CLI reports it by name). */
export class HeaderRewriteConflict extends KmsError {
  constructor(message: string) {
    super('ConflictException', message, 409);
  }
}

/** Files whose header this process is rewriting right now (a journal of ours naming one is live, not stale). */
const inFlight = new Set<string>();

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

async function readFully(h: RewriteHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  let off = 0;
  while (off < length) {
    const { bytesRead } = await h.read(buf, off, length - off, position + off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === length ? buf : buf.subarray(0, off);
}

async function writeFully(h: RewriteHandle, bytes: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < bytes.length) {
    const { bytesWritten } = await h.write(bytes, off, bytes.length - off, position + off);
    off += bytesWritten;
  }
}

async function fingerprintOf(h: RewriteHandle, headerLength: number, size: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (const [s, e] of fingerprintRanges(headerLength, size)) chunks.push(await readFully(h, s, e - s));
  return bodyFingerprint(size, chunks);
}

/**
 * Why the header of `path` cannot be rewritten in place with a header of `newLength` bytes
 * (undefined: it can). Reasons: another length, not a regular file, several hard links, no write access.
 */
export async function inPlaceBlocker(path: string, oldLength: number, newLength: number, fs: RewriteFs = nodeRewriteFs): Promise<string | undefined> {
  const h = await fs.open(await fs.realpath(path), constants.O_RDWR).catch((e: unknown) => {
    // A read-only file in a writable directory can still be replaced (rename), as before.
    if (code(e) === 'EACCES' || code(e) === 'EPERM') return undefined;
    throw e;
  });
  if (h === undefined) return 'the file is not writable by this user (replacing it needs only its directory)';
  try {
    const st = await h.stat({ bigint: true });
    return whyNotInPlace({ oldLength, newLength, isFile: st.isFile(), nlink: Number(st.nlink) });
  } finally {
    await h.close();
  }
}

/**
 * Overwrites the header of `path` (which must currently be `oldHeader`, byte for byte) with
 * `newHeader` of the same length, journaled (module comment). Returns the bytes written to the file.
 * An error after the journal exists leaves it for `recoverHeaderRewrite` to finish.
 */
export async function rewriteHeaderInPlace(
  path: string,
  oldHeader: Uint8Array,
  newHeader: Uint8Array,
  opts: HeaderRewriteOptions = {},
): Promise<{ bytesWritten: number; journal: string }> {
  const fs = opts.fs ?? nodeRewriteFs;
  const step = opts.onStep ?? (() => undefined);
  if (newHeader.length !== oldHeader.length) throw new RangeError(`"newHeader" expected ${oldHeader.length} bytes, got ${newHeader.length}`);
  const target = await fs.realpath(path);
  if (inFlight.has(target)) throw new HeaderRewriteConflict(`${path} is being rewritten by this process already`);
  inFlight.add(target);
  try {
    const journal = journalPathFor(target);
    const h = await fs.open(target, constants.O_RDWR);
    try {
      const st = await h.stat({ bigint: true });
      const size = Number(st.size);
      const blocker = whyNotInPlace({ oldLength: oldHeader.length, newLength: newHeader.length, isFile: st.isFile(), nlink: Number(st.nlink) });
      if (blocker !== undefined) throw new RangeError(`cannot rewrite the header of ${path} in place: ${blocker}`);
      if (size < oldHeader.length) throw new HeaderRewriteConflict(`${path} changed while it was being rewrapped (it is shorter than its header)`);
      const record: JournalRecord = {
        target,
        owner: selfOwner(),
        dev: st.dev.toString(),
        ino: st.ino.toString(),
        size,
        headerLength: oldHeader.length,
        oldHeaderSha256: headerSha256(oldHeader),
        newHeader,
        bodyFingerprint: await fingerprintOf(h, oldHeader.length, size),
      };
      await commitJournal(fs, journal, encodeJournal(record), path);
      await step('journal-written');
      // Under the journal (no other writer can hold it): the file must still carry the header we rewrapped.
      const current = await readFully(h, 0, oldHeader.length);
      if (headerSha256(current) !== record.oldHeaderSha256 && headerSha256(current) !== headerSha256(newHeader)) {
        await fs.unlink(journal);
        throw new HeaderRewriteConflict(`${path} changed while it was being rewrapped; nothing was written`);
      }
      await writeFully(h, newHeader, 0);
      await step('header-written');
      await h.sync();
      await step('header-synced');
    } finally {
      await h.close().catch(() => undefined);
    }
    await fs.unlink(journal);
    await fs.syncDir(dirname(journal)).catch(() => undefined); // a lost unlink only makes recovery find the new header in place
    await step('journal-removed');
    return { bytesWritten: newHeader.length, journal };
  } finally {
    inFlight.delete(target);
  }
}

/** Writes the journal under an owned temp name, makes it durable, then links it to its fixed name (exclusive). */
async function commitJournal(fs: RewriteFs, journal: string, bytes: Uint8Array, path: string): Promise<void> {
  const temp = ownedTempPath(journal);
  const t = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    try {
      await writeFully(t, bytes, 0);
      await t.sync();
    } finally {
      await t.close();
    }
    await fs.link(temp, journal).catch((e: unknown) => {
      if (code(e) === 'EEXIST') throw new HeaderRewriteConflict(`another envelope process is rewriting the header of ${path} (journal ${journal})`);
      throw e;
    });
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
  await fs.syncDir(dirname(journal));
}

export type RecoveryResult =
  | { readonly status: 'none' }
  /** A live writer holds the journal; nothing was touched. */
  | { readonly status: 'busy'; readonly pid: number }
  /** The new header was written (found: what the file carried before) and the journal removed. */
  | { readonly status: 'completed'; readonly found: FoundHeader }
  /** The journal did not apply to the file (reason) and was removed; the file was not touched. */
  | { readonly status: 'discarded'; readonly reason: string };

/**
 * Finishes an interrupted in-place header rewrite of `path`, if its journal is there and its writer
 * is dead: writes the journal's new header (unless it is in place already), fsyncs, removes the
 * journal. Never writes to a file the journal does not match (decideRecovery).
 */
export async function recoverHeaderRewrite(path: string, opts: HeaderRewriteOptions = {}): Promise<RecoveryResult> {
  const fs = opts.fs ?? nodeRewriteFs;
  const target = await fs.realpath(path).catch((e: unknown) => {
    if (code(e) === 'ENOENT') return path;
    throw e;
  });
  const journal = journalPathFor(target);
  const bytes = await fs.readFile(journal).catch((e: unknown) => {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  });
  if (bytes === undefined) return { status: 'none' };
  const record = decodeJournal(bytes);
  if (record === undefined) {
    // Journals are linked into place only complete and fsync'd: this one is damaged or not ours.
    await fs.unlink(journal);
    return { status: 'discarded', reason: 'the journal is damaged (checksum)' };
  }
  const self = selfOwner();
  const mine = record.owner.pid === self.pid && record.owner.start === self.start;
  if (mine ? inFlight.has(target) : ownerAlive(record.owner)) return { status: 'busy', pid: record.owner.pid };
  const h = await fs.open(target, constants.O_RDWR).catch((e: unknown) => {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  });
  let found: FoundHeader;
  try {
    let observed: Parameters<typeof decideRecovery>[1] = { exists: false };
    if (h !== undefined) {
      const st = await h.stat({ bigint: true });
      const size = Number(st.size);
      observed = {
        exists: true,
        dev: st.dev.toString(),
        ino: st.ino.toString(),
        size,
        bodyFingerprint: size >= record.headerLength ? await fingerprintOf(h, record.headerLength, size) : '',
        currentHeader: await readFully(h, 0, record.headerLength),
      };
    }
    const action = decideRecovery(record, observed);
    if (action.action === 'discard') {
      await fs.unlink(journal);
      return { status: 'discarded', reason: action.reason };
    }
    found = action.found;
    if (action.action === 'complete') {
      await writeFully(h!, record.newHeader, 0);
      await opts.onStep?.('header-written');
      await h!.sync();
      await opts.onStep?.('header-synced');
    }
  } finally {
    await h?.close().catch(() => undefined);
  }
  await fs.unlink(journal);
  await fs.syncDir(dirname(journal)).catch(() => undefined);
  await opts.onStep?.('journal-removed');
  return { status: 'completed', found };
}

/** Recovers every stale journal in `dir` (a sweep); returns the results by file name. Never throws. */
export async function recoverHeaderRewritesIn(dir: string, opts: HeaderRewriteOptions = {}): Promise<Array<{ file: string; result: RecoveryResult }>> {
  const fs = opts.fs ?? nodeRewriteFs;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const out: Array<{ file: string; result: RecoveryResult }> = [];
  for (const name of names) {
    const base = targetOfJournalName(name);
    if (base === undefined) continue;
    const file = join(dir, base);
    const result = await recoverHeaderRewrite(file, opts).catch(() => undefined);
    if (result !== undefined) out.push({ file, result });
  }
  return out;
}
