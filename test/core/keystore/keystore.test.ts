/**
 * The embedded keystore: root key sources (ENVELOPE_ROOT_KEY, passphrase, generated root.key
 * with mode 0600), wrong-root-key refusal with nothing overwritten, the transactional section
 * API, reload on change, crash safety (SIGKILL loop) and two-process concurrency.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keystore, section, KEYSTORE_FILE } from '../../../packages/core/src/keystore/keystore.js';
import { generateRootKeyFile } from '../../../packages/core/src/keystore/root-key.js';
import { Kms } from '../../../packages/core/src/kms/kms.js';
import { openDefaultKms, defaultHome } from '../../../packages/core/src/kms/open-default.js';
import { seededRandom, tempHome, testClock, utf8, text } from '../kms/helpers.js';

const HEX_KEY = 'ab'.repeat(32);
const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');
const root = fileURLToPath(new URL('../../../', import.meta.url));

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved: Record<string, string | undefined> = {};
  for (const k of Object.keys(vars)) {
    saved[k] = process.env[k];
    if (vars[k] === undefined) delete process.env[k];
    else process.env[k] = vars[k];
  }
  const restore = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  let result: T;
  try {
    result = fn();
  } catch (e) {
    restore();
    throw e;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

const NO_ENV = { ENVELOPE_ROOT_KEY: undefined, ENVELOPE_PASSPHRASE: undefined };

describe('keystore', function () {
  this.timeout(60_000);
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome('envelope-keystore-'); });
  afterEach(() => env.cleanup());

  it('generates root.key (mode 0600) on first use and reopens with it', async () => {
    await withEnv(NO_ENV, async () => {
      const kms = new Kms({ store: Keystore.open({ home: env.home }) });
      const id = (await kms.CreateKey()).KeyMetadata.KeyId;
      const ct = await kms.Encrypt({ KeyId: id, Plaintext: utf8('persisted') });
      const keyFile = join(env.home, 'root.key');
      assert.equal(statSync(keyFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(env.home, KEYSTORE_FILE)).mode & 0o777, 0o600);
      const again = new Kms({ store: Keystore.open({ home: env.home }) });
      assert.equal(text((await again.Decrypt({ CiphertextBlob: ct.CiphertextBlob })).Plaintext), 'persisted');
      const raw = readFileSync(join(env.home, KEYSTORE_FILE));
      assert.ok(!raw.includes(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'hex')), 'root key not in the store');
    });
  });

  it('root.key: a process that loses the first-use race adopts the winner\'s key instead of replacing it', async () => {
    const keyFile = join(env.home, 'root.key');
    // The other process writes root.key after this one saw none and while it draws its own key.
    const random = (n: number) => {
      if (!existsSync(keyFile)) writeFileSync(keyFile, `${HEX_KEY}\n`, { mode: 0o600 });
      return seededRandom()(n);
    };
    const key = generateRootKeyFile(env.home, random);
    assert.equal(Buffer.from(key).toString('hex'), HEX_KEY);
    assert.equal(readFileSync(keyFile, 'utf8').trim(), HEX_KEY);
    assert.deepEqual(readdirSync(env.home).filter((f) => f.endsWith('.tmp')), []);
  });

  it('ENVELOPE_ROOT_KEY (hex or base64) wins; a wrong root key is a clear KeystoreException and nothing is overwritten', async () => {
    await withEnv({ ENVELOPE_ROOT_KEY: HEX_KEY, ENVELOPE_PASSPHRASE: undefined }, async () => {
      const kms = new Kms({ store: Keystore.open({ home: env.home }) });
      await kms.CreateKey();
      assert.equal(existsSync(join(env.home, 'root.key')), false);
    });
    const before = readFileSync(join(env.home, KEYSTORE_FILE));
    await withEnv({ ENVELOPE_ROOT_KEY: Buffer.from(HEX_KEY, 'hex').toString('base64') }, () => Keystore.open({ home: env.home }));
    for (const wrong of [{ ENVELOPE_ROOT_KEY: 'cd'.repeat(32) }, { ENVELOPE_ROOT_KEY: undefined, ENVELOPE_PASSPHRASE: 'pw' }, NO_ENV]) {
      assert.throws(() => withEnv(wrong, () => Keystore.open({ home: env.home })), (e: Error) => e.name === 'KeystoreException' && /root key|passphrase/i.test(e.message));
    }
    assert.throws(() => withEnv({ ENVELOPE_ROOT_KEY: 'short' }, () => Keystore.open({ home: env.home })), /32 bytes/);
    assert.deepEqual(readFileSync(join(env.home, KEYSTORE_FILE)), before, 'the store is untouched');
  });

  it('a passphrase (scrypt, salt in the store) protects the store', async () => {
    await withEnv({ ENVELOPE_ROOT_KEY: undefined, ENVELOPE_PASSPHRASE: 'correct horse' }, async () => {
      const kms = new Kms({ store: Keystore.open({ home: env.home }) });
      const id = (await kms.CreateKey()).KeyMetadata.KeyId;
      const ct = await kms.Encrypt({ KeyId: id, Plaintext: utf8('pp') });
      const again = new Kms({ store: Keystore.open({ home: env.home }) });
      assert.equal(text((await again.Decrypt({ CiphertextBlob: ct.CiphertextBlob })).Plaintext), 'pp');
    });
    assert.throws(() => Keystore.open({ home: env.home, passphrase: 'wrong', env: {} }), /Wrong root key/);
  });

  it('sections: update commits atomically, a throwing update changes nothing, other instances reload', async () => {
    const a = Keystore.open({ home: env.home, rootKey: HEX_KEY, random: seededRandom(), clock: testClock() });
    const b = Keystore.open({ home: env.home, rootKey: HEX_KEY });
    await a.update((s) => { section(s, 'iam', () => ({ users: [] as string[] })).users.push('alice'); });
    await assert.rejects(a.update((s) => {
      section(s, 'iam', () => ({ users: [] as string[] })).users.push('mallory');
      throw new Error('abort');
    }), /abort/);
    assert.deepEqual((b.read().sections.iam as { users: string[] }).users, ['alice']);
    const gen = b.read().generation;
    await b.update(() => undefined);
    assert.equal(b.read().generation, gen, 'an update that changes nothing does not write');
    await b.update((s) => { (s.sections.iam as { users: string[] }).users.push('bob'); });
    assert.deepEqual((a.read().sections.iam as { users: string[] }).users, ['alice', 'bob']);
  });

  it('lock: a stale lock (dead pid) is broken; a live holder makes update wait, then time out', async () => {
    const store = Keystore.open({ home: env.home, rootKey: HEX_KEY, lockTimeoutMs: 300 });
    const lock = join(env.home, 'keystore.lock');
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, nonce: 'dead', at: 0 }));
    await store.update((st) => { section(st, 'probe', () => ({ n: 0 })).n += 1; });
    assert.equal(existsSync(lock), false, 'the stale lock was broken and ours released');
    // A live holder is never broken for its timestamp (clocks may be injected and differ).
    writeFileSync(lock, JSON.stringify({ pid: process.pid, nonce: 'someone-else', at: 0 }));
    await assert.rejects(store.update((st) => { section(st, 'probe', () => ({ n: 0 })).n += 1; }), (e: Error) => e.name === 'KeystoreException' && /Timed out/.test(e.message));
    assert.equal((store.read().sections.probe as { n: number }).n, 1, 'nothing committed without the lock');
  });

  it('a corrupt store file is refused with KeystoreException', () => {
    writeFileSync(join(env.home, KEYSTORE_FILE), 'not msgpack at all');
    assert.throws(() => Keystore.open({ home: env.home, rootKey: HEX_KEY }), (e: Error) => e.name === 'KeystoreException');
  });

  it('openDefaultKms uses $ENVELOPE_HOME (default ~/.envelope) and creates it on first use', async () => {
    const home = join(env.home, 'nested', 'home');
    assert.equal(defaultHome({ ENVELOPE_HOME: home }), home);
    assert.match(defaultHome({}), /\.envelope$/);
    const kms = withEnv({ ENVELOPE_HOME: home, ...NO_ENV }, () => openDefaultKms());
    await kms.CreateKey();
    assert.ok(existsSync(join(home, KEYSTORE_FILE)));
    assert.equal(withEnv({ ENVELOPE_HOME: home, ...NO_ENV }, () => openDefaultKms()), kms, 'one shared instance per home');
  });

  it('crash safety: a writer SIGKILLed at random points always leaves the old or the new state', async function () {
    this.timeout(40_000);
    const deadline = Date.now() + 8_000;
    let rounds = 0;
    let lastSeen = 0;
    while (Date.now() < deadline && rounds < 10) {
      rounds += 1;
      const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'crash-writer.ts'), env.home], {
        cwd: root, env: { ...process.env, ENVELOPE_ROOT_KEY: HEX_KEY }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('ready')) resolve();
        });
        child.on('error', reject);
        child.on('exit', () => resolve());
      });
      await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 120)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      const committed = [...out.matchAll(/committed (\d+)/g)].map((m) => Number(m[1]));
      const lastCommitted = committed.length ? committed[committed.length - 1]! : lastSeen;
      const store = Keystore.open({ home: env.home, rootKey: HEX_KEY });
      const s = store.read().sections.crash as { n: number; items: string[] } | undefined;
      const n = s?.n ?? 0;
      assert.ok(n >= lastCommitted && n <= lastCommitted + 1, `round ${rounds}: store has n=${n}, last acknowledged ${lastCommitted}`);
      if (s) {
        assert.equal(s.items.length, Math.min(n, 100));
        assert.ok(s.items[s.items.length - 1]!.endsWith(String(n)), 'internally consistent');
      }
      // The killed writer may have left its lock: the next writer recovers it.
      await store.update((st) => { section(st, 'probe', () => ({ n: 0 })).n += 1; });
      lastSeen = n;
    }
    assert.ok(rounds >= 3, 'enough rounds ran');
    assert.ok(lastSeen > 0, 'writes happened between kills');
  });

  it('first use with a passphrase: processes racing to create the store all end up on one salt', async function () {
    this.timeout(60_000);
    const home = join(env.home, 'race');
    const go = join(env.home, 'go');
    const run = () => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'first-use.ts'), home, go], {
        cwd: root, env: { ...process.env, ENVELOPE_PASSPHRASE: 'correct horse', ENVELOPE_ROOT_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`first-use worker exited ${code}: ${err.slice(-400)}`))));
    });
    const runs = [run(), run(), run(), run()];
    await new Promise((r) => setTimeout(r, 1500)); // let every child load and wait at the barrier
    writeFileSync(go, '');
    const ids = await Promise.all(runs);
    const kms = new Kms({ store: Keystore.open({ home, passphrase: 'correct horse', env: {} }) });
    const listed = (await kms.ListKeys({ Limit: 1000 })).Keys.map((k) => k.KeyId).sort();
    assert.deepEqual(listed, [...ids].sort());
    for (const id of ids) {
      const { CiphertextBlob } = await kms.Encrypt({ KeyId: id, Plaintext: new Uint8Array([1, 2, 3]) });
      assert.deepEqual([...(await kms.Decrypt({ CiphertextBlob })).Plaintext], [1, 2, 3]);
    }
  });

  it('concurrency: two processes creating keys and rotating at the same time lose no update', async function () {
    this.timeout(40_000);
    const kms = new Kms({ store: Keystore.open({ home: env.home, rootKey: HEX_KEY }) });
    const shared = (await kms.CreateKey()).KeyMetadata.KeyId;
    const per = 10;
    const run = () => new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(fixtures, 'kms-worker.ts'), env.home, shared, String(per)], {
        cwd: root, env: { ...process.env, ENVELOPE_ROOT_KEY: HEX_KEY }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`worker exited ${code}`))));
    });
    const outs = await Promise.all([run(), run()]);
    assert.deepEqual(outs.map((o) => o.trim()), ['done', 'done']);
    assert.equal((await kms.ListKeys({ Limit: 1000 })).Keys.length, 1 + 2 * per);
    assert.equal((await kms.ListKeyRotations({ KeyId: shared })).Rotations.length, 2 * (per / 2));
    assert.equal((kms.store.read().sections.counter as { n: number }).n, 2 * per);
  });
});
