/**
 * The Kms door's AuditSink writing CloudTrail-like events to the audit log (audit/audit-log.ts).
 * Every call, allowed or denied, is recorded in the caller's account; a call on a key of another
 * account is recorded in that account too (CloudTrail "cross-account events": each copy has its
 * own eventID and recipientAccountId, both share a sharedEventID and the requestID).
 */
import { join } from 'node:path';
import { systemRandom, type Clock, type Random } from '../defaults.js';
import { arnAccount, buildAuditEvent, uuidFrom } from '../audit/audit-event.js';
import { AuditLog, type AuditLogOptions, type KeySealer } from '../audit/audit-log.js';
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
    for (const recipient of recipients) {
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
      await this.log.append(recipient, event);
    }
  }
}

/** The audit log directory of a keystore home (where `new Kms(...)` writes by default). */
export function auditDirOf(home: string): string {
  return join(home, 'audit');
}

/**
 * Opens the audit log of a keystore: `<home>/audit`, digests signed with a key sealed under the
 * keystore's root key. This is what `new Kms({ store })` writes to; use it to query and verify.
 * `durable: true` fsyncs every event (docs/ACCESS.md "Crash window"; default: at digests).
 */
export function openAuditLogFor(
  store: { readonly home: string; readonly sealer: KeySealer; readonly clock?: Clock; readonly random?: Random },
  opts: { readonly durable?: AuditLogOptions['durable'] } = {},
): AuditLog {
  return AuditLog.open({
    dir: auditDirOf(store.home), sealer: store.sealer,
    ...(store.clock ? { clock: store.clock } : {}), ...(store.random ? { random: store.random } : {}),
    ...(opts.durable !== undefined ? { durable: opts.durable } : {}),
  });
}
