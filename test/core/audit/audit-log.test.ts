/**
 * Audit log (docs/ACCESS.md "Audit log"): CloudTrail-like events, the keyed (HMAC) chain, signed
 * digests, head file and keystore anchor; one test per kind of tampering; group commit; query.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../packages/core/src/audit/audit-log.js';
import { buildAuditEvent, uuidFrom, type AuditEvent } from '../../../packages/core/src/audit/audit-event.js';
import { verifyAuditLog, type TamperKind, type VerifyReport } from '../../../packages/core/src/audit/audit-verify.js';
import {
  deriveAuditKeys, ed25519Signer, encodeHead, encodeRecord, GENESIS_MAC, signDigest, toHex, type DigestRecord,
} from '../../../packages/core/src/audit/audit-chain.js';
import { AUDIT_SECTION, type AuditTrustSection } from '../../../packages/core/src/audit/audit-trust.js';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { ROOT_KEY, seededRandom } from '../kms/helpers.js';

const A = '111122223333';
const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export function makeEvent(random: (n: number) => Uint8Array, i: number, over: Partial<Parameters<typeof buildAuditEvent>[0]> = {}): AuditEvent {
  return buildAuditEvent({
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    operation: i % 3 === 0 ? 'Decrypt' : 'Encrypt',
    principal: 'arn:aws:iam::111122223333:user/alice',
    principalAccountId: A,
    region: 'us-east-1',
    requestParameters: { KeyId: KEY, EncryptionContext: { app: 'x' }, Plaintext: new TextEncoder().encode('TOP-SECRET-PLAINTEXT'), GrantTokens: ['tok'] },
    responseElements: { KeyId: KEY, CiphertextBlob: new Uint8Array(8), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    resources: [KEY],
    requestId: uuidFrom(random(16)),
    eventId: uuidFrom(random(16)),
    recipientAccountId: A,
    ...over,
  });
}

describe('audit log', () => {
  let home: string;
  let dir: string;
  let store: Keystore;
  let log: AuditLog;
  let random: (n: number) => Uint8Array;
  let t = Date.UTC(2026, 0, 1);
  const clock = () => new Date(t);
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'envelope-audit-'));
    dir = join(home, 'audit');
    random = seededRandom('audit');
    t = Date.UTC(2026, 0, 1);
    store = Keystore.open({ home, rootKey: ROOT_KEY, clock, random, durable: false });
    log = AuditLog.open({ dir, keystore: store, clock, random, digestEvery: 4, anchorEvery: 8, durable: false });
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  async function fill(n: number, from = 1) {
    for (let i = from; i < from + n; i++) await log.append(A, makeEvent(random, i));
  }
  const path = (f: string) => join(dir, A, f);
  const lines = (f = 'events.jsonl') => readFileSync(path(f), 'utf8').split('\n').filter(Boolean);
  const writeLines = (ls: string[], f = 'events.jsonl') => writeFileSync(path(f), ls.map((l) => l + '\n').join(''));
  const kinds = (r: VerifyReport) => r.issues.map((i) => i.kind);

  it('records CloudTrail fields and never plaintext, tokens or blobs', async () => {
    await fill(1);
    const [e] = log.events(A);
    assert.ok(e);
    assert.equal(e.eventVersion, '1.08');
    assert.equal(e.eventName, 'Encrypt');
    assert.equal(e.userIdentity.userName, 'alice');
    assert.deepEqual(e.requestParameters, { KeyId: KEY, EncryptionContext: { app: 'x' } });
    assert.deepEqual(e.responseElements, { KeyId: KEY, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    for (const f of ['events.jsonl', 'digests.jsonl', 'head.json']) {
      const raw = readFileSync(path(f), 'utf8');
      assert.ok(!raw.includes('TOP-SECRET-PLAINTEXT') && !raw.includes('tok"'), f);
    }
    // The audit secret lives in the keystore, sealed: nothing in the audit directory is key material.
    const section = store.read().sections[AUDIT_SECTION] as AuditTrustSection;
    assert.equal(section.secret.length, 12 + 32 + 16);
    const keys = deriveAuditKeys(store.sealer.open(section.secret, 'envelope/audit/secret/v2'));
    assert.ok(!readFileSync(path('events.jsonl'), 'utf8').includes(toHex(keys.macKey)));
  });

  it('chains events with MACs, signs a digest at the first event and every N, anchors each in the keystore', async () => {
    await fill(10);
    const r = log.verify(A);
    assert.deepEqual(r.issues, []);
    assert.deepEqual([r.ok, r.version, r.events, r.digests, r.signedThrough, r.anchoredThrough, r.head, r.unanchored], [true, 2, 10, 3, 9, 9, 10, 1]);
    assert.deepEqual(kinds(log.verify(A, { strict: true })), ['unanchored']);
    const d = await log.writeDigest(A);
    assert.equal(d?.endSequence, 10);
    assert.equal(d?.digestSequence, 4);
    assert.equal(await log.writeDigest(A), undefined);
    const s = log.verify(A, { strict: true });
    assert.deepEqual([s.ok, s.signedThrough, s.anchoredThrough, s.unanchored], [true, 10, 10, 0]);
  });

  it('anchors in the keystore at the first digest and every anchorEvery events, never per event', async () => {
    const quiet = AuditLog.open({ dir, keystore: store, clock, random, digestEvery: 4, durable: false });
    const g0 = store.read().generation;
    for (let i = 1; i <= 40; i++) await quiet.append(A, makeEvent(random, i));
    assert.equal(store.read().generation - g0, 2); // the audit secret, then the first digest's anchor
    const r = quiet.verify(A);
    assert.deepEqual([r.ok, r.digests, r.signedThrough, r.anchoredThrough, r.unanchored], [true, 10, 37, 1, 39]);
    // Deleting the last digest lines, beyond the keystore anchor, is still caught through head.json.
    writeLines(lines('digests.jsonl').slice(0, 8), 'digests.jsonl');
    assert.ok(kinds(quiet.verify(A)).includes('digest'));
  });

  it('writes a digest once the last digest is older than the interval', async () => {
    await fill(2);
    assert.equal(log.verify(A).digests, 1);
    t += 3_601_000;
    await fill(1, 3);
    const r = log.verify(A);
    assert.deepEqual([r.digests, r.signedThrough, r.ok], [2, 3, true]);
  });

  it('verify with no signed digest is not ok', async () => {
    const r = log.verify(A);
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r), ['unsigned']); // no audit secret yet
    await log.append('444455556666', makeEvent(random, 1, { recipientAccountId: '444455556666' }));
    assert.deepEqual(kinds(log.verify(A)), ['unsigned']); // a secret, but no log and no anchor for A
    assert.equal(log.verify('444455556666').ok, true);
  });

  /** Every tampering of issue 15 item 2, each on a log of 10 events (digests after 1, 5 and 9; anchor at 9; head at 10). */
  const otherKey = deriveAuditKeys(new Uint8Array(32).fill(9));
  const cases: { name: string; kind: TamperKind; tamper: () => void | Promise<void> }[] = [
    { name: 'edit of an event', kind: 'edited', tamper: () => { const ls = lines(); ls[2] = ls[2]!.replace('user/alice', 'user/mallory'); writeLines(ls); } },
    { name: 'delete of an event', kind: 'deleted', tamper: () => { const ls = lines(); ls.splice(3, 1); writeLines(ls); } },
    {
      name: 'insert of a forged event', kind: 'inserted', tamper: () => {
        const ls = lines();
        const prev = JSON.parse(ls[2]!);
        const forged = encodeRecord(otherKey.macKey, A, { sequence: 4, previousMac: prev.mac, event: { ...prev.event, eventName: 'ScheduleKeyDeletion' } }).line;
        ls.splice(3, 0, forged);
        writeLines(ls);
      },
    },
    { name: 'insert of a copy of a genuine event', kind: 'inserted', tamper: () => { const ls = lines(); ls.splice(6, 0, ls[1]!); writeLines(ls); } },
    { name: 'reorder of events', kind: 'reordered', tamper: () => { const ls = lines(); [ls[3], ls[4]] = [ls[4]!, ls[3]!]; writeLines(ls); } },
    { name: 'truncation of the tail (past the anchor)', kind: 'truncated', tamper: () => writeLines(lines().slice(0, 7)) },
    { name: 'truncation of the last event only (head file)', kind: 'truncated', tamper: () => writeLines(lines().slice(0, 9)) },
    { name: 'truncation of the tail together with the last digest', kind: 'truncated', tamper: () => { writeLines(lines().slice(0, 7)); writeLines(lines('digests.jsonl').slice(0, 2), 'digests.jsonl'); } },
    { name: 'a torn last line', kind: 'torn', tamper: () => appendFileSync(path('events.jsonl'), '{"v":2,"sequence":11,"previousMac":"ab') },
    { name: 'a last line cut in half', kind: 'torn', tamper: () => truncateSync(path('events.jsonl'), readFileSync(path('events.jsonl')).length - 40) },
    { name: 'deletion of the digests file', kind: 'missing', tamper: () => unlinkSync(path('digests.jsonl')) },
    { name: 'deletion of the last digest line', kind: 'digest', tamper: () => writeLines(lines('digests.jsonl').slice(0, 2), 'digests.jsonl') },
    { name: 'deletion of both files', kind: 'missing', tamper: () => { unlinkSync(path('events.jsonl')); unlinkSync(path('digests.jsonl')); } },
    { name: 'emptying both files', kind: 'truncated', tamper: () => { writeFileSync(path('events.jsonl'), ''); writeFileSync(path('digests.jsonl'), ''); } },
    { name: "deletion of the account's audit directory", kind: 'missing', tamper: () => rmSync(join(dir, A), { recursive: true }) },
    { name: 'deletion of the whole audit directory', kind: 'missing', tamper: () => rmSync(dir, { recursive: true }) },
    {
      name: 'an edited event with a re-computed chain', kind: 'edited', tamper: () => {
        // Without the root key the attacker can only recompute the chain with a key of their own.
        let prev = GENESIS_MAC;
        const out = lines().map((l) => {
          const r = JSON.parse(l);
          if (r.sequence === 2) r.event.errorCode = 'AccessDeniedException';
          const e = encodeRecord(otherKey.macKey, A, { sequence: r.sequence, previousMac: prev, event: r.event });
          prev = e.mac;
          return e.line;
        });
        writeLines(out);
      },
    },
    {
      name: 'a forged event appended at the end', kind: 'inserted', tamper: () => {
        const last = JSON.parse(lines().at(-1)!);
        appendFileSync(path('events.jsonl'), encodeRecord(otherKey.macKey, A, { sequence: 11, previousMac: last.mac, event: { ...last.event, eventName: 'DisableKey' } }).line + '\n');
      },
    },
    {
      name: 'digests re-signed with another key', kind: 'digest', tamper: () => {
        const attacker = ed25519Signer(new Uint8Array(32).fill(0x42));
        let previousDigestSignature: string | null = null;
        writeLines(lines('digests.jsonl').map((l) => {
          const { signature: _s, publicKey: _p, ...d } = JSON.parse(l) as DigestRecord;
          const forged = signDigest({ ...d, previousDigestSignature }, attacker);
          previousDigestSignature = forged.signature;
          return JSON.stringify(forged);
        }), 'digests.jsonl');
      },
    },
    {
      name: 'the events file replaced by an unkeyed (v1-format) log', kind: 'edited', tamper: async () => {
        const { encodeRecord: encodeV1, hashLine, GENESIS_HASH } = await import('../../../packages/core/src/audit/audit-legacy.js');
        let prev = GENESIS_HASH;
        writeLines(lines().map((l) => {
          const line = encodeV1({ sequence: JSON.parse(l).sequence, previousHash: prev, event: JSON.parse(l).event });
          prev = hashLine(line);
          return line;
        }));
      },
    },
    { name: 'an edited head file', kind: 'anchor', tamper: () => writeFileSync(path('head.json'), JSON.stringify(encodeHead(otherKey.macKey, A, { sequence: 7, mac: GENESIS_MAC, digestSequence: 2, digestSignature: '' }))) },
    { name: 'deletion of the head file', kind: 'missing', tamper: () => unlinkSync(path('head.json')) },
    {
      name: 'an edited keystore anchor', kind: 'anchor', tamper: () => store.update((s) => {
        const sec = s.sections[AUDIT_SECTION] as AuditTrustSection;
        sec.accounts[A] = { ...sec.accounts[A]!, sequence: 5 };
      }),
    },
  ];
  for (const c of cases) {
    it(`catches ${c.name} (${c.kind})`, async () => {
      await fill(10);
      assert.deepEqual(log.verify(A).issues, []);
      await c.tamper();
      const r = log.verify(A);
      assert.equal(r.ok, false);
      assert.ok(kinds(r).includes(c.kind), `expected ${c.kind}, got ${JSON.stringify(r.issues)}`);
      for (const i of r.issues) assert.ok(i.message.length > 10 && !/undefined|NaN/.test(i.message), i.message);
    });
  }

  it('never restarts the chain or the digest numbers after the log was deleted: later appends keep showing the deletion', async () => {
    await fill(10);
    unlinkSync(path('events.jsonl'));
    unlinkSync(path('digests.jsonl'));
    unlinkSync(path('head.json'));
    const fresh = AuditLog.open({ dir, keystore: store, clock, random, digestEvery: 4, anchorEvery: 8, durable: false });
    for (let i = 11; i <= 110; i++) await fresh.append(A, makeEvent(random, i));
    const first = JSON.parse(lines()[0]!);
    assert.equal(first.sequence, 10); // continues after the keystore anchor (event 9)
    assert.equal(JSON.parse(lines('digests.jsonl')[0]!).digestSequence, 4);
    const r = fresh.verify(A);
    assert.equal(r.ok, false);
    assert.ok(kinds(r).includes('deleted') && kinds(r).includes('digest'), JSON.stringify(r.issues));
  });

  it('a torn last line (crash) is removed by the next append, which chains to the line before', async () => {
    await fill(3);
    appendFileSync(path('events.jsonl'), '{"v":2,"sequence":4,"previousMac":"ab');
    assert.deepEqual(kinds(log.verify(A)), ['torn']);
    await fill(1, 4);
    const r = log.verify(A);
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 4);
  });

  it('keeps a complete final event whose newline was lost (and a digest\'s)', async () => {
    await fill(5);
    for (const f of ['events.jsonl', 'digests.jsonl']) writeFileSync(path(f), readFileSync(path(f), 'utf8').replace(/\n$/, ''));
    assert.deepEqual(log.verify(A).issues, []);
    await fill(1, 6);
    await log.writeDigest(A);
    const r = log.verify(A);
    assert.deepEqual(r.issues, []);
    assert.deepEqual([r.events, r.digests, r.signedThrough], [6, 3, 6]);
  });

  it('refuses to chain to a last line that is not a genuine record, with a typed error', async () => {
    await fill(2);
    appendFileSync(path('events.jsonl'), 'not a record\n');
    const other = AuditLog.open({ dir, keystore: store, clock, random, durable: false });
    await assert.rejects(other.append(A, makeEvent(random, 3)), (e: Error) => {
      assert.equal(e.name, 'KeystoreException');
      assert.match(e.message, /last line of .*events\.jsonl is not a valid audit record.*audit verify/);
      return true;
    });
  });

  it('drops a torn final line at its exact byte offset when the log holds multi-byte characters', async () => {
    for (let i = 1; i <= 2; i++) await log.append(A, makeEvent(random, i, { requestParameters: { KeyId: KEY, EncryptionContext: { note: 'é'.repeat(1500) } } }));
    await fill(1, 3);
    let torn = '{"v":2,"sequence":4,"previousMac":"';
    for (;;) {
      const bytes = Buffer.concat([readFileSync(path('events.jsonl')), Buffer.from(torn)]);
      if ((bytes[bytes.length - 4096]! & 0xc0) === 0x80) break;
      torn += 'a';
    }
    appendFileSync(path('events.jsonl'), torn);
    const other = AuditLog.open({ dir, keystore: store, clock, random, durable: false });
    await other.append(A, makeEvent(random, 4));
    const r = log.verify(A);
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 4);
  });

  it('group-commits concurrent appends (from two handles) into one valid chain', async () => {
    const other = AuditLog.open({ dir, keystore: store, clock, random: seededRandom('other'), digestEvery: 1000, durable: true });
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? log : other).append(A, makeEvent(random, i))));
    const r = log.verify(A);
    assert.deepEqual(r.issues, []);
    assert.equal(r.events, 200);
    assert.equal(log.stats.events + other.stats.events, 200);
    assert.ok(log.stats.commits + other.stats.commits <= 10, `commits: ${log.stats.commits + other.stats.commits}`);
  });

  it('migrates a v1 log: moved aside, its length and last hash anchored, verified as legacy', async () => {
    const { encodeRecord: encodeV1, hashLine, GENESIS_HASH } = await import('../../../packages/core/src/audit/audit-legacy.js');
    const v1 = (events: AuditEvent[]) => {
      let prev = GENESIS_HASH;
      return events.map((event, i) => {
        const line = encodeV1({ sequence: i + 1, previousHash: prev, event });
        prev = hashLine(line);
        return line;
      });
    };
    const old = Array.from({ length: 5 }, (_, i) => makeEvent(random, i + 1));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, A), { recursive: true });
    writeLines(v1(old));
    const before = log.verify(A);
    assert.deepEqual([before.version, before.legacy, before.unanchored, before.ok], [1, { events: 5, digests: 0, migrated: false }, 5, false]);
    assert.deepEqual(kinds(before), ['unsigned']);
    await fill(1, 6);
    assert.ok(existsSync(path('legacy/events.v1.jsonl')) && !lines().some((l) => l.includes('previousHash')));
    const after = log.verify(A, { strict: true });
    assert.deepEqual(after.issues, []);
    assert.deepEqual([after.version, after.legacy, after.events], [2, { events: 5, digests: 0, migrated: true }, 1]);
    assert.equal(log.events(A).length, 6);
    // The legacy log rewritten after migration (an edit with its unkeyed chain recomputed): caught.
    const edited = old.map((e, i) => (i === 1 ? { ...e, eventName: 'ListKeys' } : e));
    writeLines(v1(edited), 'legacy/events.v1.jsonl');
    const r = log.verify(A);
    assert.equal(r.ok, false);
    assert.ok(r.issues.some((i) => i.kind === 'edited' && i.file === 'legacy-events'), JSON.stringify(r.issues));
  });

  it('queries by key, principal, event name, error and time range', async () => {
    await fill(6);
    await log.append(A, makeEvent(random, 7, { principal: 'arn:aws:iam::111122223333:role/Worker', errorCode: 'AccessDeniedException', errorMessage: 'denied' }));
    assert.equal(log.query({ accountId: A, eventName: 'Decrypt' }).length, 2);
    assert.equal(log.query({ accountId: A, keyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }).length, 7);
    assert.equal(log.query({ principal: 'arn:aws:iam::111122223333:role/Worker' }).length, 1);
    assert.equal(log.query({ error: 'AccessDeniedException' })[0]!.errorMessage, 'denied');
    assert.equal(log.query({ from: new Date(Date.UTC(2026, 0, 1, 0, 0, 3)), to: new Date(Date.UTC(2026, 0, 1, 0, 0, 5)) }).length, 2);
    assert.equal(log.query({ limit: 2, newestFirst: true })[0]!.eventTime, '2026-01-01T00:00:07Z');
  });
});

describe('audit verify: every position of every kind of tampering (pure)', () => {
  it('classifies edits, deletions, insertions and moves at every position', () => {
    const keys = deriveAuditKeys(new Uint8Array(32).fill(3));
    const forger = deriveAuditKeys(new Uint8Array(32).fill(4));
    const N = 12;
    const base: string[] = [];
    const macs: string[] = [];
    let prev = GENESIS_MAC;
    for (let i = 1; i <= N; i++) {
      const e = encodeRecord(keys.macKey, A, { sequence: i, previousMac: prev, event: { eventID: `e${i}`, eventName: 'Encrypt' } as unknown as AuditEvent });
      base.push(e.line);
      macs.push(e.mac);
      prev = e.mac;
    }
    const digest = JSON.stringify(signDigest({
      digestVersion: 2, accountId: A, digestSequence: 1, digestTime: '2026-01-01T00:00:00.000Z', startSequence: 1, endSequence: 1,
      lastEventMac: macs[0]!, previousDigestSignature: null,
    }, keys.signer));
    const head = JSON.stringify(encodeHead(keys.macKey, A, { sequence: N, mac: macs[N - 1]!, digestSequence: 0, digestSignature: '' }));
    const trust = { keys: { macKey: keys.macKey, publicKey: toHex(keys.signer.publicKey) } };
    const kindsOf = (ls: string[]) => verifyAuditLog(A, { dir: true, events: ls.join('\n') + '\n', digests: digest + '\n', head }, trust).issues.map((i) => i.kind);
    assert.deepEqual(kindsOf(base), []);
    for (let i = 1; i < N; i++) {
      const edited = [...base];
      edited[i] = edited[i]!.replace('"Encrypt"', '"Decrypt"');
      assert.deepEqual(kindsOf(edited), ['edited'], `edit at ${i}`);
      const deleted = [...base];
      deleted.splice(i, 1);
      assert.deepEqual(kindsOf(deleted), [i === N - 1 ? 'truncated' : 'deleted'], `delete at ${i}`);
      const inserted = [...base];
      inserted.splice(i, 0, encodeRecord(forger.macKey, A, { sequence: i + 1, previousMac: macs[i - 1]!, event: { eventID: 'forged' } as unknown as AuditEvent }).line);
      assert.deepEqual(kindsOf(inserted), ['inserted'], `insert before ${i}`);
      for (let k = 1; i + k < N; k++) {
        const moved = [...base];
        const [x] = moved.splice(i, 1);
        moved.splice(i + k, 0, x!);
        assert.ok(kindsOf(moved).length > 0 && kindsOf(moved).every((kd) => kd === 'reordered'), `move ${i} by ${k}: ${kindsOf(moved)}`);
      }
    }
  });
});

describe('audit log across processes', function () {
  this.timeout(60_000);
  const run = async (args: string[]) => {
    const { spawn } = await import('node:child_process');
    const worker = new URL('./append-worker.ts', import.meta.url).pathname;
    return new Promise<void>((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { stdio: 'inherit' });
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${args[1]} exited ${code}`))));
    });
  };

  it('three processes appending at once keep one valid chain with signed, anchored digests', async () => {
    const home = mkdtempSync(join(tmpdir(), 'envelope-audit-mp-'));
    try {
      Keystore.open({ home }); // the root key file, shared by the workers
      await Promise.all([run([home, 'a', '30']), run([home, 'b', '30']), run([home, 'c', '30'])]);
      const store = Keystore.open({ home });
      const log = AuditLog.open({ dir: join(home, 'audit'), keystore: store });
      const r = log.verify(A);
      assert.deepEqual(r.issues, []);
      assert.equal(r.events, 90);
      assert.ok(r.digests >= 2 && r.anchoredThrough > 0, JSON.stringify(r));
      assert.equal(new Set(log.events(A).map((e) => e.eventID)).size, 90);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('processes creating the audit secret at the same moment all use the one in the keystore', async () => {
    const home = mkdtempSync(join(tmpdir(), 'envelope-audit-first-'));
    const go = join(home, 'go');
    try {
      Keystore.open({ home });
      const runs = ['a', 'b', 'c', 'd'].map((w) => run([home, w, '8', go]));
      await new Promise((r) => setTimeout(r, 1500));
      writeFileSync(go, '');
      await Promise.all(runs);
      const r = AuditLog.open({ dir: join(home, 'audit'), keystore: Keystore.open({ home }) }).verify(A);
      assert.deepEqual(r.issues, []);
      assert.equal(r.events, 32);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('SIGKILL never loses an event whose append had resolved (the response was sent)', async () => {
    const { spawn } = await import('node:child_process');
    const home = mkdtempSync(join(tmpdir(), 'envelope-audit-kill-'));
    try {
      Keystore.open({ home });
      const worker = new URL('./append-worker.ts', import.meta.url).pathname;
      const p = spawn(process.execPath, ['--import', 'tsx', worker, home, 'k', '100000', '', 'ack'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const acked: string[] = [];
      let buf = '';
      await new Promise<void>((resolve) => {
        p.stdout!.on('data', (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split('\n');
          buf = parts.pop()!;
          acked.push(...parts.filter(Boolean));
          if (acked.length >= 400 && !p.killed) { p.kill('SIGKILL'); resolve(); }
        });
        p.on('exit', () => resolve());
      });
      await new Promise((r) => p.exitCode !== null || p.signalCode !== null ? r(undefined) : p.on('exit', r));
      assert.equal(p.signalCode, 'SIGKILL');
      const log = AuditLog.open({ dir: join(home, 'audit'), keystore: Keystore.open({ home }) });
      const ids = new Set(log.events(A).map((e) => e.eventID));
      const lost = acked.filter((id) => !ids.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged events lost`);
      const r = log.verify(A);
      assert.ok(r.issues.every((i) => i.kind === 'torn'), JSON.stringify(r.issues));
      assert.ok(existsSync(join(home, 'audit', A, 'head.json')));
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
