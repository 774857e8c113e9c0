// Replication journal (docs/WORKFLOWS.md §6) and the share key-policy statement (§3).
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplicationJournal, objectFingerprint } from '../../../packages/core/src/workflows/replication-journal.js';
import { addKeyAccess, keyAccessStatement, removeKeyAccess } from '../../../packages/core/src/workflows/key-access-statement.js';

describe('workflows: replication journal', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'env-journal-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('remembers finished objects across reopen, by fingerprint, ignoring a torn line', async () => {
    const path = join(dir, 'j');
    const fp = objectFingerprint(10, 1234.7, 'arn:k');
    const j1 = await ReplicationJournal.open(path);
    await j1.record({ key: 'a/b', fingerprint: fp, outcome: 'replicated', at: 't' });
    await j1.close();
    await appendFile(path, '{"key":"c","finger');
    const j2 = await ReplicationJournal.open(path);
    assert.equal(j2.finished('a/b', fp)?.outcome, 'replicated');
    assert.equal(j2.finished('a/b', objectFingerprint(11, 1234, 'arn:k')), undefined);
    assert.equal(j2.finished('c', fp), undefined);
    await j2.record({ key: 'c', fingerprint: fp, outcome: 'skipped-customer-key', at: 't' });
    await j2.close();
    const j3 = await ReplicationJournal.open(path);
    assert.equal(j3.finished('c', fp)?.outcome, 'skipped-customer-key');
    await j3.close();
    assert.equal((await readFile(path, 'utf8')).split('\n').filter((l) => l.startsWith('{"key":"c","fingerprint"')).length, 1);
  });
});

describe('workflows: share key-policy statement', () => {
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' }] });

  it('adds exactly the minimal statement once, and removes it', () => {
    const added = addKeyAccess(policy, '222222222222');
    assert.ok(added);
    const doc = JSON.parse(added);
    assert.equal(doc.Statement.length, 2);
    assert.deepEqual(doc.Statement[1], keyAccessStatement('222222222222'));
    assert.deepEqual(doc.Statement[1].Action, ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant']);
    assert.deepEqual(doc.Statement[1].Principal, { AWS: 'arn:aws:iam::222222222222:root' });
    assert.equal(addKeyAccess(added, '222222222222'), undefined);
    assert.deepEqual(JSON.parse(removeKeyAccess(added, '222222222222')!), JSON.parse(policy));
    assert.equal(removeKeyAccess(policy, '222222222222'), undefined);
  });

  it('can restrict the statement to the workflow service', () => {
    const s = keyAccessStatement('222222222222', { viaService: 'ec2.us-east-1.amazonaws.com' });
    assert.deepEqual(s.Condition, { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.amazonaws.com' } });
  });

  it('rejects a policy that is not JSON', () => {
    assert.throws(() => addKeyAccess('{', '222222222222'), { name: 'MalformedPolicyDocumentException' });
  });
});
