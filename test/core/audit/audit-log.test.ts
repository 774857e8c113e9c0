/** Audit log: CloudTrail-like events, hash chain, signed digests, tamper detection, query. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { buildAuditEvent, uuidFrom, type AuditEvent } from '../../../packages/core/src/audit/audit-event.js';
import { verifyAuditLog } from '../../../packages/core/src/audit/audit-verify.js';
import { ed25519Signer } from '../../../packages/core/src/audit/audit-chain.js';

function seeded(seed = 1) {
  let x = seed;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  };
}
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function makeEvent(random: (n: number) => Uint8Array, i: number, over: Partial<Parameters<typeof buildAuditEvent>[0]> = {}): AuditEvent {
  return buildAuditEvent({
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    operation: i % 3 === 0 ? 'Decrypt' : 'Encrypt',
    principal: 'arn:aws:iam::111122223333:user/alice',
    principalAccountId: '111122223333',
    region: 'us-east-1',
    requestParameters: { KeyId: KEY, EncryptionContext: { app: 'x' }, Plaintext: new TextEncoder().encode('TOP-SECRET-PLAINTEXT'), GrantTokens: ['tok'] },
    responseElements: { KeyId: KEY, CiphertextBlob: new Uint8Array(8), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    resources: [KEY],
    requestId: uuidFrom(random(16)),
    eventId: uuidFrom(random(16)),
    recipientAccountId: '111122223333',
    ...over,
  });
}

describe('audit log', () => {
  let dir: string;
  let log: AuditLog;
  let random: (n: number) => Uint8Array;
  let t = Date.UTC(2026, 0, 1);
  const clock = () => new Date(t);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-audit-'));
    random = seeded(7);
    t = Date.UTC(2026, 0, 1);
    log = AuditLog.open({ dir, clock, random, digestEvery: 4, durable: false });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function fill(n: number) {
    for (let i = 1; i <= n; i++) await log.append('111122223333', makeEvent(random, i));
  }
  const files = () => log.readFiles('111122223333');
  const eventsPath = () => join(dir, '111122223333', 'events.jsonl');
  const lines = () => readFileSync(eventsPath(), 'utf8').split('\n').filter(Boolean);
  const writeLines = (ls: string[]) => writeFileSync(eventsPath(), ls.map((l) => l + '\n').join(''));

  it('records CloudTrail fields and never plaintext, tokens or blobs', async () => {
    await fill(1);
    const [e] = log.events('111122223333');
    assert.ok(e);
    assert.equal(e.eventVersion, '1.08');
    assert.equal(e.eventSource, 'kms.amazonaws.com');
    assert.equal(e.eventName, 'Encrypt');
    assert.equal(e.userIdentity.type, 'IAMUser');
    assert.equal(e.userIdentity.userName, 'alice');
    assert.deepEqual(e.resources, [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN: KEY }]);
    assert.deepEqual(e.requestParameters, { KeyId: KEY, EncryptionContext: { app: 'x' } });
    assert.deepEqual(e.responseElements, { KeyId: KEY, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    assert.equal(e.readOnly, false);
    assert.equal(e.recipientAccountId, '111122223333');
    const raw = readFileSync(eventsPath(), 'utf8');
    assert.ok(!raw.includes('TOP-SECRET-PLAINTEXT') && !raw.includes('tok"'));
  });

  it('chains events and writes signed digests every N events', async () => {
    await fill(10);
    const r = log.verify('111122223333');
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 10);
    assert.equal(r.digests, 2);
    assert.equal(r.signedThrough, 8);
    const d = await log.writeDigest('111122223333');
    assert.equal(d?.endSequence, 10);
    assert.equal(await log.writeDigest('111122223333'), undefined);
    assert.equal(log.verify('111122223333').signedThrough, 10);
  });

  it('writes a digest once the oldest undigested event is older than the interval', async () => {
    await fill(2);
    assert.equal(log.verify('111122223333').digests, 0);
    t += 3_601_000;
    await log.append('111122223333', makeEvent(random, 3));
    const r = log.verify('111122223333');
    assert.deepEqual([r.digests, r.signedThrough, r.ok], [1, 3, true]);
  });

  it('detects an edited event', async () => {
    await fill(6);
    const ls = lines();
    ls[2] = ls[2]!.replace('user/alice', 'user/mallory');
    writeLines(ls);
    const r = log.verify('111122223333');
    assert.equal(r.ok, false);
    assert.equal(r.issues[0]!.kind, 'edited');
    assert.equal(r.issues[0]!.line, 3);
    assert.equal(r.issues[0]!.sequence, 3);
  });

  it('detects a deleted event', async () => {
    await fill(6);
    const ls = lines();
    ls.splice(3, 1);
    writeLines(ls);
    const r = log.verify('111122223333');
    assert.equal(r.issues.length, 1, JSON.stringify(r.issues));
    assert.equal(r.issues[0]!.kind, 'deleted');
    assert.equal(r.issues[0]!.sequence, 4);
  });

  it('detects a truncated tail through the digests', async () => {
    await fill(8);
    writeLines(lines().slice(0, 6));
    const r = log.verify('111122223333');
    assert.ok(r.issues.some((i) => i.kind === 'deleted' && i.sequence === 7), JSON.stringify(r.issues));
  });

  it('detects an inserted event (chained to its predecessor) and a forged one', async () => {
    await fill(6);
    const ls = lines();
    const prev = JSON.parse(ls[1]!);
    const { hashLine } = await import('../../../packages/core/src/audit/audit-chain.js');
    const fake = JSON.stringify({ sequence: 3, previousHash: hashLine(ls[1]!), event: { ...prev.event, eventName: 'ScheduleKeyDeletion' } });
    writeLines([...ls.slice(0, 2), fake, ...ls.slice(2)]);
    let r = log.verify('111122223333');
    assert.equal(r.issues.length, 1, JSON.stringify(r.issues));
    assert.equal(r.issues[0]!.kind, 'inserted');
    assert.equal(r.issues[0]!.line, 3);
    const forged = JSON.stringify({ sequence: 99, previousHash: 'ab'.repeat(32), event: prev.event });
    writeLines([...ls.slice(0, 4), forged, ...ls.slice(4)]);
    r = log.verify('111122223333');
    assert.equal(r.issues.length, 1, JSON.stringify(r.issues));
    assert.equal(r.issues[0]!.kind, 'inserted');
    assert.equal(r.issues[0]!.line, 5);
  });

  it('detects reordered events', async () => {
    await fill(6);
    const ls = lines();
    [ls[2], ls[3]] = [ls[3]!, ls[2]!];
    writeLines(ls);
    const r = log.verify('111122223333');
    assert.equal(r.issues.length, 1, JSON.stringify(r.issues));
    assert.equal(r.issues[0]!.kind, 'reordered');
    assert.equal(r.issues[0]!.sequence, 3);
  });

  it('detects an edit hidden by rewriting the chain, through the signed digest', async () => {
    await fill(8);
    const { hashLine } = await import('../../../packages/core/src/audit/audit-chain.js');
    const ls = lines().map((l) => JSON.parse(l));
    ls[1].event.errorCode = 'AccessDeniedException';
    let prev = '0'.repeat(64);
    const out = ls.map((r) => {
      const line = JSON.stringify({ sequence: r.sequence, previousHash: prev, event: r.event });
      prev = hashLine(line);
      return line;
    });
    writeLines(out);
    const r = log.verify('111122223333');
    assert.ok(r.issues.some((i) => i.kind === 'edited' && /digest 1/.test(i.message)), JSON.stringify(r.issues));
  });

  it('rejects digests signed by another key', async () => {
    await fill(4);
    const f = files();
    const other = ed25519Signer(new Uint8Array(32).fill(9));
    const { toHex } = await import('../../../packages/core/src/audit/audit-chain.js');
    const r = verifyAuditLog(f.events, f.digests, toHex(other.publicKey));
    assert.equal(r.issues[0]!.kind, 'digest');
  });

  it('recovers from a torn final line and keeps the chain', async () => {
    await fill(3);
    appendFileSync(eventsPath(), '{"sequence":4,"previousHash":"ab');
    const before = log.verify('111122223333');
    assert.deepEqual(before.issues.map((i) => [i.kind, i.line]), [['torn', 4]]);
    assert.match(before.issues[0]!.message, /line 4 is incomplete .* the next append removes it/);
    assert.equal(before.events, 3);
    await log.append('111122223333', makeEvent(random, 4));
    const r = log.verify('111122223333');
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 4);
  });

  it('keeps a complete final event whose newline was lost (and a digest\'s)', async () => {
    await fill(5); // one digest, after event 4
    const digestsPath = join(dir, '111122223333', 'digests.jsonl');
    for (const p of [eventsPath(), digestsPath]) writeFileSync(p, readFileSync(p, 'utf8').replace(/\n$/, ''));
    assert.deepEqual(log.verify('111122223333').issues, []);
    await log.append('111122223333', makeEvent(random, 6));
    await log.writeDigest('111122223333');
    const r = log.verify('111122223333');
    assert.deepEqual(r.issues, []);
    assert.deepEqual([r.events, r.digests, r.signedThrough], [6, 2, 6]);
  });

  it('refuses to chain to a last line that is not a record, with a typed error', async () => {
    await fill(2);
    appendFileSync(eventsPath(), 'not a record\n');
    await assert.rejects(log.append('111122223333', makeEvent(random, 3)), (e: Error) => {
      assert.equal(e.name, 'KeystoreException');
      assert.match(e.message, /last line of .*events\.jsonl is not a valid record.*audit verify/);
      return true;
    });
    await assert.rejects(log.writeDigest('111122223333'), { name: 'KeystoreException' });
    assert.deepEqual(log.verify('111122223333').issues.map((i) => i.kind), ['edited']);
  });

  it('drops a torn final line at its exact byte offset when the log holds multi-byte characters', async () => {
    // The tail is read in 4 KiB chunks; a chunk that starts inside a multi-byte character must not
    // shift where the torn line is cut (that left torn bytes glued to the next event).
    for (let i = 1; i <= 2; i++) {
      await log.append('111122223333', makeEvent(random, i, { requestParameters: { KeyId: KEY, EncryptionContext: { note: 'é'.repeat(1500) } } }));
    }
    await log.append('111122223333', makeEvent(random, 3));
    let torn = '{"sequence":4,"previousHash":"';
    for (;;) {
      const bytes = Buffer.concat([readFileSync(eventsPath()), Buffer.from(torn)]);
      if ((bytes[bytes.length - 4096]! & 0xc0) === 0x80) break; // the chunk starts on a continuation byte
      torn += 'a';
    }
    appendFileSync(eventsPath(), torn);
    await log.append('111122223333', makeEvent(random, 4));
    const r = log.verify('111122223333');
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 4);
  });

  it('serializes concurrent appends from two handles on the same directory', async () => {
    const other = AuditLog.open({ dir, clock, random: seeded(99), digestEvery: 1000, durable: false });
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? log : other).append('111122223333', makeEvent(random, i))));
    const r = log.verify('111122223333');
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 40);
  });

  it('queries by key, principal, event name, error and time range', async () => {
    await fill(6);
    await log.append('111122223333', makeEvent(random, 7, { principal: 'arn:aws:iam::111122223333:role/Worker', errorCode: 'AccessDeniedException', errorMessage: 'denied' }));
    assert.equal(log.query({ accountId: '111122223333', eventName: 'Decrypt' }).length, 2);
    assert.equal(log.query({ accountId: '111122223333', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }).length, 7);
    assert.equal(log.query({ accountId: '111122223333', keyId: 'nope' }).length, 0);
    assert.equal(log.query({ principal: 'arn:aws:iam::111122223333:role/Worker' }).length, 1);
    assert.equal(log.query({ principal: 'alice' }).length, 6);
    assert.equal(log.query({ error: 'AccessDeniedException' })[0]!.errorMessage, 'denied');
    assert.equal(log.query({ error: true }).length, 1);
    assert.equal(log.query({ error: false }).length, 6);
    assert.equal(log.query({ from: new Date(Date.UTC(2026, 0, 1, 0, 0, 3)), to: new Date(Date.UTC(2026, 0, 1, 0, 0, 5)) }).length, 2);
    assert.equal(log.query({ limit: 2, newestFirst: true })[0]!.eventTime, '2026-01-01T00:00:07Z');
  });
});

describe('audit log across processes', function () {
  this.timeout(60_000);
  it('three processes appending at once keep one valid chain with signed digests', async () => {
    const { spawn } = await import('node:child_process');
    const dir = mkdtempSync(join(tmpdir(), 'envelope-audit-mp-'));
    try {
      AuditLog.open({ dir }); // create the signing key first so the workers share it
      const worker = new URL('./append-worker.ts', import.meta.url).pathname;
      const run = (who: string) => new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', worker, dir, who, '30'], { stdio: 'inherit' });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${who} exited ${code}`))));
      });
      await Promise.all([run('a'), run('b'), run('c')]);
      const log = AuditLog.open({ dir });
      const r = log.verify('111122223333');
      assert.deepEqual(r.issues, []);
      assert.equal(r.events, 90);
      assert.ok(r.digests >= 12, `digests: ${r.digests}`);
      assert.deepEqual(new Set(log.events('111122223333').map((e) => e.eventID)).size, 90);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('audit log: first use by processes at once', function () {
  this.timeout(60_000);
  it('processes that create the signing key at the same moment all sign with the one on disk', async () => {
    const { spawn } = await import('node:child_process');
    const { writeFileSync } = await import('node:fs');
    const base = mkdtempSync(join(tmpdir(), 'envelope-audit-first-'));
    const dir = join(base, 'audit');
    const go = join(base, 'go');
    try {
      const worker = new URL('./append-worker.ts', import.meta.url).pathname;
      const run = (who: string) => new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['--import', 'tsx', worker, dir, who, '8', go], { stdio: 'inherit' });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${who} exited ${code}`))));
      });
      const runs = [run('a'), run('b'), run('c'), run('d')];
      await new Promise((r) => setTimeout(r, 1500)); // every worker loaded and waiting
      writeFileSync(go, '');
      await Promise.all(runs);
      const r = AuditLog.open({ dir }).verify('111122223333');
      assert.deepEqual(r.issues, []);
      assert.equal(r.events, 32);
      assert.ok(r.digests >= 4, `digests: ${r.digests}`);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('audit verify: every position of every kind of tampering (pure)', () => {
  it('classifies edits, deletions, insertions and moves anywhere but after the last digest boundary', async () => {
    const { encodeRecord, hashLine, GENESIS_HASH } = await import('../../../packages/core/src/audit/audit-chain.js');
    const N = 12;
    const base: string[] = [];
    let prev = GENESIS_HASH;
    for (let i = 1; i <= N; i++) {
      const l = encodeRecord({ sequence: i, previousHash: prev, event: { eventID: `e${i}`, eventName: 'Encrypt' } as unknown as AuditEvent });
      base.push(l);
      prev = hashLine(l);
    }
    const kindOf = (ls: string[]) => verifyAuditLog(ls.join('\n') + '\n').issues[0]?.kind;
    for (let i = 0; i < N - 1; i++) {
      const edited = [...base];
      edited[i] = edited[i]!.replace('"Encrypt"', '"Decrypt"');
      assert.equal(kindOf(edited), 'edited', `edit at ${i}`);
      const deleted = [...base];
      deleted.splice(i, 1);
      assert.equal(kindOf(deleted), 'deleted', `delete at ${i}`);
      const r = JSON.parse(base[i]!);
      const inserted = [...base];
      inserted.splice(i + 1, 0, JSON.stringify({ sequence: r.sequence + 1, previousHash: hashLine(base[i]!), event: { eventID: 'forged' } }));
      assert.equal(kindOf(inserted), 'inserted', `insert after ${i}`);
      for (let k = 1; i + k < N; k++) {
        const moved = [...base];
        const [x] = moved.splice(i, 1);
        moved.splice(i + k, 0, x!);
        assert.equal(kindOf(moved), 'reordered', `move ${i} by ${k}`);
      }
    }
    assert.equal(kindOf(base), undefined);
  });
});
