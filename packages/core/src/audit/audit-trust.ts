/**
 * The audit log's trust anchor, kept in the keystore (section "audit"), outside the audit
 * directory, so deleting or rewriting that directory cannot remove it (docs/ACCESS.md "Audit log"):
 *   - `secret`: the 32-byte audit secret (audit-chain.ts deriveAuditKeys), sealed under the
 *     keystore root key — writing an event, head, anchor or digest that verifies needs the root key;
 *   - `accounts[id]`: the anchor of each account's log, rewritten with every digest: the last
 *     digest's number and signature and the event it covers (sequence + mac), plus, for a log
 *     migrated from v1, the legacy log's length and last line hash. `anchorMac` (HMAC under the
 *     event MAC key) makes an edited anchor detectable; an anchor rolled back to an older genuine
 *     value (an old copy of the keystore) is not (docs/ACCESS.md "What verify cannot see").
 */
import { createHmac } from 'node:crypto';
import type { Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';
import type { KeystoreState } from '../keystore/keystore.js';
import { AUDIT_SECRET_LENGTH, deriveAuditKeys, type AuditKeys } from './audit-chain.js';

export const AUDIT_SECTION = 'audit';
const SECRET_AAD = 'envelope/audit/secret/v2';

/** What the keystore records of one account's log. */
export interface AuditAnchor {
  /** The last event covered by digest `digestSequence`, and its mac. */
  readonly sequence: number;
  readonly mac: string;
  readonly digestSequence: number;
  readonly digestSignature: string;
  /** A v1 log moved aside at migration: its event count and the SHA-256 of its last line. */
  readonly legacy?: { readonly events: number; readonly lastHash: string } | undefined;
  readonly anchorMac: string;
}

export interface AuditTrustSection {
  version: 2;
  /** The audit secret sealed under the root key. */
  secret: Uint8Array;
  accounts: Record<string, AuditAnchor>;
}

/** The keystore as the audit log uses it (Keystore satisfies it). */
export interface AuditKeystore {
  readonly home: string;
  readonly sealer: {
    seal(plaintext: Uint8Array, aad: string): Uint8Array;
    open(sealed: Uint8Array, aad: string): Uint8Array;
  };
  read(): Readonly<KeystoreState>;
  update<T>(fn: (state: KeystoreState) => T | Promise<T>): Promise<T>;
}

type AnchorFields = Omit<AuditAnchor, 'anchorMac'>;

function anchorPayload(accountId: string, a: AnchorFields): string {
  return `envelope-audit-anchor/v2\n${accountId}\n${JSON.stringify([a.sequence, a.mac, a.digestSequence, a.digestSignature, a.legacy ?? null])}`;
}

export function sealAnchor(macKey: Uint8Array, accountId: string, a: AnchorFields): AuditAnchor {
  const anchorMac = createHmac('sha256', macKey).update(anchorPayload(accountId, a), 'utf8').digest('hex');
  return { sequence: a.sequence, mac: a.mac, digestSequence: a.digestSequence, digestSignature: a.digestSignature, ...(a.legacy ? { legacy: a.legacy } : {}), anchorMac };
}

/** True when the anchor's MAC verifies (it was written by a holder of the root key for this account). */
export function anchorAuthentic(macKey: Uint8Array, accountId: string, a: AuditAnchor): boolean {
  try {
    return sealAnchor(macKey, accountId, a).anchorMac === a.anchorMac;
  } catch {
    return false;
  }
}

export function trustSection(state: Readonly<KeystoreState>): AuditTrustSection | undefined {
  const s = state.sections[AUDIT_SECTION] as AuditTrustSection | undefined;
  return s && s.secret instanceof Uint8Array ? s : undefined;
}

function openSecret(store: AuditKeystore, s: AuditTrustSection): AuditKeys {
  let secret: Uint8Array;
  try {
    secret = store.sealer.open(s.secret, SECRET_AAD);
  } catch (e) {
    throw new KeystoreException(`Cannot open the audit secret in the keystore: ${(e as Error).message}`);
  }
  try {
    return deriveAuditKeys(secret);
  } finally {
    secret.fill(0);
  }
}

/** The audit keys when the keystore holds an audit secret, else undefined (read-only). */
export function readAuditKeys(store: AuditKeystore): AuditKeys | undefined {
  const s = trustSection(store.read());
  return s ? openSecret(store, s) : undefined;
}

/** The audit keys, creating the sealed secret in the keystore on first use (one keystore commit). */
export async function ensureAuditKeys(store: AuditKeystore, random: Random): Promise<AuditKeys> {
  const existing = readAuditKeys(store);
  if (existing) return existing;
  // Under the keystore lock: of processes racing to create it, the first commit wins.
  await store.update((state) => {
    if (trustSection(state)) return;
    const secret = random(AUDIT_SECRET_LENGTH);
    state.sections[AUDIT_SECTION] = { version: 2, secret: store.sealer.seal(secret, SECRET_AAD), accounts: {} } satisfies AuditTrustSection;
    secret.fill(0);
  });
  return readAuditKeys(store)!;
}

/** The recorded anchor of an account (MAC not checked), or undefined. */
export function readAnchor(state: Readonly<KeystoreState>, accountId: string): AuditAnchor | undefined {
  return trustSection(state)?.accounts?.[accountId];
}

/**
 * Records `anchor` for `accountId` unless the keystore already holds a later one (another process
 * anchored past it). Keeps the legacy note of the account.
 */
export async function writeAnchor(store: AuditKeystore, macKey: Uint8Array, accountId: string, a: AnchorFields): Promise<void> {
  await store.update((state) => {
    const s = trustSection(state);
    if (!s) throw new KeystoreException('The keystore lost its audit secret while the audit log was writing');
    const cur = s.accounts[accountId];
    if (cur && cur.digestSequence > a.digestSequence) return;
    const legacy = a.legacy ?? cur?.legacy;
    s.accounts = { ...s.accounts, [accountId]: sealAnchor(macKey, accountId, { ...a, ...(legacy ? { legacy } : {}) }) };
  });
}
