/**
 * No crash leftovers in the keystore (docs/KMS.md "Crash safety"): the lock records its owner
 * (pid + process start time) and is never empty; a dead owner's lock — including a pid now used by
 * another process, and an empty lock left by an older version — is taken over at once; a writer
 * SIGKILLed in the middle of updates leaves no temp copy of the keystore behind once the next
 * writer has run.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Keystore } from '../../../packages/core/src/keystore/keystore.js';
import { processStartTime, selfOwner } from '../../../packages/core/src/fsio/owner.js';
import { ROOT_KEY, seededRandom, tempHome, testClock } from '../kms/helpers.js';

const CORE = resolve(import.meta.dirname, '../../../packages/core/src');

function open(home: string, lockTimeoutMs = 10_000): Keystore {
  return Keystore.open({ home, rootKey: ROOT_KEY, clock: testClock(), random: seededRandom(home), lockTimeoutMs, durable: false });
}

async function timed(p: Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await p;
  return performance.now() - t0;
}

/** Runs an ESM snippet (with tsx) in a child; resolves once it prints `ready`. */
function child(code: string, env: Record<string, string>): { proc: ReturnType<typeof spawn>; ready: Promise<void> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const ready = new Promise<void>((res, rej) => {
    proc.stdout!.on('data', (c: Buffer) => { if (c.toString().includes('ready')) res(); });
    proc.once('exit', (code) => rej(new Error(`child exited ${code}: ${err}`)));
  });
  return { proc, ready };
}

const killed = (proc: ReturnType<typeof spawn>) => new Promise<void>((res) => { proc.once('exit', () => res()); proc.kill('SIGKILL'); });

describe('keystore: no crash leftovers, a dead owner\'s lock is taken over at once', function () {
  this.timeout(60_000);
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome('envelope-crash-'); });
  afterEach(() => env.cleanup());

  it('the lock records its owner (pid + start time) while held', async () => {
    const store = open(env.home);
    let seen: Record<string, unknown> | undefined;
    await store.update(() => { seen = JSON.parse(readFileSync(join(env.home, 'keystore.lock'), 'utf8')) as Record<string, unknown>; });
    assert.equal(seen?.pid, process.pid);
    assert.equal(seen?.start, processStartTime(process.pid));
    assert.equal(existsSync(join(env.home, 'keystore.lock')), false, 'released');
  });

  it('a lock whose holder was SIGKILLed is taken over at once', async () => {
    open(env.home);
    const c = child(`
      import { acquireFileLock } from ${JSON.stringify(join(CORE, 'keystore/file-lock.ts'))};
      await acquireFileLock(process.env.LOCK, { clock: () => new Date(), random: (n) => new Uint8Array(n).fill(1) });
      console.log('ready');
      setInterval(() => {}, 1000);
    `, { LOCK: join(env.home, 'keystore.lock') });
    await c.ready;
    await killed(c.proc);
    assert.ok(existsSync(join(env.home, 'keystore.lock')), 'the killed holder left its lock');
    // lockTimeoutMs (3 s) is far below the 20 s after which a live-looking lock is abandoned.
    await open(env.home, 3_000).update((s) => { s.sections.x = 1; });
  });

  it('a lock naming a live pid with another start time (pid reused) is taken over at once', async () => {
    const store = open(env.home, 3_000);
    const start = String(Number(selfOwner().start) + 1);
    writeFileSync(join(env.home, 'keystore.lock'), JSON.stringify({ pid: process.pid, start, nonce: 'old', at: 0 }));
    // Succeeding within lockTimeoutMs (3 s, far below the 20 s abandonment) shows the takeover.
    await store.update((s) => { s.sections.y = 1; });
  });

  it('an empty lock (a writer killed between create and write, older versions) is taken over at once', async () => {
    const store = open(env.home, 3_000);
    writeFileSync(join(env.home, 'keystore.lock'), '');
    const ms = await timed(store.update((s) => { s.sections.z = 1; }));
    assert.ok(ms < 1500, `took ${ms} ms (an empty lock used to cost 2 s)`);
  });

  it('a writer SIGKILLed in the middle of updates leaves no temp copy of the keystore after the next write', async () => {
    open(env.home);
    const c = child(`
      import { Keystore } from ${JSON.stringify(join(CORE, 'keystore/keystore.ts'))};
      import { randomBytes } from 'node:crypto';
      const store = Keystore.open({ home: process.env.HOME_DIR, rootKey: new Uint8Array(32).fill(7) });
      console.log('ready');
      for (;;) await store.update((s) => { s.sections.blob = randomBytes(2 << 20); });
    `, { HOME_DIR: env.home });
    await c.ready;
    await new Promise((r) => setTimeout(r, 150));
    const leftover = readdirSync(env.home).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'));
    await killed(c.proc);
    const dead = c.proc.pid!;
    // Also the names older versions left: .keystore.msgpack.<pid>.<n>.tmp
    writeFileSync(join(env.home, `.keystore.msgpack.${dead}.7.tmp`), 'sealed copy');
    writeFileSync(join(env.home, `.keystore.msgpack.envelope-${dead}-1-3.tmp`), 'sealed copy');
    const live = join(env.home, `.keystore.msgpack.envelope-${process.pid}-${selfOwner().start}-999.tmp`);
    writeFileSync(live, 'a live writer');
    await open(env.home).update((s) => { s.sections.after = 1; });
    const names = readdirSync(env.home).filter((n) => n.startsWith('.') || n.includes('lock'));
    assert.deepEqual(names, [live.slice(env.home.length + 1)], `left: ${names.join(', ')} (seen while running: ${leftover.join(', ')})`);
  });
});
