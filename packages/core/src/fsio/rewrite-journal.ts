/**
 * The journal of an in-place header rewrite (docs/CLI.md "reencrypt --rewrap in place"), as pure
 * logic: its bytes, its name, and what recovery does with it. No I/O here (header-rewrite.ts does it).
 *
 * A rewrap keeps the data key, the message id and the body (docs/FORMAT.md §3.3, §9): only the
 * header's encrypted data keys and header tag change. When the new header has the old one's length
 * it is written over the old one. Before that write the journal is made durable beside the file; it
 * holds everything needed to finish the write after a crash — the new header — and how to tell that
 * the file on disk is still the one it belongs to (device, inode, size, a SHA-256 of the first and
 * last 64 KiB of the body). It is a redo log: once it exists the rewrite is committed, and whoever
 * finds it with its writer dead writes the new header (again) and removes it. It does NOT hold the
 * old header (only its SHA-256), so a leftover journal never keeps a copy of the old wrapped keys,
 * and it never holds plaintext or a data key (the new header's wrapped keys are what the file will
 * carry anyway).
 *
 * Encoding: one line of JSON (byte strings in base64, inode numbers as decimal strings), then one
 * line `sha256:<hex of the JSON line including its newline>`. A journal whose checksum fails is
 * not ours to act on.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export const JOURNAL_KIND = 'envelope-header-rewrite';
export const JOURNAL_VERSION = 1;
/** How much of the body, at each end, the fingerprint covers. */
export const FINGERPRINT_SPAN = 64 * 1024;

/** `.<name>.envelope-rewrap.journal` beside the file: one fixed name per file, so creating it (link, EEXIST) excludes a second writer. */
export function journalPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.envelope-rewrap.journal`);
}

const JOURNAL_RE = /^\.(.+)\.envelope-rewrap\.journal$/;
/** The file a journal name belongs to (its base name), or undefined when `name` is not a journal's. */
export function targetOfJournalName(name: string): string | undefined {
  return JOURNAL_RE.exec(name)?.[1];
}

export interface JournalRecord {
  /** The file rewritten (absolute, symlinks resolved). */
  readonly target: string;
  /** The writer (pid + start time, as for temp files: owner.ts). */
  readonly owner: { readonly pid: number; readonly start: string };
  readonly dev: string;
  readonly ino: string;
  readonly size: number;
  /** Length of the old header = length of the new one (the body starts here). */
  readonly headerLength: number;
  readonly oldHeaderSha256: string;
  readonly newHeader: Uint8Array;
  readonly bodyFingerprint: string;
}

const sha256hex = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

export function encodeJournal(r: JournalRecord): Uint8Array {
  if (r.newHeader.length !== r.headerLength) throw new RangeError(`"newHeader" expected ${r.headerLength} bytes, got ${r.newHeader.length}`);
  const line = `${JSON.stringify({
    kind: JOURNAL_KIND,
    v: JOURNAL_VERSION,
    target: r.target,
    owner: { pid: r.owner.pid, start: r.owner.start },
    dev: r.dev,
    ino: r.ino,
    size: r.size,
    headerLength: r.headerLength,
    oldHeaderSha256: r.oldHeaderSha256,
    newHeader: Buffer.from(r.newHeader).toString('base64'),
    bodyFingerprint: r.bodyFingerprint,
  })}\n`;
  return new TextEncoder().encode(`${line}sha256:${sha256hex(line)}\n`);
}

/** The record, or undefined when the bytes are not a complete, intact journal of this version. */
export function decodeJournal(bytes: Uint8Array): JournalRecord | undefined {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const m = /^([^\n]*\n)sha256:([0-9a-f]{64})\n$/.exec(text);
  if (!m || sha256hex(m[1]!) !== m[2]) return undefined;
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(m[1]!) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const owner = o['owner'] as { pid?: unknown; start?: unknown } | undefined;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const int = (k: string) => (Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : undefined);
  const target = str('target'), dev = str('dev'), ino = str('ino'), oldHeaderSha256 = str('oldHeaderSha256');
  const b64 = str('newHeader'), bodyFingerprint = str('bodyFingerprint');
  const size = int('size'), headerLength = int('headerLength');
  if (o['kind'] !== JOURNAL_KIND || o['v'] !== JOURNAL_VERSION || owner === undefined || !Number.isSafeInteger(owner.pid) || typeof owner.start !== 'string') return undefined;
  if (target === undefined || dev === undefined || ino === undefined || oldHeaderSha256 === undefined || b64 === undefined || bodyFingerprint === undefined) return undefined;
  if (size === undefined || headerLength === undefined || headerLength === 0 || headerLength > size) return undefined;
  const newHeader = new Uint8Array(Buffer.from(b64, 'base64'));
  if (newHeader.length !== headerLength) return undefined;
  return { target, owner: { pid: owner.pid as number, start: owner.start }, dev, ino, size, headerLength, oldHeaderSha256, newHeader, bodyFingerprint };
}

/** The body byte ranges [start, end) the fingerprint covers: up to 64 KiB after the header and the last 64 KiB. */
export function fingerprintRanges(headerLength: number, size: number): Array<[number, number]> {
  const first: [number, number] = [headerLength, Math.min(size, headerLength + FINGERPRINT_SPAN)];
  const lastStart = Math.max(first[1], size - FINGERPRINT_SPAN);
  return lastStart < size ? [first, [lastStart, size]] : [first];
}

/** SHA-256 over the size and the bytes of `fingerprintRanges`, read in that order. */
export function bodyFingerprint(size: number, chunks: readonly Uint8Array[]): string {
  const h = createHash('sha256').update(`envelope-body-fingerprint-v1 ${size}\n`);
  for (const c of chunks) h.update(c);
  return h.digest('hex');
}

export function headerSha256(header: Uint8Array): string {
  return sha256hex(header);
}

/** Why a rewrapped header cannot be written in place (the caller then rewrites the whole file), or undefined. */
export function whyNotInPlace(f: { oldLength: number; newLength: number; isFile: boolean; nlink: number }): string | undefined {
  if (!f.isFile) return 'the input is not a regular file';
  if (f.newLength !== f.oldLength) return `the new header is ${f.newLength} bytes and the old one ${f.oldLength} (the format has no padding)`;
  if (f.nlink > 1) return `the file has ${f.nlink} hard links (an in-place write would change every name)`;
  return undefined;
}

/** What recovery observed: the file the journal names, as it is now. */
export type Observed =
  | { readonly exists: false }
  | { readonly exists: true; readonly dev: string; readonly ino: string; readonly size: number; readonly bodyFingerprint: string; readonly currentHeader: Uint8Array };

/** Which header the file carried when recovery looked: the old one, the new one, or a torn mix. */
export type FoundHeader = 'old' | 'new' | 'torn';

export type RecoveryAction =
  | { readonly action: 'complete'; readonly found: Exclude<FoundHeader, 'new'> }
  | { readonly action: 'remove-journal'; readonly found: 'new' }
  | { readonly action: 'discard'; readonly reason: string };

/**
 * Decides what to do with a journal whose writer is dead. A journal that names another file (gone,
 * replaced, resized, other body) is discarded without touching the file; otherwise the new header
 * is written unless it is there already.
 */
export function decideRecovery(j: JournalRecord, now: Observed): RecoveryAction {
  if (!now.exists) return { action: 'discard', reason: 'the file no longer exists' };
  if (now.dev !== j.dev || now.ino !== j.ino) return { action: 'discard', reason: 'the file was replaced by another one' };
  if (now.size !== j.size) return { action: 'discard', reason: `the file's size changed (${j.size} → ${now.size} bytes)` };
  if (now.bodyFingerprint !== j.bodyFingerprint) return { action: 'discard', reason: "the file's body changed" };
  const current = now.currentHeader;
  if (current.length === j.newHeader.length && current.every((b, i) => b === j.newHeader[i])) return { action: 'remove-journal', found: 'new' };
  return { action: 'complete', found: headerSha256(current) === j.oldHeaderSha256 ? 'old' : 'torn' };
}
