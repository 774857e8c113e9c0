/**
 * Crash safety of the audit log behind `envelope serve` (docs/ACCESS.md "Crash window"): the real
 * bin serves 16 AWS SDK clients doing GenerateDataKey, each with its own encryption context; it is
 * SIGKILLed in the middle of the load. Every call whose response reached a client must have its
 * event in the log (group commit resolves appends only after their group is written), and the log
 * must verify, except at most a torn last line (a group cut short, whose calls never returned).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AuditLog } from '../../packages/core/src/audit/audit-log.js';
import { Keystore } from '../../packages/core/src/keystore/keystore.js';
import { BIN, ok, tempHome } from './helpers.js';

const A = '111122223333';

describe('envelope serve: audit events survive SIGKILL', function () {
  this.timeout(120_000);

  it('no event is lost for a response already sent', async () => {
    const { dir: home, cleanup } = await tempHome('envelope-audit-crash-');
    const child = spawn(process.execPath, [BIN, '--json', 'serve', '--port', '0'], {
      env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const keyId = (await ok(['--json', 'key', 'create'], { home })).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
      await ok(['iam', 'create-user', '--name', 'load'], { home });
      await ok(['iam', 'put-policy', '--user', 'load', '--name', 'kms', '--document',
        JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: '*' }] })], { home });
      const key = (await ok(['--json', 'iam', 'create-access-key', '--user', 'load'], { home })).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>().AccessKey;
      const endpoint = await new Promise<string>((res, rej) => {
        let buf = '';
        child.stdout!.on('data', (c: Buffer) => {
          buf += c.toString();
          const nl = buf.indexOf('\n');
          if (nl >= 0) res(JSON.parse(buf.slice(0, nl)).Endpoint as string);
        });
        child.once('exit', (code) => rej(new Error(`envelope serve exited ${code}`)));
      });
      const kms = new KMSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey }, maxAttempts: 1 });
      const acked: string[] = [];
      let next = 0;
      let failed = 0;
      const lane = async () => {
        while (acked.length < 400) {
          const n = String(next++);
          try {
            await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { n } }));
            acked.push(n);
          } catch {
            failed++;
            return; // the server is gone
          }
        }
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      await Promise.all(Array.from({ length: 16 }, lane));
      if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
      assert.equal(child.signalCode, 'SIGKILL');
      kms.destroy();

      const log = AuditLog.open({ dir: join(home, 'audit'), keystore: Keystore.open({ home }) });
      const logged = new Set(log.query({ accountId: A, eventName: 'GenerateDataKey' })
        .map((e) => (e.requestParameters?.['EncryptionContext'] as { n?: string } | undefined)?.n));
      const lost = acked.filter((n) => !logged.has(n));
      assert.ok(acked.length >= 400, `acknowledged ${acked.length}, failed ${failed}`);
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} answered calls have no audit event`);
      const r = log.verify(A);
      assert.ok(r.issues.every((i) => i.kind === 'torn'), JSON.stringify(r.issues));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await cleanup();
    }
  });
});
