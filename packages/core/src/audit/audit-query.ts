/**
 * `audit query`: filters audit events by key, principal, event name, error and time range (after
 * CloudTrail's LookupEvents attributes EventName, Username, ResourceName and StartTime/EndTime).
 * Pure.
 */
import type { AuditEvent } from './audit-event.js';

export interface AuditQuery {
  /** Key id, key ARN, or alias name: matches the event's resources and requestParameters.KeyId. */
  readonly keyId?: string;
  /** Principal ARN (userIdentity.arn), or a user/role name. */
  readonly principal?: string;
  readonly eventName?: string;
  /** An errorCode ("AccessDeniedException"), or true for any error / false for successes only. */
  readonly error?: string | boolean;
  /** Inclusive lower bound on eventTime. */
  readonly from?: Date;
  /** Exclusive upper bound on eventTime. */
  readonly to?: Date;
  /** At most this many events (the newest ones when `newestFirst`). */
  readonly limit?: number;
  readonly newestFirst?: boolean;
}

function keyMatches(e: AuditEvent, keyId: string): boolean {
  const want = keyId.toLowerCase();
  const match = (s: unknown) => {
    if (typeof s !== 'string') return false;
    const v = s.toLowerCase();
    return v === want || v.endsWith(`/${want}`) || v.endsWith(`:${want}`);
  };
  if (e.resources.some((r) => match(r.ARN))) return true;
  const p = e.requestParameters ?? {};
  return ['KeyId', 'SourceKeyId', 'DestinationKeyId', 'TargetKeyId', 'AliasName'].some((k) => match(p[k]));
}

/** True when the event satisfies every given filter. */
export function matchesQuery(e: AuditEvent, q: AuditQuery): boolean {
  if (q.keyId !== undefined && !keyMatches(e, q.keyId)) return false;
  if (q.principal !== undefined) {
    const arn = e.userIdentity.arn || e.userIdentity.principalId;
    if (arn !== q.principal && !arn.endsWith(`/${q.principal}`) && e.userIdentity.userName !== q.principal) return false;
  }
  if (q.eventName !== undefined && e.eventName.toLowerCase() !== q.eventName.toLowerCase()) return false;
  if (q.error === true && !e.errorCode) return false;
  if (q.error === false && e.errorCode) return false;
  if (typeof q.error === 'string' && e.errorCode !== q.error) return false;
  const t = Date.parse(e.eventTime);
  if (q.from && t < q.from.getTime()) return false;
  if (q.to && t >= q.to.getTime()) return false;
  return true;
}

/** Applies a query to events in log order. */
export function queryAuditEvents(events: Iterable<AuditEvent>, q: AuditQuery): AuditEvent[] {
  let out: AuditEvent[] = [];
  for (const e of events) if (matchesQuery(e, q)) out.push(e);
  if (q.newestFirst) out = out.reverse();
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  return out;
}
