/**
 * `envelope config …` end to end in-process (and through git for the diff driver and hook):
 * encrypt/decrypt/--extract, creation rules found by walking up, set/unset/edit with minimal diffs,
 * exec-env/exec-file, updatekeys, rotate, filestatus, the embedded KMS as a key source, bad input.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAgeIdentity, ageIdentityToString, systemRandom, type AgeIdentity } from '@envelope/core';
import { BIN, cli, ok } from './helpers.js';

const PLAIN = `# app settings
db:
    host: db.internal
    port: 5432
    password: s3cret
api_key: abc123
debug_unencrypted: true
`;

describe('envelope config', function () {
  this.timeout(60_000);
  let home: string;
  let dir: string;
  let shm: string;
  let ids: AgeIdentity[];
  let env: Record<string, string>;
  const run = (argv: string[], extra: Record<string, string> = {}) => cli(argv, { home, cwd: dir, env: { ...env, ...extra } });
  const must = (argv: string[], extra: Record<string, string> = {}) => ok(argv, { home, cwd: dir, env: { ...env, ...extra } });
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const encLines = (s: string) => s.split('\n').filter((l) => l.includes('ENC[') && !l.includes('mac:'));

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'envelope-cfg-home-'));
    dir = mkdtempSync(join(tmpdir(), 'envelope-cfg-'));
    shm = mkdtempSync(join(tmpdir(), 'envelope-cfg-shm-'));
    ids = [generateAgeIdentity(systemRandom), generateAgeIdentity(systemRandom)];
    writeFileSync(join(home, 'keys.txt'), ids.map((i) => ageIdentityToString(i.secret)).join('\n') + '\n');
    env = { PATH: process.env['PATH']!, HOME: home, SOPS_AGE_KEY_FILE: join(home, 'keys.txt'), ENVELOPE_TMPDIR: shm, XDG_CONFIG_HOME: join(home, 'xdg') };
    writeFileSync(join(dir, 'app.yaml'), PLAIN);
  });
  afterEach(() => {
    for (const d of [home, dir, shm]) rmSync(d, { recursive: true, force: true });
  });

  it('encrypt to stdout, -i in place, decrypt, --extract', async () => {
    const r = await must(['config', 'encrypt', 'app.yaml', '--age', ids[0]!.recipient]);
    assert.match(r.out, /^#ENC\[AES256_GCM,/);
    assert.match(r.out, /^ {4}password: ENC\[AES256_GCM,/m);
    assert.match(r.out, /^debug_unencrypted: true$/m);
    assert.equal(read('app.yaml'), PLAIN, 'stdout only');
    await must(['config', 'encrypt', '-i', 'app.yaml', '--age', ids[0]!.recipient]);
    assert.match(read('app.yaml'), /^sops:$/m);
    assert.equal((await must(['config', 'decrypt', 'app.yaml'])).out, PLAIN);
    assert.equal((await must(['config', 'decrypt', '--extract', '["db"]["password"]', 'app.yaml'])).out, 's3cret');
    assert.deepEqual(JSON.parse((await must(['config', 'decrypt', '--extract', '["db"]', 'app.yaml'])).out), { host: 'db.internal', port: 5432, password: 's3cret' });
    const again = await run(['config', 'encrypt', '-i', 'app.yaml', '--age', ids[0]!.recipient]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already encrypted/);
    assert.deepEqual(JSON.parse((await must(['config', 'filestatus', 'app.yaml'])).out), { encrypted: true });
    writeFileSync(join(dir, 'plain.json'), '{"a": 1}\n');
    assert.deepEqual(JSON.parse((await must(['config', 'filestatus', 'plain.json'])).out), { encrypted: false });
  });

  it('creation rules: the nearest .sops.yaml above the file, first matching path_regex', async () => {
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets/.*\\.yaml$\n    age: ${ids[1]!.recipient}\n    encrypted_regex: ^(password|api_key)$\n  - path_regex: \\.env$\n    age: >-\n      ${ids[0]!.recipient},\n      ${ids[1]!.recipient}\n`);
    mkdirSync(join(dir, 'secrets', 'prod'), { recursive: true });
    writeFileSync(join(dir, 'secrets', 'prod', 'app.yaml'), PLAIN);
    await must(['config', 'encrypt', '-i', 'secrets/prod/app.yaml'], { SOPS_AGE_KEY: '' });
    const text = read('secrets/prod/app.yaml');
    assert.match(text, /host: db\.internal/, 'not matched by encrypted_regex: clear');
    assert.match(text, /password: ENC\[/);
    assert.match(text, /encrypted_regex: \^\(password\|api_key\)\$/);
    assert.ok(text.includes(ids[1]!.recipient) && !text.includes(ids[0]!.recipient));
    writeFileSync(join(dir, 'secrets', 'prod', '.env'), 'A=1\n');
    await must(['config', 'encrypt', '-i', 'secrets/prod/.env']);
    assert.equal(read('secrets/prod/.env').split('\n').filter((l) => l.includes('__map_recipient=')).length, 2);
    const none = await run(['config', 'encrypt', 'app.yaml']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no master keys/);
  });

  it('set, unset and edit re-encrypt with minimal diffs; an unparseable edit is refused; the copy is removed', async () => {
    await must(['config', 'encrypt', '-i', 'app.yaml', '--age', ids[0]!.recipient]);
    const v1 = read('app.yaml');
    await must(['config', 'set', 'app.yaml', '["db"]["port"]', '6543']);
    const v2 = read('app.yaml');
    const diff = (a: string, b: string) => encLines(b).filter((l) => !encLines(a).includes(l));
    assert.equal(diff(v1, v2).length, 1);
    assert.match(diff(v1, v2)[0]!, /port: ENC\[.*type:int\]/);
    await must(['config', 'unset', 'app.yaml', '["api_key"]']);
    assert.doesNotMatch(read('app.yaml'), /api_key/);
    assert.equal((await must(['config', 'decrypt', '--extract', '["db"]["port"]', 'app.yaml'])).out, '6543\n'); // non-strings end with a newline, as in SOPS

    writeFileSync(join(home, 'ed.sh'), '#!/bin/sh\nsed -i "s/s3cret/n3w-s3cret/" "$1"\n', { mode: 0o755 });
    const before = read('app.yaml');
    await must(['config', 'edit', 'app.yaml'], { EDITOR: join(home, 'ed.sh') });
    const after = read('app.yaml');
    assert.deepEqual(diff(before, after).map((l) => l.trim().split(':')[0]), ['password']);
    assert.equal((await must(['config', 'decrypt', '--extract', '["db"]["password"]', 'app.yaml'])).out, 'n3w-s3cret');
    assert.deepEqual(readdirSync(shm), [], 'the private copy is gone');

    writeFileSync(join(home, 'bad.sh'), '#!/bin/sh\nprintf "db: [unclosed\\n" > "$1"\n', { mode: 0o755 });
    const r = await run(['config', 'edit', 'app.yaml'], { EDITOR: join(home, 'bad.sh') });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not parse .*was not changed/);
    assert.equal(read('app.yaml'), after);
    assert.deepEqual(readdirSync(shm), []);
  });

  it('edit on a missing file creates it, encrypted for the creation rule', async () => {
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${ids[1]!.recipient}\n`);
    writeFileSync(join(home, 'new.sh'), '#!/bin/sh\nprintf "TOKEN=abc\\n" > "$1"\n', { mode: 0o755 });
    await must(['config', 'edit', 'new.env'], { EDITOR: join(home, 'new.sh') });
    assert.match(read('new.env'), /^TOKEN=ENC\[AES256_GCM,/m);
    assert.equal((await must(['config', 'decrypt', 'new.env'])).out, 'TOKEN=abc\n');
    assert.deepEqual(readdirSync(shm), []);
  });

  it('exec-env and exec-file give the values to a command without leaving plaintext behind', async () => {
    await must(['config', 'encrypt', '-i', 'app.yaml', '--age', ids[0]!.recipient]);
    await must(['config', 'exec-env', 'app.yaml', '--', 'printf "%s|%s" "$api_key" "$debug_unencrypted" > env.out']);
    assert.equal(read('env.out'), 'abc123|true');
    await must(['config', 'exec-file', 'app.yaml', '--', 'sh', '-c', 'cp "$0" copy.yaml; stat -c %a "$0" > mode.out', '{}']);
    assert.equal(read('copy.yaml'), PLAIN);
    assert.equal(read('mode.out').trim(), '600');
    assert.deepEqual(readdirSync(shm), []);
    const failing = await run(['config', 'exec-env', 'app.yaml', '--', 'exit 3']);
    assert.equal(failing.code, 3);
  });

  it('updatekeys applies the creation rule; rotate changes the data key and every ciphertext', async () => {
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${ids[0]!.recipient}\n`);
    await must(['config', 'encrypt', '-i', 'app.yaml']);
    const v1 = read('app.yaml');
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${ids[0]!.recipient},${ids[1]!.recipient}\n`);
    await must(['config', 'updatekeys', 'app.yaml']);
    const v2 = read('app.yaml');
    assert.deepEqual(encLines(v2), encLines(v1), 'values unchanged');
    writeFileSync(join(home, 'only1.txt'), ageIdentityToString(ids[1]!.secret) + '\n');
    assert.equal((await must(['config', 'decrypt', 'app.yaml'], { SOPS_AGE_KEY_FILE: join(home, 'only1.txt') })).out, PLAIN);
    await must(['config', 'rotate', 'app.yaml']);
    const v3 = read('app.yaml');
    assert.equal(encLines(v3).filter((l) => encLines(v2).includes(l)).length, 0, 'every value re-encrypted');
    assert.equal((await must(['config', 'decrypt', 'app.yaml'])).out, PLAIN);
  });

  it('an Envelope KMS key (by alias) as the key source, with an encryption context', async () => {
    await must(['key', 'create', '--alias', 'alias/config']);
    await must(['config', 'encrypt', '-i', 'app.yaml', '--kms', 'alias/config', '--encryption-context', 'app=web']);
    const text = read('app.yaml');
    assert.match(text, /arn: arn:aws:kms:us-east-1:\d{12}:key\//);
    assert.match(text, /context:\n\s+app: web/);
    assert.equal((await must(['config', 'decrypt', 'app.yaml'], { SOPS_AGE_KEY_FILE: '' })).out, PLAIN);
    await must(['key', 'disable', 'alias/config']);
    const r = await run(['config', 'decrypt', 'app.yaml']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^ConfigKeyUnavailableException: could not get the data key: kms arn:aws:kms:\S+: DisabledException: /);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('a MAC mismatch prints no plaintext and writes no output file', async () => {
    await must(['config', 'encrypt', '-i', 'app.yaml', '--age', ids[0]!.recipient]);
    writeFileSync(join(dir, 'app.yaml'), read('app.yaml').replace('debug_unencrypted: true', 'debug_unencrypted: false'));
    const r = await run(['config', 'decrypt', 'app.yaml', '-o', 'out.yaml']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout.length, 0);
    assert.match(r.stderr, /^InvalidCiphertextException: MAC mismatch/);
    assert.ok(!r.stderr.includes('s3cret'));
    assert.ok(!existsSync(join(dir, 'out.yaml')));
  });

  it('git-setup: git diff shows decrypted changes; the pre-commit hook refuses unencrypted files', async function () {
    this.timeout(120_000);
    const g = (...args: string[]) => spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env, ENVELOPE_HOME: home } });
    assert.equal(g('init', '-q').status, 0);
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.yaml$\n    age: ${ids[0]!.recipient}\n`);
    await must(['config', 'encrypt', '-i', 'app.yaml']);
    await must(['config', 'git-setup', '--command', `${process.execPath} ${BIN}`]);
    assert.match(read('.gitattributes'), /^\*\.yaml diff=sopsdiffer$/m);
    assert.equal(g('add', '.').status, 0);
    const c1 = g('commit', '-qm', 'encrypted config');
    assert.equal(c1.status, 0, c1.stderr);
    await must(['config', 'set', 'app.yaml', '["db"]["port"]', '6543']);
    const d = g('diff', '--no-color', 'app.yaml');
    assert.equal(d.status, 0, d.stderr);
    const changed = d.stdout.split('\n').filter((l) => /^[-+] /.test(l));
    assert.deepEqual(changed, ['-    port: 5432', '+    port: 6543']);
    const structural = g('diff', '--no-color', '--no-textconv', 'app.yaml').stdout;
    assert.match(structural, /^-\s+port: ENC\[/m);

    writeFileSync(join(dir, 'leak.yaml'), 'password: plain\n');
    g('add', 'leak.yaml');
    const c2 = g('commit', '-qm', 'oops');
    assert.notEqual(c2.status, 0);
    assert.match(c2.stderr, /refusing to commit 1 unencrypted file.*\n {2}leak\.yaml/);
    execFileSync('rm', [join(dir, 'leak.yaml')]);
  });
});
