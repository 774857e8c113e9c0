/**
 * The audit log's hash chain and signed digests, after CloudTrail log file integrity validation
 * (AWS CloudTrail User Guide, "Validating CloudTrail log file integrity" and "CloudTrail digest
 * file structure"). One JSON line per event:
 *
 *   { "sequence": n, "previousHash": hex(SHA-256(line n-1)), "event": { …CloudTrail event… } }
 *
 * where the first line's previousHash is GENESIS_HASH and SHA-256 is taken over the exact UTF-8
 * bytes of the previous line without its newline. A digest record (separate file) signs, with
 * Ed25519, the sequence and hash of the last event it covers and the previous digest's signature,
 * so rewriting the chain after an edit is caught too.
 */
import { createHash } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { AuditEvent } from './audit-event.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditRecord {
  readonly sequence: number;
  readonly previousHash: string;
  readonly event: AuditEvent;
}

export interface DigestRecord {
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

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function fromHex(s: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new RangeError('"hex" expected an even-length hex string');
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** SHA-256 (hex) of one log line (without its newline). */
export function hashLine(line: string): string {
  return createHash('sha256').update(line, 'utf8').digest('hex');
}

/** Serializes one record as its log line (no newline). */
export function encodeRecord(r: AuditRecord): string {
  return JSON.stringify({ sequence: r.sequence, previousHash: r.previousHash, event: r.event });
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
    'envelope-audit-digest/v1', d.digestVersion, d.accountId, d.digestSequence, d.digestTime, d.startSequence,
    d.endSequence, d.lastEventHash, d.previousDigestSignature, d.publicKey,
  ]));
}

/** Builds and signs a digest record. */
export function signDigest(d: Omit<DigestRecord, 'signature' | 'publicKey'>, signer: DigestSigner): DigestRecord {
  const body = { ...d, publicKey: toHex(signer.publicKey) };
  return { ...body, signature: toHex(signer.sign(digestPayload(body))) };
}

/** True when the digest's signature verifies under `publicKey` (hex; defaults to the record's own). */
export function verifyDigestSignature(d: DigestRecord, trustedPublicKey?: string): boolean {
  try {
    const pk = trustedPublicKey ?? d.publicKey;
    if (pk.toLowerCase() !== d.publicKey.toLowerCase()) return false;
    const { signature, ...body } = d;
    return ed25519.verify(fromHex(signature), digestPayload(body), fromHex(pk));
  } catch {
    return false;
  }
}
