/**
 * In-place header rewrite of `reencrypt --rewrap` (packages/core/src/fsio/header-rewrite.ts,
 * rewrite-journal.ts): only the header's bytes are written, the inode and body stay; a crash after
 * every step (an injected failure, a torn write) leaves a file that decrypts once the journal is
 * recovered; journals that do not match the file are discarded without touching it; a live writer's
 * journal is left alone; golden vectors rewrapped in place (as copies) decrypt under the new key only.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decrypt, encrypt, journalPathFor, readHeader, nodeRewriteFs, RawAesKeyring, recoverHeaderRewrite, recoverHeaderRewritesIn,
  rewrapHeader, rewriteHeaderInPlace, selfOwner, inPlaceBlocker, type RewriteFs, type RewriteStep,
} from '@envelope/core';
import {
  bodyFingerprint, decideRecovery, decodeJournal, encodeJournal, fingerprintRanges, headerSha256, targetOfJournalName,
  whyNotInPlace, type JournalRecord,
} from '../../../packages/core/src/fsio/rewrite-journal.js';

const key = (b: number) => new Uint8Array(32).fill(b);
/** Same namespace and name length: the EDK, and so the header, keeps its length across a rewrap. */
const ringA = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'key-a', wrappingKey: key(1) });
const ringB = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'key-b', wrappingKey: key(2) });
const ringLong = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'a-longer-key-name', wrappingKey: key(3) });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const STEPS: RewriteStep[] = ['journal-written', 'header-written', 'header-synced', 'journal-removed'];

function plaintext(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

async function rejects(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (e: Error) => e.name === name);
}

describe('in-place header rewrite (reencrypt --rewrap)', function () {
  this.timeout(30_000);
  let dir: string;
  let n = 0;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-rewrite-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A message under ringA in a file, and its rewrap to `to` (same length unless `to` is ringLong). */
  async function prepared(to = ringB, size = 300_000) {
    const pt = plaintext(size);
    const ct = await encrypt(pt, { keyring: ringA, frameLength: 4096, context: { purpose: 'rewrite' } });
    const file = join(dir, `m${++n}.enc`);
    await writeFile(file, ct);
    const { header, bodyOffset } = await rewrapHeader(ct, { decryptKeyring: ringA, encryptKeyring: to });
    return { pt, ct, file, oldHeader: ct.subarray(0, bodyOffset), newHeader: header, bodyOffset };
  }

  /** nodeRewriteFs, counting the bytes written to `file` and failing as told. */
  function countingFs(file: string, failWrite?: (written: number) => number | undefined): { fs: RewriteFs; written: () => number } {
    let written = 0;
    const fs: RewriteFs = {
      ...nodeRewriteFs,
      async open(p, flags, mode) {
        const h = await nodeRewriteFs.open(p, flags, mode);
        if (p !== file) return h;
        return {
          read: (...a) => h.read(...a),
          sync: () => h.sync(),
          stat: (o) => h.stat(o),
          close: () => h.close(),
          async write(buf, off, len, pos) {
            const cut = failWrite?.(len);
            if (cut !== undefined) {
              // A torn write: the first `cut` bytes reach the file, then the "crash".
              await h.write(buf, off, cut, pos);
              written += cut;
              throw Object.assign(new Error('simulated crash mid-write'), { code: 'EIO' });
            }
            const r = await h.write(buf, off, len, pos);
            written += r.bytesWritten;
            return r;
          },
        };
      },
    };
    return { fs, written: () => written };
  }

  it('writes only the header bytes: same inode, same size, same body, decrypts with the new key only', async () => {
    const m = await prepared();
    assert.equal(m.newHeader.length, m.oldHeader.length);
    const before = await stat(m.file, { bigint: true });
    const { fs, written } = countingFs(m.file);
    const r = await rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { fs });
    assert.equal(r.bytesWritten, m.newHeader.length);
    assert.equal(written(), m.newHeader.length, 'bytes written to the file = the header length, whatever the file size');
    const after = await stat(m.file, { bigint: true });
    assert.equal(after.ino, before.ino);
    assert.equal(after.size, before.size);
    const now = await readFile(m.file);
    assert.deepEqual(now.subarray(0, m.bodyOffset), Buffer.from(m.newHeader));
    assert.deepEqual(now.subarray(m.bodyOffset), Buffer.from(m.ct.subarray(m.bodyOffset)), 'body bytes untouched');
    assert.deepEqual((await decrypt(now, { keyring: ringB })).plaintext, m.pt);
    await rejects(decrypt(now, { keyring: ringA }), 'IncorrectKeyException');
    await assert.rejects(stat(journalPathFor(m.file)), { code: 'ENOENT' });
    assert.deepEqual((await readdir(dir)).sort(), [`m${n}.enc`], 'no journal or temp file left');
  });

  it('a 4 MiB and a 64 KiB file cost the same writes (the header only)', async () => {
    const sizes: number[] = [];
    for (const size of [64 * 1024, 4 * 1024 * 1024]) {
      const m = await prepared(ringB, size);
      const { fs, written } = countingFs(m.file);
      await rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { fs });
      sizes.push(written());
    }
    assert.equal(sizes[0], sizes[1]);
  });

  it('refuses a header of another length, a file with several hard links, and a file that changed meanwhile', async () => {
    const m = await prepared(ringLong);
    assert.notEqual(m.newHeader.length, m.oldHeader.length);
    assert.match(String(await inPlaceBlocker(m.file, m.oldHeader.length, m.newHeader.length)), /new header is \d+ bytes and the old one \d+/);
    await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader), RangeError);

    const l = await prepared();
    await link(l.file, join(dir, 'other-name.enc'));
    assert.match(String(await inPlaceBlocker(l.file, l.oldHeader.length, l.newHeader.length)), /2 hard links/);
    await assert.rejects(rewriteHeaderInPlace(l.file, l.oldHeader, l.newHeader), /hard links/);
    assert.deepEqual(await readFile(l.file), Buffer.from(l.ct));

    // A file this user may not write (as root, mode bits do not stop us: the EACCES is injected).
    const ro = await prepared();
    const denyWrite: RewriteFs = { ...nodeRewriteFs, open: async (p, flags, mode) => { if (p === ro.file && flags !== 0) throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }); return nodeRewriteFs.open(p, flags, mode); } };
    assert.match(String(await inPlaceBlocker(ro.file, ro.oldHeader.length, ro.newHeader.length, denyWrite)), /not writable/);

    // The header we rewrapped from is no longer the file's (another writer got there first).
    const c = await prepared();
    const other = await prepared();
    await writeFile(c.file, other.ct);
    await rejects(rewriteHeaderInPlace(c.file, c.oldHeader, c.newHeader), 'ConflictException');
    assert.deepEqual(await readFile(c.file), Buffer.from(other.ct), 'nothing written');
    await assert.rejects(stat(journalPathFor(c.file)), { code: 'ENOENT' });
  });

  for (const crashAfter of STEPS) {
    it(`a crash after '${crashAfter}' leaves a file that decrypts (old or new header), and recovery finishes the rewrite`, async () => {
      const m = await prepared();
      const crash = new Error(`crash after ${crashAfter}`);
      await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { onStep: (s) => { if (s === crashAfter) throw crash; } }), (e) => e === crash);
      const crashed = await readFile(m.file);
      const hasNew = sha(crashed.subarray(0, m.bodyOffset)) === sha(m.newHeader);
      assert.equal(hasNew, crashAfter !== 'journal-written');
      assert.deepEqual((await decrypt(crashed, { keyring: hasNew ? ringB : ringA })).plaintext, m.pt);
      const journalLeft = crashAfter !== 'journal-removed';
      assert.equal(await stat(journalPathFor(m.file)).then(() => true, () => false), journalLeft);

      const r = await recoverHeaderRewrite(m.file);
      assert.deepEqual(r, journalLeft ? { status: 'completed', found: hasNew ? 'new' : 'old' } : { status: 'none' });
      const recovered = await readFile(m.file);
      assert.deepEqual((await decrypt(recovered, { keyring: ringB })).plaintext, m.pt);
      await assert.rejects(stat(journalPathFor(m.file)), { code: 'ENOENT' });
      assert.deepEqual(await recoverHeaderRewrite(m.file), { status: 'none' });
    });
  }

  it('a crash while writing or linking the journal leaves the old header and no journal', async () => {
    const m = await prepared();
    const fs: RewriteFs = { ...nodeRewriteFs, link: async () => { throw Object.assign(new Error('crash'), { code: 'EIO' }); } };
    await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { fs }), /crash/);
    assert.deepEqual(await readFile(m.file), Buffer.from(m.ct));
    assert.deepEqual(await recoverHeaderRewrite(m.file), { status: 'none' });
  });

  it('a torn header write (half the header reaches the disk) fails to decrypt until recovery writes the new header', async () => {
    const m = await prepared();
    let first = true;
    const { fs } = countingFs(m.file, (len) => {
      if (len !== m.newHeader.length || !first) return undefined;
      first = false;
      return Math.floor(len / 2);
    });
    await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { fs }), /mid-write/);
    const torn = await readFile(m.file);
    assert.notEqual(sha(torn.subarray(0, m.bodyOffset)), sha(m.oldHeader));
    assert.notEqual(sha(torn.subarray(0, m.bodyOffset)), sha(m.newHeader));
    await assert.rejects(decrypt(torn, { keyring: ringB }));
    // A crash during recovery itself is recovered the same way.
    await assert.rejects(recoverHeaderRewrite(m.file, { onStep: (s) => { if (s === 'header-written') throw new Error('crash again'); } }), /crash again/);
    assert.deepEqual(await recoverHeaderRewrite(m.file), { status: 'completed', found: 'new' });
    assert.deepEqual((await decrypt(await readFile(m.file), { keyring: ringB })).plaintext, m.pt);
  });

  it('a journal that no longer matches its file (replaced, resized, other body, gone, damaged) is removed and the file left alone', async () => {
    const cases: Array<[string, (m: Awaited<ReturnType<typeof prepared>>) => Promise<void>, RegExp]> = [
      // A copy with the same bytes renamed over it (a new inode; the old one is still allocated while the copy is made).
      ['replaced', async (m) => { await writeFile(`${m.file}.new`, m.ct); await rename(`${m.file}.new`, m.file); }, /replaced/],
      ['resized', async (m) => { await writeFile(m.file, Buffer.concat([m.ct, Buffer.from('x')])); }, /size changed/],
      ['other body', async (m) => { const b = Buffer.from(m.ct); b[b.length - 1]! ^= 1; await writeFile(m.file, b); }, /body changed/],
      ['gone', async (m) => { await rm(m.file); }, /no longer exists/],
      ['damaged', async (m) => { const j = journalPathFor(m.file); const b = await readFile(j); b[10]! ^= 1; await writeFile(j, b); }, /damaged/],
    ];
    for (const [name, change, reason] of cases) {
      const m = await prepared();
      await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { onStep: (s) => { if (s === 'journal-written') throw new Error('crash'); } }));
      await change(m);
      const before = await readFile(m.file).catch(() => undefined);
      const r = await recoverHeaderRewrite(m.file);
      assert.equal(r.status, 'discarded', name);
      assert.match((r as { reason: string }).reason, reason, name);
      assert.deepEqual(await readFile(m.file).catch(() => undefined), before, `${name}: file untouched`);
      await assert.rejects(stat(journalPathFor(m.file)), { code: 'ENOENT' });
    }
  });

  it("a live writer's journal is left alone: recovery says busy and a second rewrite is a ConflictException", async () => {
    const m = await prepared();
    // The parent process (the test runner's) is alive: a journal it "owns" is live.
    const owner = { pid: process.ppid, start: (await readFile(`/proc/${process.ppid}/stat`, 'utf8')).split(') ')[1]!.split(' ')[19]! };
    const rec: JournalRecord = {
      target: m.file, owner, dev: '0', ino: '0', size: m.ct.length, headerLength: m.newHeader.length,
      oldHeaderSha256: headerSha256(m.oldHeader), newHeader: m.newHeader, bodyFingerprint: 'x',
    };
    await writeFile(journalPathFor(m.file), encodeJournal(rec), { mode: 0o600 });
    assert.deepEqual(await recoverHeaderRewrite(m.file), { status: 'busy', pid: process.ppid });
    await rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader), 'ConflictException');
    assert.deepEqual(await readFile(m.file), Buffer.from(m.ct));
    assert.ok((await stat(journalPathFor(m.file))).isFile(), 'the live journal stays');
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'our temp journal is removed');
  });

  it('a sweep of a directory recovers every stale journal in it', async () => {
    const a = await prepared();
    const b = await prepared();
    for (const m of [a, b]) {
      await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, { onStep: (s) => { if (s === 'journal-written') throw new Error('crash'); } }));
    }
    const results = await recoverHeaderRewritesIn(dir);
    assert.deepEqual(results.map((r) => [r.file, r.result.status]).sort(), [[a.file, 'completed'], [b.file, 'completed']]);
    for (const m of [a, b]) assert.deepEqual((await decrypt(await readFile(m.file), { keyring: ringB })).plaintext, m.pt);
  });

  it('the journal is 0600 and holds the new header, never the old wrapped keys, the data key or plaintext', async () => {
    const m = await prepared(ringB, 5000);
    let seen: { mode: number; bytes: Buffer } | undefined;
    await assert.rejects(rewriteHeaderInPlace(m.file, m.oldHeader, m.newHeader, {
      onStep: async (s) => {
        if (s !== 'journal-written') return;
        const j = journalPathFor(m.file);
        seen = { mode: (await stat(j)).mode & 0o777, bytes: await readFile(j) };
        throw new Error('crash');
      },
    }));
    assert.ok(seen);
    assert.equal(seen.mode, 0o600);
    const rec = decodeJournal(seen.bytes);
    assert.ok(rec);
    assert.deepEqual(rec.newHeader, new Uint8Array(m.newHeader));
    assert.deepEqual(rec.owner, selfOwner());
    const oldEdk = (await readHeader(m.oldHeader)).encryptedDataKeys[0]!.ciphertext;
    const text = seen.bytes.toString('utf8');
    for (const secret of [oldEdk, m.pt.subarray(0, 64), m.oldHeader]) {
      assert.ok(!text.includes(Buffer.from(secret).toString('base64')) && !text.includes(Buffer.from(secret).toString('hex')) && seen.bytes.indexOf(Buffer.from(secret)) < 0);
    }
    await recoverHeaderRewrite(m.file);
  });

  describe('golden vectors rewrapped in place (copies; the fixtures stay as they are)', () => {
    const fixture = new URL('../../../fixtures/vectors/v1/positive.json', import.meta.url);
    const vectors = JSON.parse(readFileSync(fixture, 'utf8')) as Array<{ name: string; keyNamespace: string; keyName: string; wrappingKey: string; message: string; plaintext: string; context: Record<string, string> }>;
    it('every positive vector: same header length, decrypts with the new wrapping key, not the old one; positive.json unchanged', async () => {
      const fixtureSha = sha(readFileSync(fixture));
      for (const v of vectors) {
        const oldRing = new RawAesKeyring({ keyNamespace: v.keyNamespace, keyName: v.keyName, wrappingKey: new Uint8Array(Buffer.from(v.wrappingKey, 'hex')) });
        const newRing = new RawAesKeyring({ keyNamespace: v.keyNamespace, keyName: v.keyName, wrappingKey: key(9) });
        const message = new Uint8Array(Buffer.from(v.message, 'hex'));
        const file = join(dir, `${v.name}.enc`);
        await writeFile(file, message);
        const { header, bodyOffset } = await rewrapHeader(message, { decryptKeyring: oldRing, encryptKeyring: newRing });
        assert.equal(header.length, bodyOffset, v.name);
        await rewriteHeaderInPlace(file, message.subarray(0, bodyOffset), header);
        const now = await readFile(file);
        assert.deepEqual(now.subarray(bodyOffset), Buffer.from(message.subarray(bodyOffset)), v.name);
        assert.equal(sha((await decrypt(now, { keyring: newRing, context: v.context })).plaintext), sha(Buffer.from(v.plaintext, 'hex')), v.name);
        await rejects(decrypt(now, { keyring: oldRing }), 'InvalidCiphertextException');
      }
      assert.equal(sha(readFileSync(fixture)), fixtureSha);
    });
  });

  describe('journal logic (pure)', () => {
    const rec: JournalRecord = {
      target: '/x/y.enc', owner: { pid: 12, start: '345' }, dev: '2049', ino: '18446744073709551615', size: 1000, headerLength: 4,
      oldHeaderSha256: headerSha256(new Uint8Array([1, 2, 3, 4])), newHeader: new Uint8Array([5, 6, 7, 8]), bodyFingerprint: 'fp',
    };
    it('round-trips; a truncated, edited or foreign journal decodes to undefined', () => {
      const bytes = encodeJournal(rec);
      assert.deepEqual(decodeJournal(bytes), rec);
      for (let cut = 0; cut < bytes.length; cut += 7) assert.equal(decodeJournal(bytes.subarray(0, cut)), undefined, `cut ${cut}`);
      const edited = new Uint8Array(bytes);
      edited[20]! ^= 1;
      assert.equal(decodeJournal(edited), undefined);
      assert.equal(decodeJournal(new TextEncoder().encode('{}\n')), undefined);
      assert.throws(() => encodeJournal({ ...rec, headerLength: 5 }), RangeError);
    });
    it('names: one fixed journal per file', () => {
      assert.equal(journalPathFor('/d/f.enc'), '/d/.f.enc.envelope-rewrap.journal');
      assert.equal(targetOfJournalName('.f.enc.envelope-rewrap.journal'), 'f.enc');
      assert.equal(targetOfJournalName('.f.enc.envelope-1-2-3.tmp'), undefined);
    });
    it('decides: new header in place → remove journal; old or torn → complete; another file → discard', () => {
      const same = { exists: true as const, dev: rec.dev, ino: rec.ino, size: rec.size, bodyFingerprint: 'fp' };
      assert.deepEqual(decideRecovery(rec, { ...same, currentHeader: rec.newHeader }), { action: 'remove-journal', found: 'new' });
      assert.deepEqual(decideRecovery(rec, { ...same, currentHeader: new Uint8Array([1, 2, 3, 4]) }), { action: 'complete', found: 'old' });
      assert.deepEqual(decideRecovery(rec, { ...same, currentHeader: new Uint8Array([5, 6, 3, 4]) }), { action: 'complete', found: 'torn' });
      assert.equal(decideRecovery(rec, { exists: false }).action, 'discard');
      assert.equal(decideRecovery(rec, { ...same, ino: '1', currentHeader: rec.newHeader }).action, 'discard');
      assert.equal(decideRecovery(rec, { ...same, size: 999, currentHeader: rec.newHeader }).action, 'discard');
      assert.equal(decideRecovery(rec, { ...same, bodyFingerprint: 'other', currentHeader: rec.newHeader }).action, 'discard');
    });
    it('in place only for a regular file with one link and a header of the same length', () => {
      assert.equal(whyNotInPlace({ oldLength: 10, newLength: 10, isFile: true, nlink: 1 }), undefined);
      assert.match(String(whyNotInPlace({ oldLength: 10, newLength: 11, isFile: true, nlink: 1 })), /11 bytes/);
      assert.match(String(whyNotInPlace({ oldLength: 10, newLength: 10, isFile: true, nlink: 3 })), /3 hard links/);
      assert.match(String(whyNotInPlace({ oldLength: 10, newLength: 10, isFile: false, nlink: 1 })), /not a regular file/);
    });
    it('fingerprints the first and last 64 KiB of the body', () => {
      assert.deepEqual(fingerprintRanges(100, 150), [[100, 150]]);
      assert.deepEqual(fingerprintRanges(100, 100 + 200_000), [[100, 100 + 65536], [100 + 200_000 - 65536, 100 + 200_000]]);
      assert.deepEqual(fingerprintRanges(100, 100 + 65536 + 10), [[100, 100 + 65536], [100 + 65536, 100 + 65536 + 10]]);
      assert.notEqual(bodyFingerprint(5, [new Uint8Array(5)]), bodyFingerprint(6, [new Uint8Array(5)]));
    });
  });
});
