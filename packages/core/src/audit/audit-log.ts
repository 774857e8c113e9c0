/**
 * The append-only audit log on disk (docs/ACCESS.md "Audit log"), after CloudTrail log files and
 * digest files: per account, `<dir>/<accountId>/events.jsonl` (one hash-chained record per line,
 * see audit-chain.ts) and `<dir>/<accountId>/digests.jsonl` (signed digests written every
 * `digestEvery` events or `digestIntervalMs`, and on demand).
 *
 * Appends are safe across processes: each takes the account's lock file, re-reads the tail of the
 * log (so it chains to whatever another process wrote), repairs a newline-less last line left by
 * a crash (see readTail), and writes the new line with one O_APPEND write. When that reaches the
 * disk depends on `durable` (see AuditLogOptions and docs/ACCESS.md "Crash window").
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, fstatSync, ftruncateSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { KeystoreException, ValidationException } from '../errors.js';
import { acquireFileLock } from '../keystore/file-lock.js';
import { writeFileAtomicSync } from '../keystore/atomic-file.js';
import type { AuditEvent } from './audit-event.js';
import {
  encodeRecord, ed25519Signer, fromHex, GENESIS_HASH, hashLine, signDigest, toHex,
  type AuditRecord, type DigestRecord, type DigestSigner,
} from './audit-chain.js';
import { isCompleteLine, verifyAuditLog, type VerifyReport } from './audit-verify.js';
import { queryAuditEvents, type AuditQuery } from './audit-query.js';

export const EVENTS_FILE = 'events.jsonl';
export const DIGESTS_FILE = 'digests.jsonl';
export const SIGNING_KEY_FILE = 'digest-signing.key';
/** The signing key sealed under the keystore root key (when a sealer is given). */
export const SEALED_SIGNING_KEY_FILE = 'digest-signing.key.sealed';
const SIGNING_KEY_AAD = 'envelope/audit/digest-signing-key/v1';
/** The digest public key (hex) next to a sealed signing key, for readers without the root key. */
export const PUBLIC_KEY_FILE = 'digest-signing.pub';

function verifyOnlySigner(pubPath: string): DigestSigner {
  let publicKey: Uint8Array;
  try {
    publicKey = fromHex(readFileSync(pubPath, 'utf8').trim());
  } catch (e) {
    throw new KeystoreException(`Cannot read the audit digest public key ${pubPath}: ${(e as Error).message}`);
  }
  return {
    publicKey,
    sign() {
      throw new KeystoreException('The audit digest signing key is sealed under the keystore root key: open the log with openAuditLogFor(store) to write digests');
    },
  };
}

/** Seals/opens the signing key (the keystore's Sealer satisfies it). */
export interface KeySealer {
  seal(plaintext: Uint8Array, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): Uint8Array;
}

export interface AuditLogOptions {
  /** Root directory of the audit log (one sub-directory per account). */
  readonly dir: string;
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * Digest signer. Default: an Ed25519 key kept in `<dir>/digest-signing.key.sealed`, sealed with
   * `sealer` (the keystore root key), or in `<dir>/digest-signing.key` (hex, mode 0600) without one.
   */
  readonly signer?: DigestSigner;
  readonly sealer?: KeySealer;
  /** Write a digest after this many new events. Default 100. */
  readonly digestEvery?: number;
  /** …or at the first append after the last digest is older than this (injected clock; no timer). Default one hour. */
  readonly digestIntervalMs?: number;
  /**
   * When to fsync: true = after every event; "digest" (default) = the events file just before each
   * digest and every digest, so a digest never covers events that did not reach the disk, but a
   * power loss or OS crash can lose the events appended since the last digest that the OS had not
   * yet written back (up to `digestEvery` - 1 per account; verify cannot see that loss, as those
   * events were never signed); false = never (tests). A process crash loses no event whose append
   * resolved (each event is one write(2) to an O_APPEND file, in the OS's cache).
   */
  readonly durable?: boolean | 'digest';
  readonly lockTimeoutMs?: number;
}

const ACCOUNT_RE = /^\d{12}$/;

function checkAccount(accountId: string): void {
  if (!ACCOUNT_RE.test(accountId)) throw new ValidationException(`accountId must be 12 digits, got "${accountId}"`);
}

/**
 * Reads the last line of a log file, repairing a newline-less tail left by a crash first: a
 * complete record whose newline was lost gets its newline; a torn record (its write never
 * completed, so it was never committed) is truncated. Works on bytes: a chunk may start inside a
 * multi-byte character.
 */
function readTail(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, 'r+');
  try {
    let size = fstatSync(fd).size;
    let chunk = 4096;
    while (size > 0) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl < 0 && start > 0) { chunk *= 2; continue; }
      if (nl !== buf.length - 1) {
        const tail = buf.toString('utf8', nl + 1);
        if (isCompleteLine(tail)) {
          writeSync(fd, '\n', size);
          return tail;
        }
        size = start + nl + 1;
        ftruncateSync(fd, size);
        continue;
      }
      const prev = nl > 0 ? buf.lastIndexOf(0x0a, nl - 1) : -1;
      if (prev >= 0) return buf.toString('utf8', prev + 1, nl);
      if (start === 0) return buf.toString('utf8', 0, nl);
      chunk *= 2;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The last record of a log file, parsed. Appends chain to it, so one that is not a record (the
 * file was edited) stops them with a typed error instead of chaining to garbage.
 */
function parseLast<T>(line: string, path: string, valid: (v: T) => boolean): T {
  let v: T | undefined;
  try {
    v = JSON.parse(line) as T;
  } catch { /* below */ }
  if (v === undefined || v === null || typeof v !== 'object' || !valid(v)) {
    throw new KeystoreException(`The last line of ${path} is not a valid record, so nothing can be appended after it; see \`envelope audit verify\``);
  }
  return v;
}

interface FileMark {
  readonly ino: number;
  readonly size: number;
}

interface TailCache {
  readonly events: FileMark & { readonly lastHash: string; readonly sequence: number };
  readonly digest: FileMark & { readonly last?: DigestRecord };
}

function fileMark(path: string): FileMark | undefined {
  try {
    const st = statSync(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return undefined;
  }
}

/** The eventTime of the first event in a log file (reads only its first line). */
function firstEventTime(path: string): string | undefined {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const nl = text.indexOf('\n');
    if (nl < 0) return undefined;
    return (JSON.parse(text.slice(0, nl)) as AuditRecord).event.eventTime;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

export class AuditLog {
  readonly dir: string;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly signer: DigestSigner;
  private readonly digestEvery: number;
  private readonly digestIntervalMs: number;
  private readonly durable: boolean | 'digest';
  private readonly lockTimeoutMs: number;
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Per account: what this process last saw at the end of its files (valid while size/inode match). */
  private readonly tails = new Map<string, TailCache>();

  private constructor(opts: AuditLogOptions, signer: DigestSigner) {
    this.dir = opts.dir;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.signer = signer;
    this.digestEvery = opts.digestEvery ?? 100;
    this.digestIntervalMs = opts.digestIntervalMs ?? 3_600_000;
    this.durable = opts.durable ?? 'digest';
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
  }

  /** Opens (creating) the audit directory and its digest signing key. */
  static open(opts: AuditLogOptions): AuditLog {
    try {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new KeystoreException(`Cannot create the audit directory ${opts.dir}: ${(e as Error).message}`);
    }
    let signer = opts.signer;
    const sealedPath = join(opts.dir, SEALED_SIGNING_KEY_FILE);
    if (!signer && !opts.sealer && existsSync(sealedPath)) {
      // The log belongs to a keystore (its key is sealed) but no sealer was given: open it for
      // query/verify with the recorded public key; writing a digest needs openAuditLogFor(store).
      signer = verifyOnlySigner(join(opts.dir, PUBLIC_KEY_FILE));
    }
    if (!signer) {
      const sealer = opts.sealer;
      const keyPath = join(opts.dir, sealer ? SEALED_SIGNING_KEY_FILE : SIGNING_KEY_FILE);
      const readKey = (): Uint8Array => {
        const raw = readFileSync(keyPath);
        try {
          return sealer ? sealer.open(new Uint8Array(raw), SIGNING_KEY_AAD) : fromHex(raw.toString('utf8').trim());
        } catch (e) {
          throw new KeystoreException(`Cannot read the audit digest signing key ${keyPath}: ${(e as Error).message}`);
        }
      };
      let secret: Uint8Array;
      if (existsSync(keyPath)) {
        secret = readKey();
      } else {
        // Created only if absent (hard link, never a replace): of processes racing to create it,
        // one wins and the others adopt its key, so every digest is signed by the key on disk.
        secret = (opts.random ?? systemRandom)(32);
        const bytes = sealer ? sealer.seal(secret, SIGNING_KEY_AAD) : new TextEncoder().encode(toHex(secret) + '\n');
        try {
          writeFileAtomicSync(keyPath, bytes, 0o600, true, false);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          secret.fill(0);
          secret = readKey();
        }
      }
      signer = ed25519Signer(secret);
      const pubPath = join(opts.dir, PUBLIC_KEY_FILE);
      if (sealer && !existsSync(pubPath)) {
        try {
          writeFileAtomicSync(pubPath, new TextEncoder().encode(toHex(signer.publicKey) + '\n'), 0o644, true, false);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a racer wrote the same key's public half
        }
      }
      secret.fill(0);
    }
    return new AuditLog(opts, signer);
  }

  /** The digest signing public key (hex) to pass to verify as the trusted key. */
  get publicKey(): string {
    return toHex(this.signer.publicKey);
  }

  private paths(accountId: string) {
    const d = join(this.dir, accountId);
    return { dir: d, events: join(d, EVENTS_FILE), digests: join(d, DIGESTS_FILE), lock: join(d, 'audit.lock') };
  }

  private serialize<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(accountId) ?? Promise.resolve();
    const run = prev.then(fn);
    this.queues.set(accountId, run.catch(() => undefined));
    return run;
  }

  private async locked<T>(accountId: string, fn: () => T): Promise<T> {
    const p = this.paths(accountId);
    if (!this.tails.has(accountId)) mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    const lock = await acquireFileLock(p.lock, { clock: this.clock, random: this.random, timeoutMs: this.lockTimeoutMs });
    try {
      return fn();
    } finally {
      lock.release();
    }
  }

  /** Appends one line with a single O_APPEND write; returns the file's identity and new size. */
  private appendLine(path: string, line: string, sync = this.durable === true): FileMark {
    const fd = openSync(path, 'a', 0o600);
    try {
      const data = Buffer.from(line + '\n', 'utf8');
      // A short write (disk full) leaves a torn line: fail without caching the new end, so the
      // next append re-reads the tail and removes it instead of chaining after it.
      const n = writeSync(fd, data);
      if (n !== data.length) throw new KeystoreException(`Short write to ${path} (${n} of ${data.length} bytes; is the disk full?): the record was not written`);
      if (sync) fsyncSync(fd);
      const st = fstatSync(fd);
      return { ino: st.ino, size: st.size };
    } finally {
      closeSync(fd);
    }
  }

  /** The chain head (last hash and sequence) of an account's events file, from cache when unchanged. */
  private head(accountId: string, path: string): TailCache['events'] {
    const cached = this.tails.get(accountId)?.events;
    const mark = fileMark(path);
    if (cached && mark && cached.ino === mark.ino && cached.size === mark.size) return cached;
    const last = readTail(path);
    const after = fileMark(path) ?? { ino: 0, size: 0 };
    if (last === undefined) return { ...after, lastHash: GENESIS_HASH, sequence: 0 };
    const { sequence } = parseLast<AuditRecord>(last, path, (r) => Number.isInteger(r.sequence));
    return { ...after, lastHash: hashLine(last), sequence };
  }

  /** The last digest of an account, from cache when the digests file is unchanged. */
  private digestHead(accountId: string, path: string): TailCache['digest'] {
    const cached = this.tails.get(accountId)?.digest;
    const mark = fileMark(path);
    if (cached && mark && cached.ino === mark.ino && cached.size === mark.size) return cached;
    const t = readTail(path);
    const after = fileMark(path) ?? { ino: 0, size: 0 };
    return { ...after, ...(t === undefined ? {} : { last: parseLast<DigestRecord>(t, path, (d) => Number.isInteger(d.endSequence)) }) };
  }

  /** Appends one event to `accountId`'s log; may also write a digest. Returns the record. */
  append(accountId: string, event: AuditEvent): Promise<AuditRecord> {
    checkAccount(accountId);
    return this.serialize(accountId, () => this.locked(accountId, () => {
      const p = this.paths(accountId);
      const head = this.head(accountId, p.events);
      const sequence = head.sequence + 1;
      const record: AuditRecord = { sequence, previousHash: head.lastHash, event };
      const line = encodeRecord(record);
      const lineHash = hashLine(line);
      const mark = this.appendLine(p.events, line);
      let digest = this.digestHead(accountId, p.digests);
      const lastDigest = digest.last;
      const since = sequence - (lastDigest?.endSequence ?? 0);
      // Age of the oldest undigested state: since the last digest, or since the first event.
      const since0 = lastDigest?.digestTime ?? (sequence === 1 ? event.eventTime : firstEventTime(p.events) ?? event.eventTime);
      const age = this.clock().getTime() - Date.parse(since0);
      if (since >= this.digestEvery || age >= this.digestIntervalMs) {
        const d = this.writeDigestLocked(accountId, lastDigest, sequence, lineHash);
        digest = { ...(fileMark(p.digests) ?? { ino: 0, size: 0 }), last: d };
      }
      this.tails.set(accountId, { events: { ...mark, lastHash: lineHash, sequence }, digest });
      return record;
    }));
  }

  private lastDigest(accountId: string): DigestRecord | undefined {
    return this.digestHead(accountId, this.paths(accountId).digests).last;
  }

  private writeDigestLocked(accountId: string, last: DigestRecord | undefined, endSequence: number, lastEventHash: string): DigestRecord {
    const d = signDigest({
      digestVersion: 1,
      accountId,
      digestSequence: (last?.digestSequence ?? 0) + 1,
      digestTime: this.clock().toISOString(),
      startSequence: (last?.endSequence ?? 0) + 1,
      endSequence,
      lastEventHash,
      previousDigestSignature: last?.signature ?? null,
    }, this.signer);
    const p = this.paths(accountId);
    if (this.durable === 'digest') {
      // The events a digest covers reach the disk before the digest does.
      const fd = openSync(p.events, 'r');
      try { fsyncSync(fd); } finally { closeSync(fd); }
    }
    this.appendLine(p.digests, JSON.stringify(d), this.durable !== false);
    return d;
  }

  /** Signs a digest covering every event not yet covered; undefined when there is none. */
  writeDigest(accountId: string): Promise<DigestRecord | undefined> {
    checkAccount(accountId);
    return this.serialize(accountId, () => this.locked(accountId, () => {
      const head = this.head(accountId, this.paths(accountId).events);
      if (head.sequence === 0) return undefined;
      const lastDigest = this.lastDigest(accountId);
      if (lastDigest && lastDigest.endSequence >= head.sequence) return undefined;
      return this.writeDigestLocked(accountId, lastDigest, head.sequence, head.lastHash);
    }));
  }

  /** Accounts that have a log. */
  accounts(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir).filter((n) => ACCOUNT_RE.test(n) && existsSync(join(this.dir, n, EVENTS_FILE))).sort();
  }

  /** The raw events and digests files of an account ('' when absent). */
  readFiles(accountId: string): { events: string; digests: string } {
    checkAccount(accountId);
    const p = this.paths(accountId);
    return {
      events: existsSync(p.events) ? readFileSync(p.events, 'utf8') : '',
      digests: existsSync(p.digests) ? readFileSync(p.digests, 'utf8') : '',
    };
  }

  /** The events of an account in log order (unparseable lines are skipped; use verify to see them). */
  events(accountId: string): AuditEvent[] {
    const out: AuditEvent[] = [];
    for (const line of this.readFiles(accountId).events.split('\n')) {
      if (!line) continue;
      try {
        out.push((JSON.parse(line) as AuditRecord).event);
      } catch { /* reported by verify */ }
    }
    return out;
  }

  /** Filters an account's events (or every account's when accountId is omitted). */
  query(q: AuditQuery & { readonly accountId?: string }): AuditEvent[] {
    const accounts = q.accountId ? [q.accountId] : this.accounts();
    const all = accounts.flatMap((a) => this.events(a));
    if (!q.accountId) all.sort((a, b) => a.eventTime.localeCompare(b.eventTime));
    return queryAuditEvents(all, q);
  }

  /** Verifies an account's chain and digests against this log's signing key. */
  verify(accountId: string): VerifyReport {
    const f = this.readFiles(accountId);
    return verifyAuditLog(f.events, f.digests, this.publicKey);
  }
}
