/**
 * The Kms door's AuditSink writing CloudTrail-like events to the audit log (audit/audit-log.ts).
 * Every call, allowed or denied, is recorded in the caller's account; a call on a key of another
 * account is recorded in that account too (CloudTrail "cross-account events": each copy has its
 * own eventID and recipientAccountId, both share a sharedEventID and the requestID).
 */
import { join } from 'node:path';
import { systemRandom, type Clock, type Random } from '../defaults.js';
import { arnAccount, buildAuditEvent, uuidFrom } from '../audit/audit-event.js';
import { AuditLog, type AuditLogOptions } from '../audit/audit-log.js';
import type { AuditKeystore } from '../audit/audit-trust.js';
import { isAccountId } from '../policy/principal.js';
import type { AuditSink, KmsCallEvent } from './hooks.js';

export class AuditLogSink implements AuditSink {
  readonly log: AuditLog;
  private readonly random: Random;

  constructor(log: AuditLog, random: Random = systemRandom) {
    this.log = log;
    this.random = random;
  }

  async record(e: KmsCallEvent): Promise<void> {
    const requestId = uuidFrom(this.random(16));
    // The caller's account and every account owning a key of the call (service principals have none).
    const recipients = [...new Set([e.caller.accountId, ...e.resources.map(arnAccount)])].filter(isAccountId);
    const sharedEventId = recipients.length > 1 ? uuidFrom(this.random(16)) : undefined;
    // One event per recipient account, appended together (each joins its account's group commit).
    await Promise.all(recipients.map((recipient) => {
      const event = buildAuditEvent({
        time: e.eventTime,
        operation: e.operation,
        principal: e.caller.principal,
        principalAccountId: e.caller.accountId,
        region: e.region,
        requestParameters: e.requestParameters,
        resources: e.resources,
        requestId,
        eventId: uuidFrom(this.random(16)),
        recipientAccountId: recipient,
        ...(e.caller.accessKeyId ? { accessKeyId: e.caller.accessKeyId } : {}),
        ...(e.caller.sourceIp ? { sourceIp: e.caller.sourceIp } : {}),
        ...(e.caller.viaService ? { viaService: e.caller.viaService } : {}),
        ...(e.caller.userAgent ? { userAgent: e.caller.userAgent } : {}),
        ...(e.responseElements ? { responseElements: e.responseElements } : {}),
        ...(e.errorCode ? { errorCode: e.errorCode } : {}),
        ...(e.errorMessage ? { errorMessage: e.errorMessage } : {}),
        ...(sharedEventId ? { sharedEventId } : {}),
      });
      return this.log.append(recipient, event);
    }));
  }
}

/** The audit log directory of a keystore home (where `new Kms(...)` writes by default). */
export function auditDirOf(home: string): string {
  return join(home, 'audit');
}

/**
 * Opens the audit log of a keystore: `<home>/audit`, chained, signed and anchored with the audit
 * secret sealed in the keystore under its root key. This is what `new Kms({ store })` writes to;
 * use it to query and verify. `durable` (default true: each group commit is fdatasynced before
 * its calls return): docs/ACCESS.md "Crash window".
 */
export function openAuditLogFor(
  store: AuditKeystore & { readonly clock?: Clock; readonly random?: Random },
  opts: { readonly durable?: AuditLogOptions['durable']; readonly clock?: Clock; readonly random?: Random; readonly digestEvery?: number } = {},
): AuditLog {
  const clock = opts.clock ?? store.clock;
  const random = opts.random ?? store.random;
  return AuditLog.open({
    dir: auditDirOf(store.home), keystore: store,
    ...(clock ? { clock } : {}), ...(random ? { random } : {}),
    ...(opts.durable !== undefined ? { durable: opts.durable } : {}),
    ...(opts.digestEvery !== undefined ? { digestEvery: opts.digestEvery } : {}),
  });
}
