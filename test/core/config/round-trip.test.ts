/**
 * Writing SOPS files: every format round-trips to the same bytes (comments, order, quoting,
 * indentation, blank lines kept); re-encrypting after an edit keeps the ciphertext of every
 * unchanged value (shown with a real `git diff`); Shamir 2-of-3 key groups; PGP through gpg; the
 * embedded Kms with an encryption context; errors name each key source tried.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ageIdentityToString, decryptConfig, encryptConfig, generateAgeIdentity, openConfig, reencrypt, parsePlain, type AgeIdentity, type ConfigFormat,
} from '@envelope/core';
import { loadConfig } from '@envelope/core/config';
import { seededRandom, tempHome, makeKms } from '../kms/helpers.js';
import { testGnupgHome } from './helpers.js';

const random = seededRandom('config-round-trip');
const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

export const SAMPLES: Record<Exclude<ConfigFormat, 'binary'>, string> = {
  yaml: `# Service configuration

server:
  host: "db.internal" # quoted
  port: 5432
  ratio: 1.0
  debug: false
  empty: ""
  nothing: null
  literal: |
    line one
    line two

# database
db:
  - name: primary
    password: 's3cret'
  - name: replica
    password: hunter2
password_unencrypted: visible
`,
  json: `{
  "server": {
    "host": "db.internal",
    "port": 5432,
    "ratio": 1.5,
    "debug": false,
    "nothing": null,
    "list": [1, "two", true]
  },
  "token": "abc"
}
`,
  dotenv: `# database
DB_HOST=db.internal
DB_PASSWORD=s3cret

MULTI=a\\nb
`,
  ini: `; service
[server]
host = db.internal
port     = 5432

[auth]
token = abc
`,
};

describe('config: encrypt and write', function () {
  this.timeout(60_000);
  const ids: AgeIdentity[] = [generateAgeIdentity(random), generateAgeIdentity(random), generateAgeIdentity(random)];
  const id = ids[0]!;

  for (const [format, text] of Object.entries(SAMPLES) as [Exclude<ConfigFormat, 'binary'>, string][]) {
    it(`${format}: decrypt(encrypt(file)) gives the same bytes`, async () => {
      const enc = await encryptConfig(text, { format, keys: { age: [id.recipient] }, random });
      assert.ok(!enc.includes('s3cret') && !enc.includes('db.internal'), 'values are encrypted');
      const opened = await openConfig(enc, format, { ageIdentities: [id] });
      assert.equal(utf8(opened.doc.serialize()), format === 'json' ? text.replace('[1, "two", true]', '[\n      1,\n      "two",\n      true\n    ]') : text);
    });
  }

  it('binary: any bytes round-trip, written as SOPS JSON with a "data" value', async () => {
    const bytes = new Uint8Array([0, 1, 2, 0xff, 0x0a, 0x41]);
    const enc = await encryptConfig(bytes, { format: 'binary', keys: { age: [id.recipient] }, random });
    assert.match(enc, /^\{\n\t"data": "ENC\[AES256_GCM,/);
    const opened = await openConfig(enc, 'binary', { ageIdentities: [id] });
    assert.deepEqual([...opened.doc.serialize()], [...bytes]);
  });

  it('loadConfig (from the lean @envelope/core/config entry) reads a file, format from its name, identities from SOPS_AGE_KEY', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envelope-load-'));
    try {
      writeFileSync(join(dir, 'app.env'), await encryptConfig('A=1\nB=two\n', { format: 'dotenv', keys: { age: [id.recipient] }, random }));
      const env = { SOPS_AGE_KEY: ageIdentityToString(id.secret), HOME: dir };
      assert.deepEqual(await loadConfig(join(dir, 'app.env'), { env, gpg: false }), { A: '1', B: 'two' });
      await assert.rejects(loadConfig(join(dir, 'app.env'), { env: { HOME: dir }, gpg: false }), (e: Error) => e.name === 'ConfigKeyUnavailableException' && /no age identity found/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encryptConfig takes an object (yaml and json)', async () => {
    for (const format of ['yaml', 'json'] as const) {
      const enc = await encryptConfig({ a: { b: 'secret', n: 3 }, list: ['x'] }, { format, keys: { age: [id.recipient] }, random });
      assert.deepEqual(await decryptConfig(enc, { format, ageIdentities: [id] }), { a: { b: 'secret', n: 3 }, list: ['x'] });
    }
  });

  it('minimal diffs: only the changed value, lastmodified and mac change (real git diff)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envelope-config-git-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
      git('init', '-q');
      let clock = Date.UTC(2026, 0, 1);
      const o = { ageIdentities: [id], random, clock: () => new Date((clock += 1000)) };
      const v1 = await encryptConfig(SAMPLES.yaml, { format: 'yaml', keys: { age: [id.recipient] }, ...o });
      writeFileSync(join(dir, 'app.yaml'), v1);
      git('add', 'app.yaml');
      git('commit', '-qm', 'v1');
      const opened = await openConfig(v1, 'yaml', o);
      const edited = parsePlain(utf8(opened.doc.serialize()).replace('port: 5432', 'port: 6543'), 'yaml');
      writeFileSync(join(dir, 'app.yaml'), reencrypt(edited, opened, o));
      const diff = git('diff', '-U0', '--no-color', 'app.yaml');
      const changed = diff.split('\n').filter((l) => /^[-+][^-+]/.test(l));
      assert.deepEqual(changed.map((l) => l.replace(/ENC\[.*\]/, 'ENC[…]').replace(/"\d{4}-.*"/, '"…"')), [
        '-  port: ENC[…]',
        '+  port: ENC[…]',
        '-  lastmodified: "…"',
        '-  mac: ENC[…]',
        '+  lastmodified: "…"',
        '+  mac: ENC[…]',
      ]);
      assert.deepEqual(await decryptConfig(readBack(dir), { format: 'yaml', ageIdentities: [id] }).then((js) => (js as any).server.port), 6543);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-encrypting without an edit reproduces every value ciphertext', async () => {
    for (const [format, text] of Object.entries(SAMPLES) as [Exclude<ConfigFormat, 'binary'>, string][]) {
      const v1 = await encryptConfig(text, { format, keys: { age: [id.recipient] }, random });
      const opened = await openConfig(v1, format, { ageIdentities: [id] });
      const v2 = utf8(reencrypt(parsePlain(opened.doc.serialize(), format), opened, { random }));
      const values = (s: string) => s.split('\n').filter((l) => l.includes('ENC[') && !/mac/.test(l));
      assert.deepEqual(values(v2), values(v1), format);
    }
  });

  it('mac_only_encrypted: values left in clear are outside the MAC; encrypted_regex picks what is encrypted', async () => {
    const rules = { encrypted_regex: '^password$', mac_only_encrypted: true };
    const enc = await encryptConfig('host: db\npassword: s3cret\n', { format: 'yaml', keys: { age: [id.recipient] }, rules, random });
    assert.match(enc, /^host: db$/m);
    assert.match(enc, /^password: ENC\[/m);
    assert.match(enc, /mac_only_encrypted: true/);
    assert.deepEqual(await decryptConfig(enc.replace('host: db', 'host: other'), { format: 'yaml', ageIdentities: [id] }), { host: 'other', password: 's3cret' });
    const full = await encryptConfig('host: db\npassword: s3cret\n', { format: 'yaml', keys: { age: [id.recipient] }, rules: { encrypted_regex: '^password$' }, random });
    await assert.rejects(decryptConfig(full.replace('host: db', 'host: other'), { format: 'yaml', ageIdentities: [id] }), { name: 'InvalidCiphertextException' });
  });

  it('Shamir: 3 key groups with threshold 2 decrypt with any 2 identities, not with 1', async () => {
    const enc = await encryptConfig('a: secret\n', {
      format: 'yaml',
      keys: { keyGroups: ids.map((i) => ({ age: [i.recipient] })), shamirThreshold: 2 },
      random,
    });
    assert.match(enc, /key_groups:/);
    assert.match(enc, /shamir_threshold: 2/);
    for (const pair of [[0, 1], [1, 2], [0, 2]]) {
      assert.deepEqual(await decryptConfig(enc, { format: 'yaml', ageIdentities: pair.map((i) => ids[i]!) }), { a: 'secret' });
    }
    const err = await decryptConfig(enc, { format: 'yaml', ageIdentities: [ids[1]!] }).catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'ConfigKeyUnavailableException');
    assert.match(err.message, /1 of 2 key groups needed; group 1: age age1\S+: no identity matches/);
    assert.ok(!err.message.includes('\n'), 'one line');
  });

  it('PGP: encrypts to a fingerprint through gpg and decrypts', async () => {
    const gpg = testGnupgHome();
    try {
      const env = { ...process.env, GNUPGHOME: gpg.home };
      const enc = await encryptConfig('DB_PASSWORD=s3cret\n', { format: 'dotenv', keys: { pgp: ['FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4'] }, env, random });
      assert.match(enc, /^sops_pgp__list_0__map_enc=-----BEGIN PGP MESSAGE-----\\n/m);
      assert.match(enc, /^sops_pgp__list_0__map_fp=FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4$/m);
      assert.deepEqual(await decryptConfig(enc, { format: 'dotenv', env, ageIdentities: [] }), { DB_PASSWORD: 's3cret' });
    } finally {
      gpg.dispose();
    }
  });

  it('KMS: the data key is wrapped with Encrypt under the entry context and unwrapped with Decrypt', async () => {
    const t = tempHome('envelope-config-kms-');
    try {
      const { kms } = makeKms(t.home);
      const arn = (await kms.CreateKey()).KeyMetadata.Arn!;
      const keys = { kms: [{ arn, context: { app: 'billing' } }] };
      const enc = await encryptConfig('[db]\npassword = s3cret\n', { format: 'ini', keys, kms, random, gpg: false });
      assert.match(enc, /^kms__list_0__map_context__map_app = billing$/m);
      assert.deepEqual(await decryptConfig(enc, { format: 'ini', kms, gpg: false, ageIdentities: [] }), { db: { password: 's3cret' } });
      const err = await decryptConfig(enc.replace('context__map_app = billing', 'context__map_app = other'), { format: 'ini', kms, gpg: false, ageIdentities: [] }).catch((e: Error) => e);
      assert.ok(err instanceof Error);
      assert.equal(err.name, 'ConfigKeyUnavailableException');
      assert.match(err.message, new RegExp(`kms ${arn.replace(/[/:]/g, '.')}: InvalidCiphertextException`));
    } finally {
      t.cleanup();
    }
  });

  it('key sources Envelope does not use are kept untouched on rewrite', async () => {
    const enc = await encryptConfig('a: b\n', { format: 'yaml', keys: { age: [id.recipient] }, random });
    const gcp = '    gcp_kms:\n        - resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k\n          created_at: "2026-01-01T00:00:00Z"\n          enc: CiQAexample==\n';
    const withGcp = enc.replace(/^ {4}lastmodified:/m, `${gcp}    lastmodified:`);
    const opened = await openConfig(withGcp, 'yaml', { ageIdentities: [id] });
    opened.doc.setPath(['a'], 'c');
    const out = utf8(reencrypt(opened.doc, opened, { random }));
    assert.ok(out.includes(gcp), out);
    assert.deepEqual(await decryptConfig(out, { format: 'yaml', ageIdentities: [id] }), { a: 'c' });
  });

  it('a file with only unsupported key sources names them', async () => {
    const enc = await encryptConfig('a: b\n', { format: 'yaml', keys: { age: [id.recipient] }, random });
    const other = enc.replace(/^ {4}age:\n(?: {8}.*\n)+/m, '    gcp_kms:\n        - resource_id: projects/p/locations/l/keyRings/r/cryptoKeys/k\n          created_at: "2026-01-01T00:00:00Z"\n          enc: AAAA\n');
    assert.notEqual(other, enc);
    const err = await decryptConfig(other, { format: 'yaml', ageIdentities: [id] }).catch((e: Error) => e);
    assert.ok(err instanceof Error);
    assert.equal(err.message, 'could not get the data key: gcp_kms projects/p/locations/l/keyRings/r/cryptoKeys/k: not supported by envelope');
  });

  for (const [what, text, format, msg] of [
    ['duplicate YAML keys', 'a: 1\na: 2\n', 'yaml', /duplicate mapping key at line 2/],
    ['duplicate JSON keys', '{"a": 1, "a": 2}', 'json', /duplicate key "a"/],
    ['unparseable YAML', 'a: [1\n', 'yaml', /invalid YAML/],
    ['no sops block', 'a: 1\n', 'yaml', /no sops metadata/],
    ['an unsupported version', 'a: 1\nsops:\n  version: 2.0.0\n  lastmodified: "2026-01-01T00:00:00Z"\n  mac: ""\n  age: []\n', 'yaml', /unsupported version "2.0.0"/],
  ] as const) {
    it(`clear error: ${what}`, async () => {
      await assert.rejects(decryptConfig(text, { format, ageIdentities: [id] }), (e: Error) => e.name === 'ValidationException' && msg.test(e.message));
    });
  }
});

function readBack(dir: string): string {
  return execFileSync('cat', [join(dir, 'app.yaml')], { encoding: 'utf8' });
}
