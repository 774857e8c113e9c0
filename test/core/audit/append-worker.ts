/**
 * Child process for the multi-process audit tests: appends N events to one account's log. With a
 * fourth argument it first waits for that file to exist, so several workers open the log at once.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { buildAuditEvent } from '../../../packages/core/src/audit/audit-event.js';

const [dir, who, count, go] = process.argv.slice(2) as [string, string, string, string?];
while (go !== undefined && !existsSync(go)) await sleep(1);
const log = AuditLog.open({ dir, digestEvery: 7 });
for (let i = 0; i < Number(count); i++) {
  await log.append('111122223333', buildAuditEvent({
    time: new Date(Date.UTC(2026, 0, 1)), operation: 'Encrypt', principal: `arn:aws:iam::111122223333:user/${who}`,
    principalAccountId: '111122223333', region: 'us-east-1', requestId: `${who}-${i}`, eventId: `${who}-${i}`,
    recipientAccountId: '111122223333',
  }));
}
