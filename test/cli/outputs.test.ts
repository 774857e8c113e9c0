/**
 * Outputs (docs/CLI.md "Outputs"): `-o` never clobbers what is not a regular file — a character
 * device (made with mknod, as root) or a FIFO is written directly, with or without --force; a
 * symlink is refused unless --force, and then the file it points to is replaced, never the link;
 * a directory is a usage error. And no leftovers: a SIGKILLed decrypt leaves no plaintext under
 * any name, and stale temp files of dead writers are swept by the next write.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, ok, pattern, spawnCli, tempHome } from './helpers.js';
import { ownedTempPath, processStartTime } from '../../packages/core/src/fsio/owner.js';

const isRoot = process.getuid?.() === 0;

describe('envelope outputs: devices, FIFOs, symlinks, directories', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  const opts = () => ({ home });
  const data = pattern(100_000, 3);

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-outputs-'));
    await ok(['key', 'create', '--alias', 'alias/out'], opts());
    writeFileSync(join(home, 'in.bin'), data);
    await ok(['encrypt', 'in.bin', '--key', 'alias/out', '-o', 'in.enc'], opts());
  });
  after(() => cleanup());

  it('a character device made by mknod is written directly, with and without --force, and stays a device', async function () {
    if (!isRoot) this.skip();
    const dev = join(home, 'null-dev');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    await ok(['decrypt', 'in.enc', '-o', dev], opts());
    await ok(['decrypt', 'in.enc', '-o', dev, '--force'], opts());
    await ok(['encrypt', 'in.bin', '--key', 'alias/out', '-o', dev, '--force'], opts());
    assert.ok(lstatSync(dev).isCharacterDevice(), 'still a character device');
    assert.ok(statSync('/dev/null').isCharacterDevice());
    await ok(['decrypt', 'in.enc', '-o', '/dev/null', '--force'], opts());
    assert.ok(lstatSync('/dev/null').isCharacterDevice(), '/dev/null is never replaced');
    assert.deepEqual(readdirSync(home).filter((n) => n.startsWith('.')), [], 'no temp files');
  });

  it('snapshot export writes a device directly too (never renamed over it)', async function () {
    if (!isRoot) this.skip();
    const dev = join(home, 'null-dev-2');
    execFileSync('mknod', [dev, 'c', '1', '3']);
    const id = (await ok(['snapshot', 'create', 'in.bin', '--key', 'alias/out'], opts())).out.trim();
    await ok(['snapshot', 'export', id, '-o', dev], opts());
    await ok(['snapshot', 'export', id, '-o', dev, '--force'], opts());
    assert.ok(lstatSync(dev).isCharacterDevice());
    await ok(['snapshot', 'export', id, '-o', 'snap.env'], opts());
    assert.ok(lstatSync(join(home, 'snap.env')).isFile());
  });

  it('-o /dev/stdout works without --force (the real bin, stdout a pipe)', async () => {
    const r = await spawnCli(['decrypt', 'in.enc', '-o', '/dev/stdout'], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout, data);
  });

  it('a FIFO is written directly: a reader gets the bytes and the FIFO stays a FIFO', async () => {
    const fifo = join(home, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const chunks: Buffer[] = [];
    const reading = new Promise<void>((res, rej) => createReadStream(fifo).on('data', (c) => chunks.push(c as Buffer)).on('end', res).on('error', rej));
    const r = await cli(['decrypt', 'in.enc', '-o', fifo], opts());
    assert.equal(r.code, 0, r.stderr);
    await reading;
    assert.deepEqual(Buffer.concat(chunks), data);
    assert.ok(lstatSync(fifo).isFIFO());
  });

  it('a symlink is refused without --force; with --force the file it points to is replaced and the link kept', async () => {
    writeFileSync(join(home, 'target.txt'), 'old');
    symlinkSync('target.txt', join(home, 'link.txt'));
    const refused = await cli(['decrypt', 'in.enc', '-o', 'link.txt'], opts());
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^UsageError: .*link\.txt is a symbolic link; pass --force/);
    assert.equal(readFileSync(join(home, 'target.txt'), 'utf8'), 'old');
    await ok(['decrypt', 'in.enc', '-o', 'link.txt', '--force'], opts());
    assert.ok(lstatSync(join(home, 'link.txt')).isSymbolicLink(), 'the link itself is kept');
    assert.equal(readlinkSync(join(home, 'link.txt')), 'target.txt');
    assert.deepEqual(readFileSync(join(home, 'target.txt')), data);
    // a dangling link: --force creates the file it names
    symlinkSync('made.txt', join(home, 'dangling'));
    await ok(['decrypt', 'in.enc', '-o', 'dangling', '--force'], opts());
    assert.ok(lstatSync(join(home, 'dangling')).isSymbolicLink());
    assert.deepEqual(readFileSync(join(home, 'made.txt')), data);
  });

  it('a directory is a usage error, with or without --force', async () => {
    mkdirSync(join(home, 'adir'));
    for (const extra of [[], ['--force']]) {
      const r = await cli(['decrypt', 'in.enc', '-o', 'adir', ...extra], opts());
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^UsageError: .*adir is a directory/);
    }
    assert.ok(statSync(join(home, 'adir')).isDirectory());
  });
});

describe('envelope outputs: no leftovers after a crash', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  const opts = () => ({ home });

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-crash-'));
    await ok(['key', 'create', '--alias', 'alias/crash'], opts());
  });
  after(() => cleanup());

  it('SIGKILL in the middle of a decrypt leaves no plaintext under any name (the temp output is anonymous)', async () => {
    const plain = pattern(24 * 1024 * 1024, 9);
    writeFileSync(join(home, 'big.bin'), plain);
    await ok(['encrypt', 'big.bin', '--key', 'alias/crash', '-o', 'big.enc', '--frame-size', '64K'], opts());
    const ct = readFileSync(join(home, 'big.enc'));
    const out = join(home, 'out');
    mkdirSync(out);
    const child = spawn(process.execPath, [BIN, 'decrypt', '-', '-o', join(out, 'plain.bin')], {
      cwd: home, env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' }, stdio: ['pipe', 'ignore', 'pipe'],
    });
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.stdin.on('error', () => undefined); // EPIPE once it is killed
    // Feed half of the ciphertext, then wait until the child has written plaintext (its fd's size grows).
    child.stdin.write(ct.subarray(0, ct.length >> 1));
    const deadline = Date.now() + 30_000;
    let written = 0;
    while (Date.now() < deadline && written < 4 * 1024 * 1024) {
      await new Promise((r) => setTimeout(r, 50));
      for (const fd of readdirSync(`/proc/${child.pid}/fd`)) {
        try {
          const link = readlinkSync(`/proc/${child.pid}/fd/${fd}`);
          if (link.startsWith(out)) written = Math.max(written, statSync(`/proc/${child.pid}/fd/${fd}`).size);
        } catch { /* closed meanwhile */ }
      }
    }
    assert.ok(written >= 4 * 1024 * 1024, `the child wrote ${written} bytes of plaintext; stderr: ${stderr}`);
    assert.deepEqual(readdirSync(out), [], 'while writing, the plaintext has no name in the directory');
    child.kill('SIGKILL');
    await exited;
    assert.deepEqual(readdirSync(out), [], 'after SIGKILL nothing is left');
  });

  it('stale temp files of dead writers are swept by the next write; a live writer\'s are kept', async () => {
    const dir = join(home, 'sweep');
    mkdirSync(dir);
    // A pid that has exited: a short-lived child.
    const dead = spawn(process.execPath, ['-e', '0']);
    const deadPid = await new Promise<number>((res) => dead.once('exit', () => res(dead.pid!)));
    const stale = join(dir, `.plain.bin.envelope-${deadPid}-12345-1.tmp`);
    writeFileSync(stale, 'leaked plaintext');
    const live = ownedTempPath(join(dir, 'other.bin')); // this process: alive
    writeFileSync(live, 'in progress');
    const reused = join(dir, `.x.envelope-${process.pid}-${Number(processStartTime(process.pid) ?? 1) + 1}-1.tmp`); // our pid, other start time
    writeFileSync(reused, 'pid reused');
    writeFileSync(join(dir, 'a.txt'), 'a');
    await ok(['encrypt', join(dir, 'a.txt'), '--key', 'alias/crash'], opts());
    const left = readdirSync(dir).sort();
    assert.deepEqual(left, [live.slice(dir.length + 1), 'a.txt', 'a.txt.enc'].sort());
  });
});
