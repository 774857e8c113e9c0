/**
 * The v1 audit log (before the keyed chain of audit-chain.ts), kept to verify logs written by
 * earlier versions: one JSON line per event `{ sequence, previousHash: hex(SHA-256(previous line)),
 * event }` (unkeyed: anyone can recompute it) and Ed25519 digests over the last line's hash, after
 * CloudTrail log file integrity validation. Nothing writes this format any more; the writer moves
 * a v1 log aside on its first append (docs/ACCESS.md "Legacy (v1) logs") and `verifyLegacyAuditLog`
 * checks it. Pure: takes the file contents.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { AuditEvent } from './audit-event.js';
import { fromHex, splitLines } from './audit-chain.js';
export const GENESIS_HASH = '0'.repeat(64);

export interface LegacyAuditRecord {
  readonly sequence: number;
  readonly previousHash: string;
  readonly event: AuditEvent;
}

export interface LegacyDigestRecord {
  readonly digestVersion: 1;
  readonly accountId: string;
  /** 1, 2, 3, … */
  readonly digestSequence: number;
  readonly digestTime: string;
  /** First and last event sequence covered by this digest (start = previous end + 1). */
  readonly startSequence: number;
  readonly endSequence: number;
  /** SHA-256 (hex) of the line holding event `endSequence`. */
  readonly lastEventHash: string;
  /** Signature (hex) of the previous digest, or null for the first. */
  readonly previousDigestSignature: string | null;
  /** Ed25519 public key (hex) that signed this digest. */
  readonly publicKey: string;
  readonly signature: string;
}

const enc = new TextEncoder();

/** SHA-256 (hex) of one log line (without its newline). */
export function hashLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** Serializes one record as its log line (no newline). */
export function encodeRecord(r: LegacyAuditRecord): string {
  return JSON.stringify({ sequence: r.sequence, previousHash: r.previousHash, event: r.event });
}

function digestPayload(d: Omit<LegacyDigestRecord, 'signature'>): Uint8Array {
  return enc.encode(JSON.stringify([
    'envelope-audit-digest/v1', d.digestVersion, d.accountId, d.digestSequence, d.digestTime, d.startSequence,
    d.endSequence, d.lastEventHash, d.previousDigestSignature, d.publicKey,
  ]));
}

/** True when the digest's signature verifies under `publicKey` (hex; defaults to the record's own). */
export function verifyDigestSignature(d: LegacyDigestRecord, trustedPublicKey?: string): boolean {
  try {
    const pk = trustedPublicKey ?? d.publicKey;
    if (pk.toLowerCase() !== d.publicKey.toLowerCase()) return false;
    const { signature, ...body } = d;
    return ed25519.verify(fromHex(signature), digestPayload(body), fromHex(pk));
  } catch {
    return false;
  }
}

/**
 * "torn": the file's last line has no newline and is not complete JSON: a write cut short by a
 * crash (or a truncation mid-line). It was never committed; the next append removes it.
 */
type LegacyTamperKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'digest' | 'torn';

export interface LegacyVerifyIssue {
  readonly kind: LegacyTamperKind;
  /** 1-based line number in the events file (or the digests file for kind "digest"). */
  readonly line?: number;
  /** The event sequence number concerned (for "deleted": the first missing one). */
  readonly sequence?: number;
  readonly eventId?: string;
  readonly message: string;
}

export interface LegacyVerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly digests: number;
  /** The last event sequence covered by a valid signed digest (0 when none). */
  readonly signedThrough: number;
  readonly issues: readonly LegacyVerifyIssue[];
}

interface Parsed {
  readonly line: number;
  readonly text: string;
  readonly hash: string;
  readonly rec?: LegacyAuditRecord;
}

function parseRecord(text: string): LegacyAuditRecord | undefined {
  try {
    const r = JSON.parse(text) as LegacyAuditRecord;
    if (!Number.isInteger(r.sequence) || typeof r.previousHash !== 'string' || typeof r.event !== 'object' || r.event === null) {
      return undefined;
    }
    return r;
  } catch {
    return undefined;
  }
}

function tornIssue(file: 'events' | 'digests', line: number): LegacyVerifyIssue {
  return {
    kind: 'torn', line,
    message: `${file === 'digests' ? 'digest ' : ''}line ${line} is incomplete (a write cut short by a crash, never committed): the next append removes it`,
  };
}

/**
 * Verifies `eventsText` (the events file) and `digestsText` (the digests file).
 * `trustedPublicKey` (hex) is the digest signing key to trust; without it, each digest's
 * embedded key is used (which only proves consistency, not origin).
 */
export function verifyLegacyAuditLog(eventsText: string, digestsText = '', trustedPublicKey?: string): LegacyVerifyReport {
  const issues: LegacyVerifyIssue[] = [];
  const events = splitLines(eventsText);
  if (events.torn !== undefined) issues.push(tornIssue('events', events.lines.length + 1));
  const lines: Parsed[] = events.lines.map((text, i) => {
    const rec = parseRecord(text);
    return { line: i + 1, text, hash: hashLine(text), ...(rec ? { rec } : {}) };
  });
  const referenced = new Set<string>();
  const byHash = new Map<string, number>();
  lines.forEach((l, i) => {
    byHash.set(l.hash, i);
    if (l.rec) referenced.add(l.rec.previousHash);
  });
  const blamed = new Set<number>();
  const ev = (l: Parsed) => ({ line: l.line, ...(l.rec ? { sequence: l.rec.sequence, eventId: l.rec.event.eventID } : {}) });

  lines.forEach((l, i) => {
    if (!l.rec) {
      blamed.add(i);
      issues.push({ kind: 'edited', line: l.line, message: `line ${l.line} is not a valid audit record (edited or corrupted)` });
    }
  });

  let maxSeq = 0;
  for (let i = 0; i < lines.length; i++) {
    const cur = lines[i]!;
    const rec = cur.rec;
    if (!rec) continue;
    const prevLine = i > 0 ? lines[i - 1] : undefined;
    const expectedPrev = prevLine ? prevLine.hash : GENESIS_HASH;
    const prevSeq = prevLine?.rec?.sequence ?? (i === 0 ? 0 : undefined);
    if (rec.previousHash === expectedPrev) {
      if (prevSeq !== undefined && rec.sequence !== prevSeq + 1 && !blamed.has(i)) {
        blamed.add(i);
        issues.push({ kind: 'edited', ...ev(cur), message: `event at line ${cur.line} has sequence ${rec.sequence}, expected ${prevSeq + 1} (sequence field edited)` });
      }
      maxSeq = Math.max(maxSeq, rec.sequence);
      continue;
    }
    const pred = rec.previousHash === GENESIS_HASH ? -1 : byHash.get(rec.previousHash);
    if (pred !== undefined) {
      // The record chains to a line that exists elsewhere: an insertion before it, or a reordering.
      const between = i - 1;
      const betweenRec = between >= 0 ? lines[between]!.rec : undefined;
      const betweenLinksForward = betweenRec !== undefined && (byHash.get(betweenRec.previousHash) ?? -1) > between;
      if (pred === i - 2 && between >= 0 && !referenced.has(lines[between]!.hash) && !blamed.has(between) && !betweenLinksForward) {
        const ins = lines[between]!;
        blamed.add(between);
        issues.push({ kind: 'inserted', ...ev(ins), message: `event at line ${ins.line}${ins.rec ? ` (sequence ${ins.rec.sequence}, eventID ${ins.rec.event.eventID})` : ''} was inserted: it is not part of the chain` });
      } else if (pred === -1 && i === 1 && !referenced.has(lines[0]!.hash) && !blamed.has(0)) {
        blamed.add(0);
        issues.push({ kind: 'inserted', ...ev(lines[0]!), message: 'event at line 1 was inserted before the first event of the chain' });
      } else if (rec.sequence < maxSeq && !blamed.has(i)) {
        blamed.add(i);
        issues.push({ kind: 'reordered', ...ev(cur), message: `event ${rec.sequence} (line ${cur.line}) appears after event ${maxSeq}: events were reordered` });
      } else if (!issues.some((x) => x.kind === 'reordered') && prevLine?.rec && prevLine.rec.sequence > rec.sequence + 1 && !blamed.has(i - 1)) {
        blamed.add(i - 1);
        issues.push({ kind: 'reordered', ...ev(prevLine), message: `event ${prevLine.rec.sequence} (line ${prevLine.line}) appears before event ${rec.sequence}: events were reordered` });
      }
      maxSeq = Math.max(maxSeq, rec.sequence);
      continue;
    }
    // The record names a predecessor that no longer exists.
    const next = lines[i + 1]?.rec;
    if (next && next.previousHash === expectedPrev && !blamed.has(i)) {
      // The following record links straight past this one: this one was inserted.
      blamed.add(i);
      issues.push({ kind: 'inserted', ...ev(cur), message: `event at line ${cur.line} (sequence ${rec.sequence}, eventID ${rec.event.eventID}) was inserted: it is not part of the chain` });
      continue;
    }
    if (prevSeq !== undefined && rec.sequence > prevSeq + 1) {
      issues.push({
        kind: 'deleted', line: cur.line, sequence: prevSeq + 1,
        message: rec.sequence === prevSeq + 2
          ? `event ${prevSeq + 1} was deleted (between line ${cur.line - 1} and line ${cur.line})`
          : `events ${prevSeq + 1} to ${rec.sequence - 1} were deleted (before line ${cur.line})`,
      });
    } else if (prevLine && !blamed.has(i - 1)) {
      // The predecessor line's bytes changed (its hash no longer matches this record's link).
      blamed.add(i - 1);
      issues.push({ kind: 'edited', ...ev(prevLine), message: `event at line ${prevLine.line}${prevLine.rec ? ` (sequence ${prevLine.rec.sequence}, eventID ${prevLine.rec.event.eventID})` : ''} was edited: its hash no longer matches the next event's previousHash` });
    } else if (!prevLine && !blamed.has(i)) {
      blamed.add(i);
      issues.push({ kind: 'edited', ...ev(cur), message: `the first event (line ${cur.line}) was edited: its previousHash is not the genesis hash` });
    }
    maxSeq = Math.max(maxSeq, rec.sequence);
  }

  // Signed digests: each must verify, chain to the previous one, and match the event it covers.
  let digestCount = 0;
  let signedThrough = 0;
  let prevDigest: LegacyDigestRecord | undefined;
  const bySeq = new Map<number, Parsed>();
  for (const l of lines) if (l.rec && !bySeq.has(l.rec.sequence)) bySeq.set(l.rec.sequence, l);
  const lastSeq = lines.reduce((m, l) => Math.max(m, l.rec?.sequence ?? 0), 0);
  const digests = splitLines(digestsText);
  if (digests.torn !== undefined) issues.push(tornIssue('digests', digests.lines.length + 1));
  digests.lines.forEach((text, i) => {
    digestCount++;
    let d: LegacyDigestRecord;
    try {
      d = JSON.parse(text) as LegacyDigestRecord;
    } catch {
      issues.push({ kind: 'digest', line: i + 1, message: `digest line ${i + 1} is not valid JSON` });
      return;
    }
    if (!verifyDigestSignature(d, trustedPublicKey)) {
      issues.push({ kind: 'digest', line: i + 1, message: `digest ${d.digestSequence} (line ${i + 1}) has an invalid signature${trustedPublicKey ? ' under the trusted key' : ''}` });
      return;
    }
    if (prevDigest && (d.previousDigestSignature !== prevDigest.signature || d.digestSequence !== prevDigest.digestSequence + 1)) {
      issues.push({ kind: 'digest', line: i + 1, message: `digest ${d.digestSequence} does not follow digest ${prevDigest.digestSequence} (a digest was removed or reordered)` });
    } else if (!prevDigest && d.previousDigestSignature !== null) {
      issues.push({ kind: 'digest', line: i + 1, message: `digest ${d.digestSequence} is not the first digest (earlier digests were removed)` });
    }
    prevDigest = d;
    const l = bySeq.get(d.endSequence);
    if (!l) {
      if (d.endSequence > lastSeq) {
        issues.push({ kind: 'deleted', sequence: lastSeq + 1, message: `events ${lastSeq + 1} to ${d.endSequence} are signed by digest ${d.digestSequence} but missing from the log (truncated)` });
      } else if (!issues.some((x) => x.kind === 'deleted' && (x.sequence ?? 0) <= d.endSequence)) {
        issues.push({ kind: 'deleted', sequence: d.endSequence, message: `event ${d.endSequence} signed by digest ${d.digestSequence} is missing from the log` });
      }
    } else if (l.hash !== d.lastEventHash) {
      if (!issues.some((x) => (x.sequence ?? Infinity) <= d.endSequence && x.kind !== 'digest')) {
        issues.push({ kind: 'edited', line: l.line, sequence: d.endSequence, message: `events ${d.startSequence} to ${d.endSequence} do not match signed digest ${d.digestSequence}: an event in that range was edited and the chain rewritten` });
      }
    } else {
      signedThrough = Math.max(signedThrough, d.endSequence);
    }
  });

  issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: issues.length === 0, events: lines.length, digests: digestCount, signedThrough, issues };
}
