/**
 * The audit log on disk (docs/ACCESS.md "Audit log"), after CloudTrail log files and digest files.
 * The one writer of the log: it owns chaining, MACs, digests, the head file and the keystore anchor
 * (audit-chain.ts, audit-trust.ts). Per account, under `<dir>/<accountId>/`:
 *   events.jsonl   one MAC-chained event per line
 *   digests.jsonl  signed digests: at an account's first event, every `digestEvery` events, at the
 *                  first commit `digestIntervalMs` after the last digest, and on demand
 *   head.json      the last committed event (sequence + mac, MAC'd), rewritten after each commit
 *   legacy/        a v1 log moved aside by the first v2 append (its length anchored in the keystore)
 * and, in the keystore (section "audit"), the sealed audit secret and each account's anchor,
 * rewritten with every digest (one keystore commit per digest, never per event).
 *
 * Group commit: `append` queues the event; a commit takes every event queued for the account,
 * takes the account's lock, re-reads the chain end when another process wrote since (never
 * restarting behind the head file or the keystore anchor), writes them all with one O_APPEND
 * write, rewrites head.json, signs a digest when one is due, releases the lock, then (durable:
 * true) fdatasyncs the batch off the event loop, and only then resolves the appends — so a
 * caller that answers after `append` resolves never answers for an event that is not written.
 */
import { closeSync, constants, existsSync, fdatasync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { KeystoreException, ValidationException } from '../errors.js';
import { acquireFileLock } from '../keystore/file-lock.js';
import type { AuditEvent } from './audit-event.js';
import {
  encodeHead, encodeRecord, ed25519Signer, fromHex, GENESIS_MAC, lineAuthentic, parseRecord, readHead, signDigest, toHex,
  type AuditKeys, type AuditRecord, type DigestRecord,
} from './audit-chain.js';
import { hashLine, type LegacyAuditRecord } from './audit-legacy.js';
import { anchorAuthentic, ensureAuditKeys, readAnchor, readAuditKeys, trustSection, writeAnchor, type AuditAnchor, type AuditKeystore } from './audit-trust.js';
import { fileMark, readFirstLine, readTail, sameMark, type FileMark } from './audit-tail.js';
import { isLegacyLog, verifyAuditLog, type AuditFiles, type VerifyOptions, type VerifyReport } from './audit-verify.js';
import { queryAuditEvents, type AuditQuery } from './audit-query.js';

export const EVENTS_FILE = 'events.jsonl';
export const DIGESTS_FILE = 'digests.jsonl';
export const HEAD_FILE = 'head.json';
export const LEGACY_DIR = 'legacy';
export const LEGACY_EVENTS_FILE = 'events.v1.jsonl';
export const LEGACY_DIGESTS_FILE = 'digests.v1.jsonl';
/** The v1 digest signing key (sealed under the root key), kept to verify migrated v1 logs. */
export const SEALED_SIGNING_KEY_FILE = 'digest-signing.key.sealed';
const LEGACY_SIGNING_KEY_AAD = 'envelope/audit/digest-signing-key/v1';
/** The v1 unsealed signing key (v1 logs opened without a keystore). */
export const SIGNING_KEY_FILE = 'digest-signing.key';

export interface AuditLogOptions {
  /** Root directory of the audit log (one sub-directory per account). */
  readonly dir: string;
  /** The keystore holding the sealed audit secret and the anchors (Keystore satisfies it). */
  readonly keystore: AuditKeystore;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Write a digest after this many new events. Default 100. */
  readonly digestEvery?: number;
  /**
   * Also anchor a digest in the keystore (one keystore commit) once it is this many events past the
   * current anchor. Default 1000. The first digest of an account, time-based digests and
   * `writeDigest` are always anchored.
   */
  readonly anchorEvery?: number;
  /** …or at the first commit after the last digest is older than this (injected clock; no timer). Default one hour. */
  readonly digestIntervalMs?: number;
  /**
   * true (default): each commit's events are fdatasynced before their appends resolve (one sync
   * per group of events); "digest": the events file is synced just before each digest (a power
   * loss can lose events appended since, which verify cannot see); false: never (tests).
   * A process crash loses no event whose append resolved, in every mode.
   */
  readonly durable?: boolean | 'digest';
  readonly lockTimeoutMs?: number;
  /** Most events written by one commit. Default 512. */
  readonly maxBatch?: number;
}

const ACCOUNT_RE = /^\d{12}$/;
/** head.json's fixed size: its JSON padded with spaces and a newline. */
const HEAD_SIZE = 512;
const fdatasyncAsync = promisify(fdatasync);

function checkAccount(accountId: string): void {
  if (!ACCOUNT_RE.test(accountId)) throw new ValidationException(`accountId must be 12 digits, got "${accountId}"`);
}

interface ChainHead { readonly sequence: number; readonly mac: string }
interface DigestHead {
  readonly digestSequence: number;
  readonly signature: string;
  readonly endSequence: number;
  readonly lastEventMac: string;
  readonly digestTime?: string | undefined;
}

/** What this process last saw at the end of an account's files (valid while both marks match). */
interface Ends {
  readonly events: FileMark | undefined;
  readonly digests: FileMark | undefined;
  readonly chain: ChainHead;
  readonly digest: DigestHead | undefined;
}

interface Pending {
  readonly event: AuditEvent;
  readonly resolve: (r: AuditRecord) => void;
  readonly reject: (e: unknown) => void;
}

type Paths = ReturnType<AuditLog['paths']>;

export class AuditLog {
  readonly dir: string;
  readonly keystore: AuditKeystore;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly digestEvery: number;
  private readonly anchorEvery: number;
  private readonly digestIntervalMs: number;
  private readonly durable: boolean | 'digest';
  private readonly lockTimeoutMs: number;
  private readonly maxBatch: number;
  private keysCache: AuditKeys | undefined;
  /** Commits (groups of events written together) and events written by this handle. */
  readonly stats = { commits: 0, events: 0 };
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Syncs still running for groups already written (flush waits for them). */
  private readonly syncing = new Set<Promise<void>>();
  private readonly pending = new Map<string, { items: Pending[]; running?: Promise<void> | undefined }>();
  /** Per account: the ends of its files as this process last left them. */
  private readonly tails = new Map<string, Ends>();

  private constructor(opts: AuditLogOptions) {
    this.dir = opts.dir;
    this.keystore = opts.keystore;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.digestEvery = opts.digestEvery ?? 100;
    this.anchorEvery = opts.anchorEvery ?? 1000;
    this.digestIntervalMs = opts.digestIntervalMs ?? 3_600_000;
    this.durable = opts.durable ?? true;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
    this.maxBatch = opts.maxBatch ?? 512;
  }

  /** Opens (creating) the audit directory. The audit secret is created in the keystore at the first append. */
  static open(opts: AuditLogOptions): AuditLog {
    try {
      mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new KeystoreException(`Cannot create the audit directory ${opts.dir}: ${(e as Error).message}`);
    }
    return new AuditLog(opts);
  }

  private async keys(): Promise<AuditKeys> {
    this.keysCache ??= await ensureAuditKeys(this.keystore, this.random);
    return this.keysCache;
  }

  /** The digest signing public key (hex), or undefined before the keystore holds an audit secret. */
  get publicKey(): string | undefined {
    this.keysCache ??= readAuditKeys(this.keystore);
    return this.keysCache ? toHex(this.keysCache.signer.publicKey) : undefined;
  }

  private paths(accountId: string) {
    const d = join(this.dir, accountId);
    return {
      dir: d, events: join(d, EVENTS_FILE), digests: join(d, DIGESTS_FILE), head: join(d, HEAD_FILE), lock: join(d, 'audit.lock'),
      legacyDir: join(d, LEGACY_DIR), legacyEvents: join(d, LEGACY_DIR, LEGACY_EVENTS_FILE), legacyDigests: join(d, LEGACY_DIR, LEGACY_DIGESTS_FILE),
    };
  }

  /** Runs `fn` after every earlier commit/digest of the account in this process. */
  private serialize<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(accountId) ?? Promise.resolve();
    const run = prev.then(fn);
    this.chains.set(accountId, run.catch(() => undefined));
    return run;
  }

  private async locked<T>(accountId: string, fn: (p: Paths) => Promise<T>): Promise<T> {
    const p = this.paths(accountId);
    if (!this.tails.has(accountId) || !existsSync(p.dir)) mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    const lock = await acquireFileLock(p.lock, { clock: this.clock, random: this.random, timeoutMs: this.lockTimeoutMs });
    try {
      return await fn(p);
    } finally {
      lock.release();
    }
  }

  /** The keystore's anchor of the account when its MAC verifies. */
  private anchorOf(accountId: string, keys: AuditKeys): AuditAnchor | undefined {
    const a = readAnchor(this.keystore.read(), accountId);
    return a && anchorAuthentic(keys.macKey, accountId, a) ? a : undefined;
  }

  /**
   * Moves a v1 log aside (first v2 append): `legacy/events.v1.jsonl` and `legacy/digests.v1.jsonl`,
   * and anchors its length and last line hash in the keystore, so later changes to it are caught.
   */
  private async migrateLegacy(accountId: string, p: Paths, keys: AuditKeys): Promise<void> {
    const first = readFirstLine(p.events);
    if (first === undefined || !isLegacyLog(first + '\n')) return;
    if (existsSync(p.legacyDir)) {
      throw new KeystoreException(`${p.events} holds v1 events but ${p.legacyDir} already exists (a v1 writer appended after the migration?); see \`envelope audit verify\``);
    }
    const last = readTail(p.events);
    const rec = last === undefined ? undefined : JSON.parse(last) as LegacyAuditRecord;
    const count = readFileSync(p.events, 'utf8').split('\n').filter(Boolean).length;
    mkdirSync(p.legacyDir, { mode: 0o700 });
    renameSync(p.events, p.legacyEvents);
    if (existsSync(p.digests)) renameSync(p.digests, p.legacyDigests);
    await writeAnchor(this.keystore, keys.macKey, accountId, {
      sequence: 0, mac: GENESIS_MAC, digestSequence: 0, digestSignature: '',
      legacy: { events: count, lastHash: last !== undefined && rec ? hashLine(last) : '' },
    });
    this.tails.delete(accountId);
  }

  /**
   * The ends of the account's chain and digest chain. From cache while both files are as this
   * process left them; otherwise from the files' last lines, but never behind head.json or the
   * keystore anchor: a log whose tail (or whole file) was removed continues after the last known
   * event and digest, so the removal shows as a gap instead of a silent restart at 1.
   */
  private ends(accountId: string, p: Paths, keys: AuditKeys): Ends {
    const marks = { events: fileMark(p.events), digests: fileMark(p.digests) };
    const cached = this.tails.get(accountId);
    if (cached && (cached.events ? sameMark(cached.events, marks.events) : !marks.events)
      && (cached.digests ? sameMark(cached.digests, marks.digests) : !marks.digests)) return cached;
    let chain: ChainHead = { sequence: 0, mac: GENESIS_MAC };
    const last = readTail(p.events);
    if (last !== undefined) {
      const rec = parseRecord(last);
      if (!rec || !lineAuthentic(keys.macKey, accountId, last)) {
        throw new KeystoreException(`The last line of ${p.events} is not a valid audit record, so nothing can be appended after it; see \`envelope audit verify\``);
      }
      chain = rec;
    }
    let digest: DigestHead | undefined;
    const t = readTail(p.digests);
    if (t !== undefined) {
      let d: DigestRecord | undefined;
      try { d = JSON.parse(t) as DigestRecord; } catch { /* below */ }
      if (!d || !Number.isSafeInteger(d.digestSequence) || !Number.isSafeInteger(d.endSequence) || typeof d.signature !== 'string') {
        throw new KeystoreException(`The last line of ${p.digests} is not a valid digest, so no digest can follow it; see \`envelope audit verify\``);
      }
      digest = d;
    }
    let headText: string | undefined;
    try { headText = readFileSync(p.head, 'utf8'); } catch { /* absent */ }
    const h = headText !== undefined ? readHead(keys.macKey, accountId, headText) : undefined;
    const a = this.anchorOf(accountId, keys);
    for (const known of [h, a]) {
      if (!known) continue;
      if (known.sequence > chain.sequence) chain = { sequence: known.sequence, mac: known.mac };
      if (known.digestSequence > (digest?.digestSequence ?? 0)) {
        // head.json does not record its digest's end: a later digest then starts after the chain's known end.
        digest = known === a
          ? { digestSequence: a.digestSequence, signature: a.digestSignature, endSequence: a.sequence, lastEventMac: a.mac }
          : { digestSequence: known.digestSequence, signature: known.digestSignature, endSequence: chain.sequence, lastEventMac: '' };
      }
    }
    return { events: fileMark(p.events), digests: fileMark(p.digests), chain, digest };
  }

  /**
   * Rewrites head.json in place: one write of a fixed-size record (padded with spaces) at offset 0,
   * never truncated or renamed (a rename per commit costs more than the commit's appends on ext4).
   */
  private writeHead(p: Paths, keys: AuditKeys, accountId: string, chain: ChainHead, digest: DigestHead | undefined): void {
    const text = JSON.stringify(encodeHead(keys.macKey, accountId, {
      sequence: chain.sequence, mac: chain.mac, digestSequence: digest?.digestSequence ?? 0, digestSignature: digest?.signature ?? '',
    }));
    const buf = Buffer.alloc(HEAD_SIZE, 0x20);
    buf.write(text, 0, 'utf8');
    buf[HEAD_SIZE - 1] = 0x0a;
    const fd = openSync(p.head, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      if (writeSync(fd, buf, 0, HEAD_SIZE, 0) !== HEAD_SIZE) throw new KeystoreException(`Short write to ${p.head}`);
    } finally {
      closeSync(fd);
    }
  }

  /** Signs a digest over events up to `chain` and appends it (under the account lock; the events are on disk). */
  private async writeDigestLine(accountId: string, p: Paths, keys: AuditKeys, last: DigestHead | undefined, chain: ChainHead): Promise<{ record: DigestRecord; mark: FileMark }> {
    const record = signDigest({
      digestVersion: 2,
      accountId,
      digestSequence: (last?.digestSequence ?? 0) + 1,
      digestTime: this.clock().toISOString(),
      startSequence: (last?.endSequence ?? 0) + 1,
      endSequence: chain.sequence,
      lastEventMac: chain.mac,
      previousDigestSignature: last?.signature ?? null,
    }, keys.signer);
    const fd = openSync(p.digests, 'a', 0o600);
    try {
      const data = Buffer.from(JSON.stringify(record) + '\n', 'utf8');
      const n = writeSync(fd, data);
      if (n !== data.length) throw new KeystoreException(`Short write to ${p.digests} (${n} of ${data.length} bytes; is the disk full?): the digest was not written`);
      // Off the event loop: other accounts' commits and the next group of this one keep going.
      if (this.durable !== false) await fdatasyncAsync(fd);
      const st = fstatSync(fd);
      return { record, mark: { ino: st.ino, size: st.size } };
    } finally {
      closeSync(fd);
    }
  }

  /** Records `d` as the account's anchor in the keystore (one keystore commit). */
  private anchor(accountId: string, keys: AuditKeys, d: DigestHead): Promise<void> {
    return writeAnchor(this.keystore, keys.macKey, accountId, {
      sequence: d.endSequence, mac: d.lastEventMac, digestSequence: d.digestSequence, digestSignature: d.signature,
    });
  }

  /** Why a digest is due now, or undefined. */
  private digestDue(last: DigestHead | undefined, chain: ChainHead, firstTime: string): 'first' | 'count' | 'time' | undefined {
    if (!last) return 'first';
    if (chain.sequence - last.endSequence >= this.digestEvery) return 'count';
    const since = last.digestTime ?? firstTime;
    return this.clock().getTime() - Date.parse(since) >= this.digestIntervalMs ? 'time' : undefined;
  }

  /**
   * Writes one group of events (see the module comment) under the account lock. Returns the
   * records and, separately, when they are durable: the next group is written while this one's
   * fdatasync runs (a sync covers everything written to the file before it).
   */
  private async commit(accountId: string, events: readonly AuditEvent[]): Promise<{ records: AuditRecord[]; durable: Promise<void> }> {
    const keys = await this.keys();
    let fd: number | undefined;
    let synced = this.durable !== true;
    try {
      const records = await this.locked(accountId, async (p) => {
        if (!this.tails.has(accountId)) await this.migrateLegacy(accountId, p, keys);
        const ends = this.ends(accountId, p, keys);
        let chain = ends.chain;
        const out: AuditRecord[] = [];
        const lines: string[] = [];
        for (const event of events) {
          const sequence = chain.sequence + 1;
          const { line, mac } = encodeRecord(keys.macKey, accountId, { sequence, previousMac: chain.mac, event });
          lines.push(line + '\n');
          out.push({ v: 2, sequence, previousMac: chain.mac, event, mac });
          chain = { sequence, mac };
        }
        fd = openSync(p.events, 'a', 0o600);
        this.stats.commits++;
        this.stats.events += events.length;
        const data = Buffer.from(lines.join(''), 'utf8');
        const n = writeSync(fd, data);
        // A short write (disk full) leaves a torn line: fail without caching the new end, so the
        // next commit re-reads the tail and removes it instead of chaining after it.
        if (n !== data.length) throw new KeystoreException(`Short write to ${p.events} (${n} of ${data.length} bytes; is the disk full?): the audit events were not written`);
        const st = fstatSync(fd);
        let digest = ends.digest;
        let digestsMark = ends.digests;
        let anchorNow = false;
        const due = this.digestDue(digest, chain, events[0]!.eventTime);
        if (due) {
          // A digest never covers events that are not on disk.
          if (this.durable !== false) await fdatasyncAsync(fd);
          synced = true;
          const w = await this.writeDigestLine(accountId, p, keys, digest, chain);
          digest = w.record;
          digestsMark = w.mark;
          anchorNow = due !== 'count' || chain.sequence - (this.anchorOf(accountId, keys)?.sequence ?? 0) >= this.anchorEvery;
        }
        this.writeHead(p, keys, accountId, chain, digest);
        this.tails.set(accountId, { events: { ino: st.ino, size: st.size }, digests: digestsMark, chain, digest });
        if (anchorNow) await this.anchor(accountId, keys, digest!);
        return out;
      });
      const file = fd!;
      fd = undefined;
      const durable = (synced ? Promise.resolve() : fdatasyncAsync(file)).finally(() => closeSync(file));
      return { records, durable };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private async drain(accountId: string, q: { items: Pending[]; running?: Promise<void> | undefined }): Promise<void> {
    await new Promise<void>((r) => setImmediate(r)); // let the appends of this turn join the group
    const syncs: Promise<void>[] = [];
    while (q.items.length > 0) {
      const batch = q.items.splice(0, this.maxBatch);
      try {
        const { records, durable } = await this.serialize(accountId, () => this.commit(accountId, batch.map((b) => b.event)));
        syncs.push(durable.then(
          () => batch.forEach((b, i) => b.resolve(records[i]!)),
          (e: unknown) => batch.forEach((b) => b.reject(new KeystoreException(`Cannot sync the audit log: ${(e as Error).message}`))),
        ));
      } catch (e) {
        batch.forEach((b) => b.reject(e));
      }
    }
    q.running = undefined;
    const all = Promise.all(syncs).then(() => undefined);
    this.syncing.add(all);
    await all.finally(() => this.syncing.delete(all));
  }

  /** Appends one event to `accountId`'s log (group-committed with concurrent appends); may also write a digest. */
  append(accountId: string, event: AuditEvent): Promise<AuditRecord> {
    try {
      checkAccount(accountId);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AuditRecord>((resolve, reject) => {
      let q = this.pending.get(accountId);
      if (!q) this.pending.set(accountId, q = { items: [] });
      q.items.push({ event, resolve, reject });
      q.running ??= this.drain(accountId, q);
    });
  }

  /** Waits for the appends queued so far. */
  async flush(accountId?: string): Promise<void> {
    const qs = accountId ? [this.pending.get(accountId)] : [...this.pending.values()];
    await Promise.all(qs.map((q) => q?.running));
    await Promise.all([...this.syncing]);
  }

  /** Signs (and anchors) a digest covering every event not yet covered; undefined when there is none. */
  async writeDigest(accountId: string): Promise<DigestRecord | undefined> {
    checkAccount(accountId);
    await this.flush(accountId);
    const keys = await this.keys();
    return this.serialize(accountId, () => this.locked(accountId, async (p) => {
      if (!this.tails.has(accountId)) await this.migrateLegacy(accountId, p, keys);
      const ends = this.ends(accountId, p, keys);
      const { chain } = ends;
      if (chain.sequence === 0) return undefined;
      const last = ends.digest;
      if (last && last.endSequence >= chain.sequence) {
        // Nothing new to sign; make sure the last digest is anchored.
        const a = this.anchorOf(accountId, keys);
        if (last.lastEventMac && (a?.digestSequence ?? 0) < last.digestSequence) await this.anchor(accountId, keys, last);
        return undefined;
      }
      if (this.durable !== false && ends.events) {
        // A digest never covers events that are not on disk.
        const fd = openSync(p.events, 'r');
        try { await fdatasyncAsync(fd); } finally { closeSync(fd); }
      }
      const w = await this.writeDigestLine(accountId, p, keys, last, chain);
      this.writeHead(p, keys, accountId, chain, w.record);
      this.tails.set(accountId, { events: fileMark(p.events), digests: w.mark, chain, digest: w.record });
      await this.anchor(accountId, keys, w.record);
      return w.record;
    }));
  }

  /** Accounts that have a log or an anchor. */
  accounts(): string[] {
    const found = new Set<string>(Object.keys(trustSection(this.keystore.read())?.accounts ?? {}));
    if (existsSync(this.dir)) for (const n of readdirSync(this.dir)) if (ACCOUNT_RE.test(n)) found.add(n);
    return [...found].filter((a) => ACCOUNT_RE.test(a)).sort();
  }

  private read(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new KeystoreException(`Cannot read ${path}: ${(e as Error).message}`);
    }
  }

  /** The account's files as verify takes them (undefined = absent). */
  readFiles(accountId: string): AuditFiles {
    checkAccount(accountId);
    const p = this.paths(accountId);
    return {
      dir: existsSync(p.dir),
      events: this.read(p.events), digests: this.read(p.digests), head: this.read(p.head),
      legacyEvents: this.read(p.legacyEvents), legacyDigests: this.read(p.legacyDigests),
    };
  }

  /** The events of an account in log order, a migrated v1 log's first (unparseable lines are skipped; use verify). */
  events(accountId: string): AuditEvent[] {
    const f = this.readFiles(accountId);
    const out: AuditEvent[] = [];
    for (const text of [f.legacyEvents, f.events]) {
      for (const line of (text ?? '').split('\n')) {
        if (!line) continue;
        try {
          const e = (JSON.parse(line) as { event?: AuditEvent }).event;
          if (e && typeof e === 'object') out.push(e);
        } catch { /* reported by verify */ }
      }
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

  /** The public key of the v1 digest signing key, to verify a legacy log's digests. */
  private legacyPublicKey(): string | undefined {
    const sealed = join(this.dir, SEALED_SIGNING_KEY_FILE);
    const plain = join(this.dir, SIGNING_KEY_FILE);
    let secret: Uint8Array | undefined;
    try {
      if (existsSync(sealed)) secret = this.keystore.sealer.open(new Uint8Array(readFileSync(sealed)), LEGACY_SIGNING_KEY_AAD);
      else if (existsSync(plain)) secret = fromHex(readFileSync(plain, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!secret) return undefined;
    const pk = toHex(ed25519Signer(secret).publicKey);
    secret.fill(0);
    return pk;
  }

  /** Verifies an account's log against the keystore's audit secret and anchor. */
  verify(accountId: string, opts: VerifyOptions = {}): VerifyReport {
    const files = this.readFiles(accountId);
    const keys = readAuditKeys(this.keystore);
    const needsLegacy = files.legacyEvents !== undefined || (files.events !== undefined && isLegacyLog(files.events));
    return verifyAuditLog(accountId, files, {
      keys: keys ? { macKey: keys.macKey, publicKey: toHex(keys.signer.publicKey) } : undefined,
      anchor: readAnchor(this.keystore.read(), accountId),
      legacyPublicKey: needsLegacy ? this.legacyPublicKey() : undefined,
    }, opts);
  }
}
