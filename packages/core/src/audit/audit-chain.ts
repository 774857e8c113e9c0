/**
 * The audit log's keyed chain (format v2; docs/ACCESS.md "Audit log"), after CloudTrail log file
 * integrity validation (AWS CloudTrail User Guide, "Validating CloudTrail log file integrity",
 * "CloudTrail digest file structure"), with one change: events are chained with HMAC-SHA-256
 * (RFC 2104) under a key derived from a secret sealed by the keystore root key, so writing an event
 * that verifies needs the root key (CloudTrail's unkeyed SHA-256 chain can be recomputed by anyone
 * who can write the files).
 *
 * Keys: a 32-byte audit secret S; macKey = HKDF-SHA-256(S, info "envelope-audit/v2/event-mac"),
 * the digest signing seed = HKDF-SHA-256(S, info "envelope-audit/v2/digest-signing") (Ed25519).
 *
 * Event line (one per event, `\n`-terminated): the bytes of
 *   body = JSON.stringify({ v: 2, sequence, previousMac, event })
 * with `,"mac":"<hex>"` inserted before the final `}`, where
 *   mac = HMAC(macKey, "envelope-audit-event/v2\n" || accountId || "\n" || body)
 * and previousMac is the previous event's mac (GENESIS_MAC for event 1). The MAC covers the exact
 * bytes, so no canonical JSON is needed.
 *
 * Digest line: Ed25519 over the fields of DigestRecord (digestPayload), chaining to the previous
 * digest's signature and naming the last event it covers by sequence and mac.
 *
 * Head and anchor: HMAC statements "account A's chain reached event n with mac m, and digest k
 * with signature s" (headMac, anchorMac): the head file is rewritten after every commit, the anchor
 * is kept in the keystore (audit-trust.ts) and rewritten less often.
 */
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { AuditEvent } from './audit-event.js';

export const AUDIT_FORMAT_VERSION = 2;
export const GENESIS_MAC = '0'.repeat(64);
export const AUDIT_SECRET_LENGTH = 32;

export interface AuditRecord {
  readonly v: 2;
  readonly sequence: number;
  readonly previousMac: string;
  readonly event: AuditEvent;
  readonly mac: string;
}

export interface DigestRecord {
  readonly digestVersion: 2;
  readonly accountId: string;
  /** 1, 2, 3, … for the life of the account's log (never restarts). */
  readonly digestSequence: number;
  readonly digestTime: string;
  /** First and last event sequence covered by this digest (start = previous end + 1). */
  readonly startSequence: number;
  readonly endSequence: number;
  /** The mac of event `endSequence`. */
  readonly lastEventMac: string;
  /** Signature (hex) of the previous digest, or null for the first. */
  readonly previousDigestSignature: string | null;
  /** Ed25519 public key (hex) that signed this digest. */
  readonly publicKey: string;
  readonly signature: string;
}

/** The head file's content: the last committed event and the last digest of an account, MAC'd. */
export interface HeadRecord {
  readonly v: 2;
  readonly accountId: string;
  readonly sequence: number;
  readonly mac: string;
  /** The last digest written (0 and '' before the first). */
  readonly digestSequence: number;
  readonly digestSignature: string;
  readonly headMac: string;
}

export type HeadFields = Pick<HeadRecord, 'sequence' | 'mac' | 'digestSequence' | 'digestSignature'>;

const enc = new TextEncoder();

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new RangeError('"hex" expected an even-length hex string');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{64}$/.test(s);
}

/** True when a log line lacking its newline is nonetheless complete (a whole JSON value; a torn write never is). */
export function isCompleteLine(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The lines of a log file, without a torn last line (returned apart: a write cut short by a crash). */
export function splitLines(text: string): { lines: string[]; torn?: string } {
  const lines = text.split('\n');
  const last = lines.pop()!;
  if (last === '' || isCompleteLine(last)) return { lines: last === '' ? lines : [...lines, last] };
  return { lines, torn: last };
}

/** The keys derived from the audit secret: the event MAC key and the digest signer. */
export interface AuditKeys {
  readonly macKey: Uint8Array;
  readonly signer: DigestSigner;
}

export function deriveAuditKeys(secret: Uint8Array): AuditKeys {
  if (!(secret instanceof Uint8Array) || secret.length !== AUDIT_SECRET_LENGTH) {
    throw new RangeError(`"secret" expected Uint8Array of length ${AUDIT_SECRET_LENGTH}, got length=${secret?.length}`);
  }
  const derive = (info: string) => new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, 32));
  const seed = derive('envelope-audit/v2/digest-signing');
  const signer = ed25519Signer(seed);
  seed.fill(0);
  return { macKey: derive('envelope-audit/v2/event-mac'), signer };
}

/** KeyObjects of MAC keys, made once per key (an HMAC over a KeyObject costs ~40% less than over bytes). */
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function hmac(key: Uint8Array, domain: string, accountId: string, data: string): string {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, k = createSecretKey(key));
  return createHmac('sha256', k).update(`${domain}\n${accountId}\n`, 'utf8').update(data, 'utf8').digest('hex');
}

/** Encodes event `sequence` of `accountId` chained after `previousMac`: the line (no newline) and its mac. */
export function encodeRecord(
  macKey: Uint8Array, accountId: string, r: { sequence: number; previousMac: string; event: AuditEvent },
): { line: string; mac: string } {
  const body = JSON.stringify({ v: AUDIT_FORMAT_VERSION, sequence: r.sequence, previousMac: r.previousMac, event: r.event });
  const mac = hmac(macKey, 'envelope-audit-event/v2', accountId, body);
  return { line: `${body.slice(0, -1)},"mac":"${mac}"}`, mac };
}

const MAC_SUFFIX = /,"mac":"([0-9a-f]{64})"\}$/;

/** The record of a line when it is a well-formed v2 record (MAC not checked), else undefined. */
export function parseRecord(line: string): AuditRecord | undefined {
  if (!MAC_SUFFIX.test(line)) return undefined;
  try {
    const r = JSON.parse(line) as AuditRecord;
    if (r.v !== 2 || !Number.isSafeInteger(r.sequence) || r.sequence < 1 || !isHex64(r.previousMac) || typeof r.event !== 'object' || r.event === null) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/** True when the line's mac is the HMAC of its bytes under `macKey` for `accountId`. */
export function lineAuthentic(macKey: Uint8Array, accountId: string, line: string): boolean {
  const m = MAC_SUFFIX.exec(line);
  if (!m) return false;
  const body = line.slice(0, line.length - m[0].length) + '}';
  return hmac(macKey, 'envelope-audit-event/v2', accountId, body) === m[1];
}

export function headMac(macKey: Uint8Array, accountId: string, h: HeadFields): string {
  return hmac(macKey, 'envelope-audit-head/v2', accountId, JSON.stringify([h.sequence, h.mac, h.digestSequence, h.digestSignature]));
}

export function encodeHead(macKey: Uint8Array, accountId: string, h: HeadFields): HeadRecord {
  return {
    v: 2, accountId, sequence: h.sequence, mac: h.mac, digestSequence: h.digestSequence, digestSignature: h.digestSignature,
    headMac: headMac(macKey, accountId, h),
  };
}

/** The head record in `text` when it parses and its MAC verifies, else undefined. */
export function readHead(macKey: Uint8Array, accountId: string, text: string): HeadRecord | undefined {
  try {
    const h = JSON.parse(text) as HeadRecord;
    if (h.v !== 2 || h.accountId !== accountId || !Number.isSafeInteger(h.sequence) || !isHex64(h.mac)) return undefined;
    if (!Number.isSafeInteger(h.digestSequence) || typeof h.digestSignature !== 'string') return undefined;
    return h.headMac === headMac(macKey, accountId, h) ? h : undefined;
  } catch {
    return undefined;
  }
}

/** Signs digests: an Ed25519 secret key (32 bytes). */
export interface DigestSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export function ed25519Signer(secretKey: Uint8Array): DigestSigner {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== 32) {
    throw new RangeError(`"secretKey" expected Uint8Array of length 32, got length=${secretKey?.length}`);
  }
  const sk = Uint8Array.from(secretKey);
  // Derived on first use: it costs the curve's precomputed tables (~50 ms of start-up CPU), which a
  // KMS call that writes no digest (most of them) never needs.
  let publicKey: Uint8Array | undefined;
  return {
    get publicKey() {
      return (publicKey ??= ed25519.getPublicKey(sk));
    },
    sign: (m) => ed25519.sign(m, sk),
  };
}

function digestPayload(d: Omit<DigestRecord, 'signature'>): Uint8Array {
  return enc.encode(JSON.stringify([
    'envelope-audit-digest/v2', d.digestVersion, d.accountId, d.digestSequence, d.digestTime, d.startSequence,
    d.endSequence, d.lastEventMac, d.previousDigestSignature, d.publicKey,
  ]));
}

/** Builds and signs a digest record. */
export function signDigest(d: Omit<DigestRecord, 'signature' | 'publicKey'>, signer: DigestSigner): DigestRecord {
  const body = { ...d, publicKey: toHex(signer.publicKey) };
  return { ...body, signature: toHex(signer.sign(digestPayload(body))) };
}

/** True when the digest is a v2 digest whose signature verifies under `trustedPublicKey` (hex). */
export function verifyDigestSignature(d: DigestRecord, trustedPublicKey: string): boolean {
  try {
    if (d.digestVersion !== 2 || trustedPublicKey.toLowerCase() !== String(d.publicKey).toLowerCase()) return false;
    const { signature, ...body } = d;
    return ed25519.verify(fromHex(signature), digestPayload(body), fromHex(trustedPublicKey));
  } catch {
    return false;
  }
}
