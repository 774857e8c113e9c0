/**
 * Core papercuts (issue 15 item 5): AWS managed key policies match AWS's own for the services we
 * model (aws/ebs is used through EC2), and an audit sink failing on a failed call does not hide the
 * call's own error (a full disk must be reported by the write that failed first).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { awsManagedKeyPolicy } from '../../../packages/core/src/policy/default-key-policy.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { ROOT_KEY, seededRandom, tempHome, testClock } from './helpers.js';

const policies = JSON.parse(readFileSync(new URL('../../../fixtures/policies/policies.json', import.meta.url), 'utf8')) as { key: Record<string, unknown> };

describe('kms papercuts', () => {
  it('the aws/ebs key policy is AWS\'s (kms:ViaService ec2.<region>.amazonaws.com, Id auto-ebs-2)', () => {
    assert.deepEqual(JSON.parse(awsManagedKeyPolicy('111122223333', 'ebs', 'us-east-1')), policies.key['aws-managed-ebs']);
  });

  it('a failing audit sink does not replace the call\'s own error', async () => {
    const env = tempHome('envelope-auditfail-');
    try {
      const clock = testClock();
      const store = Keystore.open({ home: env.home, rootKey: ROOT_KEY, clock, random: seededRandom(env.home), durable: false });
      const audit = { record: async () => { throw Object.assign(new Error('ENOSPC: no space left on device, open \'audit.lock\''), { code: 'ENOSPC' }); } };
      const kms = new Kms({ store, clock, audit });
      await assert.rejects(kms.DescribeKey({ KeyId: 'alias/none' }), (e: Error) => e.name === 'NotFoundException');
    } finally {
      env.cleanup();
    }
  });
});
