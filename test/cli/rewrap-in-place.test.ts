/**
 * `envelope reencrypt --rewrap` in place, as users run it (the built bin, spawned): a header of the
 * same length is written over the old one (same inode, same body bytes, only the header's bytes
 * written), the old key no longer decrypts and the new one does; another length falls back to the
 * full atomic rewrite and says why; a process SIGKILLed after each step of the in-place write leaves
 * a file that the next `envelope decrypt` finishes (journal resolved) and decrypts with the new key.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ok, pattern, REPO, spawnCli, tempHome } from './helpers.js';

const JOURNAL = (name: string) => `.${name}.envelope-rewrap.journal`;

describe('envelope reencrypt --rewrap in place (built bin)', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let keyA: string;
  let keyB: string;
  const data = pattern(1024 * 1024 + 123, 17);

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-rewrap-'));
    keyA = (await ok(['--json', 'key', 'create', '--alias', 'alias/rw-a'], { home })).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
    keyB = (await ok(['--json', 'key', 'create', '--alias', 'alias/rw-b'], { home })).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
    await writeFile(join(home, 'data.bin'), data);
    await ok(['encrypt', 'data.bin', '--key', keyA, '-o', 'orig.enc', '-c', 'team=x'], { home });
  });
  after(() => cleanup());

  const headerLength = async (file: string) => (await ok(['--json', 'inspect', file], { home })).json<{ headerLength: number }>().headerLength;

  async function decryptsWith(file: string, usable: 'A' | 'B'): Promise<void> {
    const disabled = usable === 'A' ? keyB : keyA;
    await ok(['key', 'disable', disabled], { home });
    try {
      const r = await spawnCli(['decrypt', file, '-o', '-'], { home });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout.equals(data));
    } finally {
      await ok(['key', 'enable', disabled], { home });
    }
  }

  it('same header length: rewrites only the header in place; the old key no longer decrypts, the new one does', async () => {
    await copyFile(join(home, 'orig.enc'), join(home, 'same.enc'));
    const before = await stat(join(home, 'same.enc'), { bigint: true });
    const old = await readFile(join(home, 'same.enc'));
    const hl = await headerLength('same.enc');
    const r = await spawnCli(['--json', 'reencrypt', 'same.enc', '--key', 'alias/rw-b', '--rewrap'], { home });
    assert.equal(r.code, 0, r.stderr);
    const summary = r.json<{ InPlace: boolean; BytesWritten: number; HeaderBytes: number }>();
    assert.equal(summary.InPlace, true);
    assert.equal(summary.HeaderBytes, hl);
    assert.equal(summary.BytesWritten, hl, 'only the header is written, not the 1 MiB body');
    const after = await stat(join(home, 'same.enc'), { bigint: true });
    assert.equal(after.ino, before.ino, 'same inode: the file was not replaced');
    assert.equal(after.size, before.size);
    const now = await readFile(join(home, 'same.enc'));
    assert.ok(now.subarray(hl).equals(old.subarray(hl)), 'body bytes identical');
    assert.ok(!now.subarray(0, hl).equals(old.subarray(0, hl)), 'the header changed');
    const edks = (await ok(['--json', 'inspect', 'same.enc'], { home })).json<{ encryptedDataKeys: { keyId: string }[] }>().encryptedDataKeys;
    assert.deepEqual(edks.map((e) => e.keyId), [keyB]);
    await decryptsWith('same.enc', 'B');
    await ok(['key', 'disable', keyB], { home });
    try {
      const denied = await spawnCli(['decrypt', 'same.enc', '-o', '-'], { home });
      assert.equal(denied.code, 1, 'key A alone no longer decrypts the rewrapped file');
      assert.equal(denied.stdout.length, 0);
    } finally {
      await ok(['key', 'enable', keyB], { home });
    }
    assert.deepEqual((await readdir(home)).filter((f) => f.includes('.envelope')), [], 'no journal or temp file left');
    // Text mode says what happened.
    const text = await spawnCli(['reencrypt', 'same.enc', '--key', 'alias/rw-a', '--rewrap'], { home });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stderr, /rewrote the header of .*same\.enc in place \(\d+ bytes written\)/);
    await decryptsWith('same.enc', 'A');
  });

  it('another header length (two keys): falls back to the full atomic rewrite and says why', async () => {
    await copyFile(join(home, 'orig.enc'), join(home, 'grow.enc'));
    const before = await stat(join(home, 'grow.enc'));
    const r = await spawnCli(['--json', 'reencrypt', 'grow.enc', '--key', keyA, '--key', keyB, '--rewrap'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /reencrypt --rewrap: the new header is \d+ bytes and the old one \d+ .*rewriting the whole file instead/);
    const summary = r.json<{ InPlace: boolean; FullRewriteReason: string; BytesWritten: number }>();
    assert.equal(summary.InPlace, false);
    assert.match(summary.FullRewriteReason, /new header is/);
    assert.equal(summary.BytesWritten, (await stat(join(home, 'grow.enc'))).size);
    assert.notEqual((await stat(join(home, 'grow.enc'))).ino, before.ino, 'replaced atomically (a new file)');
    await decryptsWith('grow.enc', 'A');
    await decryptsWith('grow.enc', 'B');
  });

  // A real SIGKILL at the two points that leave a journal with the old and with the new header on disk
  // (every step, and a torn write, are covered in-process by test/core/fsio/header-rewrite.test.ts).
  for (const step of ['journal-written', 'header-written']) {
    it(`SIGKILL after '${step}': the next envelope decrypt finishes the rewrite and decrypts with the new key`, async () => {
      const name = `crash-${step}.enc`;
      const file = join(home, name);
      await copyFile(join(home, 'orig.enc'), file);
      const hl = await headerLength(name);
      // The new header, as `reencrypt --rewrap` makes it (here into another file).
      await ok(['reencrypt', name, '--key', keyB, '--rewrap', '-o', `${name}.b`], { home });
      await writeFile(join(home, 'old.hdr'), (await readFile(file)).subarray(0, hl));
      await writeFile(join(home, 'new.hdr'), (await readFile(join(home, `${name}.b`))).subarray(0, hl));
      const child = spawn(process.execPath, ['--import', 'tsx/esm', '--conditions=@envelope/source', join(REPO, 'test/cli/rewrap-crash-child.ts'), file, join(home, 'old.hdr'), join(home, 'new.hdr'), step], { cwd: REPO, stdio: 'ignore' });
      const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, s) => res(s)));
      assert.equal(signal, 'SIGKILL');
      assert.ok((await readdir(home)).includes(JOURNAL(name)), 'the journal is left by the crash');

      await ok(['key', 'disable', keyA], { home });
      try {
        const r = await spawnCli(['decrypt', name, '-o', '-'], { home });
        assert.equal(r.code, 0, r.stderr);
        assert.ok(r.stdout.equals(data), 'decrypts with the new key (B) only: the new header is in place');
        assert.match(r.stderr, /finished an interrupted 'reencrypt --rewrap' of .*: wrote its new header/);
      } finally {
        await ok(['key', 'enable', keyA], { home });
      }
      assert.ok(!(await readdir(home)).includes(JOURNAL(name)), 'journal resolved');
      assert.ok((await readFile(file)).subarray(0, hl).equals((await readFile(join(home, 'new.hdr')))));
    });
  }
});
