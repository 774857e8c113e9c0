/**
 * Child process for the multi-process audit tests: appends N events to one account's log of the
 * keystore at HOME. With a GO path it first waits for that file to exist, so several workers open
 * the log at once. With "ack" it keeps 16 appends in flight and prints each event's id as soon as
 * its append resolves (the moment a server would send the response), for the SIGKILL test.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { buildAuditEvent } from '../../../packages/core/src/audit/audit-event.js';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';

const [home, who, count, go, mode] = process.argv.slice(2) as [string, string, string, string?, string?];
while (go && !existsSync(go)) await sleep(1);
const store = Keystore.open({ home });
const log = AuditLog.open({ dir: join(home, 'audit'), keystore: store, digestEvery: 7, durable: 'digest' });
const event = (i: number) => buildAuditEvent({
  time: new Date(Date.UTC(2026, 0, 1)), operation: 'Encrypt', principal: `arn:aws:iam::111122223333:user/${who}`,
  principalAccountId: '111122223333', region: 'us-east-1', requestId: `${who}-${i}`, eventId: `${who}-${i}`,
  recipientAccountId: '111122223333',
});
if (mode === 'ack') {
  // Durability "digest": a process crash must not lose a resolved append even without per-commit fsync.
  let next = 0;
  const lane = async () => {
    while (next < Number(count)) {
      const i = next++;
      await log.append('111122223333', event(i));
      process.stdout.write(`${who}-${i}\n`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
} else {
  for (let i = 0; i < Number(count); i++) await log.append('111122223333', event(i));
}
