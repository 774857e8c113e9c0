/**
 * `audit verify` (docs/ACCESS.md "Audit log"): checks one account's log — events, digests, head
 * file, and a migrated v1 log — against the trusted anchor held in the keystore (audit-trust.ts),
 * after CloudTrail's "validate-logs", and names each problem. Pure: a function of the file
 * contents (undefined = the file is absent) and the trust (keys from the sealed audit secret, the
 * account's anchor); no clock, no I/O.
 *
 * Kinds:
 *   edited     a line fails its MAC (changed bytes; a chain recomputed without the key), or an
 *              event is not the one a digest/anchor/head names
 *   inserted   a line that is not part of the chain: one failing its MAC between two events that
 *              chain to each other, a forged line after the last committed event, a copy of an event
 *   deleted    events missing inside the log
 *   reordered  events out of sequence order
 *   truncated  events missing at the end (the head file, the keystore anchor or a digest names a
 *              later event than the log holds)
 *   torn       an incomplete last line (a write cut short; the next append removes it)
 *   digest     a digest that fails its signature under the trusted key, a gap or restart in the
 *              digest chain, or digests the keystore anchor records that the file no longer holds
 *   missing    the account's directory, events, digests or head file is gone
 *   anchor     the keystore anchor or the head file fails its MAC, or names another event
 *   unsigned   nothing is signed (no digest, no anchor): nothing can be proven
 *   unanchored (strict only) events after the keystore anchor, protected by the chain, the digests
 *              and the head file only
 */
import {
  GENESIS_MAC, lineAuthentic, parseRecord, readHead, splitLines, verifyDigestSignature,
  type AuditRecord, type DigestRecord,
} from './audit-chain.js';
import { hashLine, verifyLegacyAuditLog } from './audit-legacy.js';
import { anchorAuthentic, type AuditAnchor } from './audit-trust.js';

export type TamperKind =
  | 'edited' | 'inserted' | 'deleted' | 'reordered' | 'truncated' | 'torn'
  | 'digest' | 'missing' | 'anchor' | 'unsigned' | 'unanchored';

export interface VerifyIssue {
  readonly kind: TamperKind;
  /** Which file the line number refers to. */
  readonly file?: 'events' | 'digests' | 'head' | 'legacy-events' | 'legacy-digests' | 'keystore';
  /** 1-based line number in that file. */
  readonly line?: number;
  /** The event sequence number concerned (for "deleted"/"truncated": the first missing one). */
  readonly sequence?: number;
  readonly eventId?: string;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  /** 2, or 1 for a v1 log that no v2 writer has migrated yet. */
  readonly version: 1 | 2;
  readonly events: number;
  readonly digests: number;
  /** The last event sequence covered by a valid signed digest (0 when none). */
  readonly signedThrough: number;
  /** The last event sequence the keystore anchor records (0 when none). */
  readonly anchoredThrough: number;
  /** The sequence the head file records (null when absent or invalid). */
  readonly head: number | null;
  /** Events after the keystore anchor: protected by the MAC chain, the digests and head.json only. */
  readonly unanchored: number;
  /** A v1 log: moved aside at migration (anchored by the keystore then), or not yet migrated. */
  readonly legacy?: { readonly events: number; readonly digests: number; readonly migrated: boolean };
  readonly issues: readonly VerifyIssue[];
}

/** The account's files; a field left undefined means that file does not exist. */
export interface AuditFiles {
  /** False when the account's audit directory itself is absent. */
  readonly dir: boolean;
  readonly events?: string | undefined;
  readonly digests?: string | undefined;
  readonly head?: string | undefined;
  readonly legacyEvents?: string | undefined;
  readonly legacyDigests?: string | undefined;
}

export interface AuditTrust {
  /** From the keystore's sealed audit secret; undefined when the keystore holds none. */
  readonly keys?: { readonly macKey: Uint8Array; readonly publicKey: string } | undefined;
  /** The keystore's anchor for this account. */
  readonly anchor?: AuditAnchor | undefined;
  /** The v1 digest public key (from the sealed v1 signing key), to check a legacy log's digests. */
  readonly legacyPublicKey?: string | undefined;
}

export interface VerifyOptions {
  /** Also fail on any unanchored event and on an unmigrated legacy log. */
  readonly strict?: boolean;
}

/** True when a log's first line is a v1 record (no MAC). */
export function isLegacyLog(eventsText: string): boolean {
  const first = eventsText.slice(0, eventsText.indexOf('\n') >>> 0);
  if (!first) return false;
  try {
    const r = JSON.parse(first) as { v?: unknown; previousHash?: unknown };
    return r.v === undefined && typeof r.previousHash === 'string';
  } catch {
    return false;
  }
}

interface Line {
  readonly line: number;
  readonly rec?: AuditRecord | undefined;
  readonly ok: boolean;
}

const tornIssue = (file: 'events' | 'digests', line: number): VerifyIssue => ({
  kind: 'torn', file, line,
  message: `${file} line ${line} is incomplete (a write cut short by a crash or a truncation mid-line): the next append removes it`,
});

function range(a: number, b: number, what = 'event'): string {
  return a === b ? `${what} ${a}` : `${what}s ${a} to ${b}`;
}

/** Walks the event lines: MACs, chain links, sequence order. */
function checkEvents(ls: readonly Line[], knownEnd: number, issues: VerifyIssue[]): { maxSeq: number; coveredEnd: number; bySeq: Map<number, AuditRecord> } {
  const bySeq = new Map<number, AuditRecord>();
  const lastIndexOf = new Map<number, number>();
  ls.forEach((l, i) => {
    if (l.ok && l.rec) {
      if (!bySeq.has(l.rec.sequence)) bySeq.set(l.rec.sequence, l.rec);
      lastIndexOf.set(l.rec.sequence, i);
    }
  });
  let prevSeq = 0;
  let prevMac = GENESIS_MAC;
  let prevKnown = true;
  let maxSeq = 0;
  /** The last position held by a line (an edited line still holds its event's place). */
  let coveredEnd = 0;
  const firstLineOf = new Map<number, number>();
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i]!;
    if (!l.ok || !l.rec) {
      let j = i;
      while (j + 1 < ls.length && !ls[j + 1]!.ok) j++;
      const next = ls[j + 1]?.rec;
      const where = j === i ? `line ${l.line}` : `lines ${l.line} to ${ls[j]!.line}`;
      const inserted = prevKnown && (next
        ? next.previousMac === prevMac && next.sequence === prevSeq + 1
        : knownEnd <= prevSeq);
      issues.push(inserted
        ? {
          kind: 'inserted', file: 'events', line: l.line,
          message: next
            ? `${where} ${j === i ? 'is' : 'are'} not part of the chain (no valid MAC, and event ${next.sequence} chains to event ${prevSeq}): inserted`
            : `${where} after the last committed event ${prevSeq} ${j === i ? 'has' : 'have'} no valid MAC: a forged event appended at the end`,
        }
        : {
          kind: 'edited', file: 'events', line: l.line, ...(l.rec ? { sequence: l.rec.sequence, eventId: l.rec.event.eventID } : {}),
          message: `${where} ${j === i ? 'fails its' : 'fail their'} MAC: the event was edited${j > i ? ' (or the chain recomputed without the key)' : ''}`,
        });
      if (!inserted) {
        if (prevKnown) coveredEnd = Math.max(coveredEnd, prevSeq + j - i + 1);
        prevKnown = false;
      }
      i = j;
      continue;
    }
    const r = l.rec;
    if (r.sequence <= maxSeq) {
      const first = firstLineOf.get(r.sequence);
      if (first !== undefined && bySeq.get(r.sequence)?.mac === r.mac) {
        issues.push({ kind: 'inserted', file: 'events', line: l.line, sequence: r.sequence, eventId: r.event.eventID, message: `line ${l.line} is a copy of event ${r.sequence} (line ${first}): inserted` });
      } else {
        issues.push({ kind: 'reordered', file: 'events', line: l.line, sequence: r.sequence, eventId: r.event.eventID, message: `event ${r.sequence} (line ${l.line}) appears after event ${maxSeq}: events were reordered` });
      }
      continue;
    }
    firstLineOf.set(r.sequence, l.line);
    if (prevKnown && r.sequence > prevSeq + 1) {
      let moved = 0;
      for (let s = prevSeq + 1; s < r.sequence; s++) if ((lastIndexOf.get(s) ?? -1) > i) moved++;
      const gone = r.sequence - prevSeq - 1 - moved;
      if (moved > 0) {
        issues.push({ kind: 'reordered', file: 'events', line: l.line, sequence: r.sequence, eventId: r.event.eventID, message: `event ${r.sequence} (line ${l.line}) appears before ${moved === 1 ? 'an earlier event' : `${moved} earlier events`}: events were reordered` });
      }
      if (gone > 0) {
        issues.push({
          kind: 'deleted', file: 'events', line: l.line, sequence: prevSeq + 1,
          message: `${moved > 0 ? `${gone} of ` : ''}${range(prevSeq + 1, r.sequence - 1)} ${gone === 1 && moved === 0 ? 'was' : 'were'} deleted (before line ${l.line})`,
        });
      }
    } else if (prevKnown && r.previousMac !== prevMac) {
      issues.push({ kind: 'inserted', file: 'events', line: l.line, sequence: r.sequence, eventId: r.event.eventID, message: `event ${r.sequence} (line ${l.line}) does not chain to event ${prevSeq}: it comes from another copy of the chain` });
    }
    prevSeq = r.sequence;
    prevMac = r.mac;
    prevKnown = true;
    maxSeq = r.sequence;
  }
  return { maxSeq, coveredEnd: Math.max(coveredEnd, maxSeq), bySeq };
}

/** The digest chain: signatures under the trusted key, continuity, the events they name. */
interface RecordedDigest { readonly by: 'head.json' | 'the keystore anchor'; readonly digestSequence: number; readonly digestSignature: string }

function checkDigests(
  text: string, publicKey: string, bySeq: Map<number, AuditRecord>, maxSeq: number, recorded: readonly RecordedDigest[], issues: VerifyIssue[],
): { count: number; signedThrough: number; lastEnd: number } {
  const { lines, torn } = splitLines(text);
  if (torn !== undefined) issues.push(tornIssue('digests', lines.length + 1));
  let prev: DigestRecord | undefined;
  let signedThrough = 0;
  let lastEnd = 0;
  const seen = new Map<number, string>();
  lines.forEach((t, i) => {
    const line = i + 1;
    let d: DigestRecord;
    try {
      d = JSON.parse(t) as DigestRecord;
    } catch {
      issues.push({ kind: 'digest', file: 'digests', line, message: `digest line ${line} is not valid JSON` });
      return;
    }
    if (!verifyDigestSignature(d, publicKey)) {
      issues.push({ kind: 'digest', file: 'digests', line, message: `digest ${d?.digestSequence} (line ${line}) is not signed by this keystore's audit key (edited, or signed with another key)` });
      return;
    }
    if (!prev && (d.digestSequence !== 1 || d.previousDigestSignature !== null)) {
      issues.push({ kind: 'digest', file: 'digests', line, message: `the first digest line is digest ${d.digestSequence}: ${range(1, d.digestSequence - 1, 'digest')} ${d.digestSequence === 2 ? 'was' : 'were'} removed` });
    } else if (prev && (d.digestSequence !== prev.digestSequence + 1 || d.previousDigestSignature !== prev.signature)) {
      issues.push({
        kind: 'digest', file: 'digests', line,
        message: d.digestSequence === 1
          ? `the digest chain restarts at digest 1 (line ${line}) after digest ${prev.digestSequence}`
          : `digest ${d.digestSequence} (line ${line}) does not follow digest ${prev.digestSequence}: digests were removed or reordered`,
      });
    }
    prev = d;
    seen.set(d.digestSequence, d.signature);
    lastEnd = Math.max(lastEnd, d.endSequence);
    const ev = bySeq.get(d.endSequence);
    if (!ev) {
      // Reported as deleted/truncated by the event checks when beyond the log's end.
      if (d.endSequence <= maxSeq && !issues.some((x) => (x.kind === 'deleted' || x.kind === 'edited') && (x.sequence ?? Infinity) <= d.endSequence)) {
        issues.push({ kind: 'deleted', file: 'events', sequence: d.endSequence, message: `event ${d.endSequence}, signed by digest ${d.digestSequence}, is missing from the log` });
      }
    } else if (ev.mac !== d.lastEventMac) {
      issues.push({ kind: 'edited', file: 'events', sequence: d.endSequence, message: `event ${d.endSequence} is not the event signed by digest ${d.digestSequence}: the log was rewritten` });
    } else {
      signedThrough = Math.max(signedThrough, d.endSequence);
    }
  });
  // Digests that head.json or the keystore anchor record must still be there, unchanged.
  const last = prev?.digestSequence ?? 0;
  const rec = recorded.filter((r) => r.digestSequence > 0).sort((a, b) => b.digestSequence - a.digestSequence)[0];
  if (rec) {
    const sig = seen.get(rec.digestSequence);
    if (sig === undefined && last < rec.digestSequence) {
      issues.push({ kind: 'digest', file: 'digests', message: `${rec.by} records digest ${rec.digestSequence}, but the digests file ends at ${last === 0 ? 'no digest' : `digest ${last}`}: ${range(last + 1, rec.digestSequence, 'digest')} ${rec.digestSequence === last + 1 ? 'was' : 'were'} deleted` });
    }
  }
  for (const r of recorded) {
    const sig = seen.get(r.digestSequence);
    if (r.digestSequence > 0 && sig !== undefined && sig !== r.digestSignature) {
      issues.push({ kind: 'digest', file: 'digests', message: `digest ${r.digestSequence} is not the digest ${r.by} records: the digests were rewritten` });
    }
  }
  return { count: lines.length, signedThrough, lastEnd };
}

/** A v1 log moved aside at migration, or (migrated: false) one still in events.jsonl. */
function checkLegacy(files: { events: string; digests: string }, trust: AuditTrust, migrated: boolean, issues: VerifyIssue[]) {
  const r = verifyLegacyAuditLog(files.events, files.digests, trust.legacyPublicKey);
  const file = migrated ? 'legacy-events' as const : 'events' as const;
  for (const x of r.issues) {
    issues.push({ ...x, file: x.kind === 'digest' ? (migrated ? 'legacy-digests' : 'digests') : file, message: `legacy (v1) log: ${x.message}` });
  }
  const lines = splitLines(files.events).lines;
  const last = lines[lines.length - 1];
  const legacy = trust.anchor?.legacy;
  if (migrated && legacy && (lines.length !== legacy.events || (last !== undefined ? hashLine(last) : '') !== legacy.lastHash)) {
    issues.push({ kind: 'edited', file: 'legacy-events', message: `the legacy (v1) log is not the one moved aside at migration (${legacy.events} events then, ${lines.length} now): it was changed since` });
  }
  return { events: lines.length, digests: r.digests, signedThrough: r.signedThrough };
}

/** Verifies one account's audit log against the keystore's trust anchor. */
export function verifyAuditLog(accountId: string, files: AuditFiles, trust: AuditTrust, opts: VerifyOptions = {}): VerifyReport {
  const issues: VerifyIssue[] = [];
  const eventsText = files.events ?? '';
  // Only a log the v2 writer never touched (no anchor, no head.json) may be judged by the v1 rules:
  // a v2 log replaced by v1-looking lines is checked (and fails) as v2.
  if (isLegacyLog(eventsText) && !trust.anchor && files.head === undefined) {
    const l = checkLegacy({ events: eventsText, digests: files.digests ?? '' }, trust, false, issues);
    if (l.signedThrough === 0) issues.push({ kind: 'unsigned', message: 'the legacy (v1) log has no valid signed digest: nothing in it can be proven' });
    if (opts.strict) issues.push({ kind: 'unanchored', message: `the legacy (v1) log's ${l.events} events are not anchored in the keystore (no v2 writer has migrated it yet)` });
    return {
      ok: issues.length === 0, version: 1, events: l.events, digests: l.digests, signedThrough: l.signedThrough, anchoredThrough: 0,
      head: null, unanchored: l.events, legacy: { events: l.events, digests: l.digests, migrated: false }, issues,
    };
  }
  const keys = trust.keys;
  let anchor = trust.anchor;
  if (!keys) {
    issues.push({ kind: anchor ? 'anchor' : 'unsigned', file: 'keystore', message: 'the keystore holds no audit secret: nothing in this log can be verified' });
    const n = splitLines(eventsText).lines.length;
    return { ok: false, version: 2, events: n, digests: 0, signedThrough: 0, anchoredThrough: 0, head: null, unanchored: n, issues };
  }
  if (anchor && !anchorAuthentic(keys.macKey, accountId, anchor)) {
    issues.push({ kind: 'anchor', file: 'keystore', message: `the keystore's audit anchor for account ${accountId} fails its MAC: it was edited` });
    anchor = undefined;
  }
  const anchoredThrough = anchor?.sequence ?? 0;
  if (!files.dir) {
    // Without an anchor either, this account never had a log (reported as "unsigned" below).
    if (anchor) issues.push({ kind: 'missing', message: `the account's audit directory is missing (the keystore anchors ${anchor.sequence > 0 ? `${range(1, anchor.sequence)} and ${range(1, anchor.digestSequence, 'digest')}` : 'a migrated legacy log'})` });
  } else {
    if (files.events === undefined && anchoredThrough > 0) issues.push({ kind: 'missing', file: 'events', message: `events.jsonl is missing (the keystore anchors ${range(1, anchoredThrough)})` });
    if (files.digests === undefined && (anchor?.digestSequence ?? 0) > 0) issues.push({ kind: 'missing', file: 'digests', message: `digests.jsonl is missing (the keystore anchors ${range(1, anchor!.digestSequence, 'digest')})` });
    if (files.head === undefined && (anchoredThrough > 0 || eventsText !== '')) issues.push({ kind: 'missing', file: 'head', message: 'head.json is missing (it is rewritten after every append)' });
  }

  let head: number | null = null;
  let headMacValue: string | undefined;
  const recorded: RecordedDigest[] = anchor ? [{ by: 'the keystore anchor', digestSequence: anchor.digestSequence, digestSignature: anchor.digestSignature }] : [];
  if (files.head !== undefined) {
    const h = readHead(keys.macKey, accountId, files.head);
    if (!h) issues.push({ kind: 'anchor', file: 'head', message: 'head.json fails its MAC: it was edited' });
    else {
      head = h.sequence;
      headMacValue = h.mac;
      recorded.push({ by: 'head.json', digestSequence: h.digestSequence, digestSignature: h.digestSignature });
    }
  }

  const { lines, torn } = splitLines(eventsText);
  if (torn !== undefined) issues.push(tornIssue('events', lines.length + 1));
  const ls: Line[] = lines.map((text, i) => {
    const rec = parseRecord(text);
    return { line: i + 1, rec, ok: rec !== undefined && lineAuthentic(keys.macKey, accountId, text) };
  });
  const knownEnd = Math.max(head ?? 0, anchoredThrough);
  const { maxSeq, coveredEnd, bySeq } = checkEvents(ls, knownEnd, issues);
  const d = checkDigests(files.digests ?? '', keys.publicKey, bySeq, maxSeq, recorded, issues);

  // The end of the log: nothing the head, the anchor or a digest names may be missing.
  const end = Math.max(knownEnd, d.lastEnd);
  if (end > coveredEnd) {
    const who = [head === end ? 'head.json' : '', anchoredThrough === end ? 'the keystore anchor' : '', d.lastEnd === end ? 'a signed digest' : ''].filter(Boolean).join(', ');
    issues.push({ kind: 'truncated', file: 'events', sequence: coveredEnd + 1, message: `${range(coveredEnd + 1, end)} ${end === coveredEnd + 1 ? 'is' : 'are'} missing from the end of the log (${who} ${who.includes(',') ? 'record' : 'records'} event ${end})` });
  }
  for (const [what, seq, mac] of [['head.json', head, headMacValue], ['the keystore anchor', anchoredThrough, anchor?.mac]] as const) {
    const ev = seq ? bySeq.get(seq) : undefined;
    if (ev && mac !== undefined && ev.mac !== mac) issues.push({ kind: 'anchor', file: what === 'head.json' ? 'head' : 'keystore', sequence: seq!, message: `event ${seq} is not the event ${what} records: the log was rewritten` });
  }

  let legacy: VerifyReport['legacy'];
  if (files.legacyEvents !== undefined || anchor?.legacy) {
    if (files.legacyEvents === undefined) issues.push({ kind: 'missing', file: 'legacy-events', message: `the legacy (v1) log moved aside at migration is missing (${anchor!.legacy!.events} events)` });
    const l = checkLegacy({ events: files.legacyEvents ?? '', digests: files.legacyDigests ?? '' }, trust, true, issues);
    legacy = { events: l.events, digests: l.digests, migrated: true };
  }

  // Events after the keystore anchor: removable by restoring an older head.json (see docs/ACCESS.md).
  const unanchored = Math.max(0, maxSeq - anchoredThrough);
  if (d.signedThrough === 0 && !anchor && !issues.some((x) => x.kind === 'missing' || x.kind === 'digest')) {
    issues.push({ kind: 'unsigned', message: maxSeq === 0 ? `account ${accountId} has no audit log and no anchor: nothing can be proven` : 'no valid signed digest: nothing in this log can be proven' });
  }
  if (opts.strict && unanchored > 0) {
    issues.push({ kind: 'unanchored', sequence: anchoredThrough + 1, message: `${range(anchoredThrough + 1, maxSeq)} after the keystore anchor ${unanchored === 1 ? 'is' : 'are'} protected by the chain, the digests and head.json only (run \`envelope audit digest\` to sign and anchor them)` });
  }
  const order = (x: VerifyIssue) => (x.line ?? 0);
  issues.sort((a, b) => order(a) - order(b));
  return {
    ok: issues.length === 0, version: 2, events: ls.length, digests: d.count, signedThrough: d.signedThrough, anchoredThrough,
    head, unanchored, ...(legacy ? { legacy } : {}), issues,
  };
}
