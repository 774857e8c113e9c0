/** Child process for the multi-process audit test: appends N events to one account's log. */
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { buildAuditEvent } from '../../../packages/core/src/audit/audit-event.js';

const [dir, who, count] = process.argv.slice(2) as [string, string, string];
const log = AuditLog.open({ dir, digestEvery: 7 });
for (let i = 0; i < Number(count); i++) {
  await log.append('111122223333', buildAuditEvent({
    time: new Date(Date.UTC(2026, 0, 1)), operation: 'Encrypt', principal: `arn:aws:iam::111122223333:user/${who}`,
    principalAccountId: '111122223333', region: 'us-east-1', requestId: `${who}-${i}`, eventId: `${who}-${i}`,
    recipientAccountId: '111122223333',
  }));
}
