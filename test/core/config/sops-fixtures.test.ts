/**
 * SOPS's own encrypted files (fixtures/sops, see its NOTICE.md) decrypt with Envelope: PGP through
 * gpg with SOPS's functional-test key, age with the test identity from SOPS's history; the MAC is
 * verified, and every kind of tampering fails with InvalidCiphertextException and no plaintext.
 */
import assert from 'node:assert/strict';
import { openConfig, decryptConfig, formatForPath, type ConfigFormat } from '@envelope/core';
import { AGE_KEYS_FILE, fixture, testGnupgHome } from './helpers.js';

const EXAMPLE_JSON = {
  firstName: 'John',
  lastName: 'Smith',
  age: 25.4,
  address: { city: 'New York', postalCode: '10021-3100', state: 'NY', streetAddress: '21 2nd Street' },
  phoneNumbers: [{ number: '212 555-1234', type: 'home' }, { number: '646 555-4567', type: 'office' }],
  anEmptyValue: '',
};

describe('config: SOPS test files decrypt', function () {
  this.timeout(60_000);
  let gpg: ReturnType<typeof testGnupgHome>;
  let env: NodeJS.ProcessEnv;
  before(() => {
    gpg = testGnupgHome();
    env = { ...process.env, GNUPGHOME: gpg.home, SOPS_AGE_KEY_FILE: AGE_KEYS_FILE, XDG_CONFIG_HOME: '/nonexistent' };
  });
  after(() => gpg.dispose());

  const fmt = (f: string): ConfigFormat => (f.endsWith('.txt') ? 'binary' : formatForPath(f));

  for (const source of ['pgp', 'age'] as const) {
    const opts = () => (source === 'age' ? { env, gpg: false as const } : { env, ageIdentities: [] });

    it(`${source}: example.yaml (nested maps, lists, booleans, float, encrypted comments, _unencrypted)`, async () => {
      const o = await openConfig(fixture(`${source}/example.yaml`), 'yaml', opts());
      const js = o.doc.toJS() as Record<string, any>;
      assert.equal(js.myapp1, 't00m4nys3cr3tzupdated');
      assert.deepEqual(js.app2.db, { user: 'eve', password: 'c4r1b0u' });
      assert.match(js.app2.key, /^-----BEGIN RSA PRIVATE KEY-----\n/);
      assert.equal(js.number, 1234568000); // type:float, text "1234568000"
      assert.deepEqual(js.somebooleans, [true, false]);
      assert.deepEqual(js.an_array.slice(0, 2), ['secretuser1', 'secretuser2']);
      assert.equal(js.this.is.a.nested.value, 'with something secret in it');
      assert.deepEqual(js.somelist_unencrypted.length, 3);
      const text = new TextDecoder().decode(o.doc.serialize());
      assert.match(text, /# private key for secret operations in app2/); // a decrypted comment
      assert.doesNotMatch(text, /ENC\[|^sops:/m);
    });

    it(`${source}: example.json`, async () => {
      assert.deepEqual(await decryptConfig(fixture(`${source}/example.json`), { format: 'json', ...opts() }), EXAMPLE_JSON);
    });

    it(`${source}: example.ini (sections, comment, metadata section)`, async () => {
      const o = await openConfig(fixture(`${source}/example.ini`), 'ini', opts());
      const js = o.doc.toJS() as Record<string, Record<string, string>>;
      assert.deepEqual(js['name'], { firstName: 'John', lastName: 'Smith', age: '25.4' });
      assert.equal(js['not private']!['notsecret_unencrypted'], 'hi there!');
      assert.match(new TextDecoder().decode(o.doc.serialize()), /^; An example file for use with sops!\n\[name\]/);
    });

    it(`${source}: example.txt (binary store)`, async () => {
      const o = await openConfig(fixture(`${source}/example.txt`), 'binary', opts());
      assert.match(new TextDecoder().decode(o.doc.serialize()), /^Welcome to SOPS!\n/);
    });
  }

  for (const [file, check] of [
    ['functional/format.enc.yaml', { foo: 'bar' }],
    ['functional/format.enc.json', { foo: 'bar' }],
    ['functional/format.enc.env', { 'foo ': ' bar' }], // SOPS splits at the first '=' and keeps spaces
    ['functional/format.enc.ini', { foo: { bar: 'baz' } }],
    ['functional/format-2.enc.ini', { foo: { bar: 'baz' } }],
    ['functional/comments.enc.yaml', { lorem: 'ipsum', dolor: 'sit' }],
    ['functional/comments_unencrypted_comments.yaml', { lorem: 'ipsum', dolor: 'sit' }],
    ['functional/multiple_keys.yaml', { message: 'hello' }],
  ] as const) {
    it(`functional-tests/res: ${file.split('/')[1]}`, async () => {
      const js = await decryptConfig(fixture(file), { format: fmt(file), env, ageIdentities: [] });
      assert.deepEqual(js, check);
    });
  }

  it('functional-tests/res: no_mac.yaml is refused (its MAC does not verify)', async () => {
    await assert.rejects(decryptConfig(fixture('functional/no_mac.yaml'), { format: 'yaml', env, ageIdentities: [] }), { name: 'InvalidCiphertextException' });
  });

  describe('tampering fails with InvalidCiphertextException and no plaintext', () => {
    const base = () => fixture('age/example.yaml').toString('utf8');
    const secrets = ['t00m4nys3cr3tzupdated', 'c4r1b0u', 'secretuser1', 'something secret'];
    const cases: [string, (s: string) => string][] = [
      ['a flipped ciphertext byte', (s) => s.replace(/(user: ENC\[AES256_GCM,data:)(.)/, (_m, p: string, c: string) => p + (c === 'A' ? 'B' : 'A'))],
      ['a value moved to another path', (s) => {
        const user = /user: (ENC\[[^\]]+\])/.exec(s)![1]!;
        const pass = /password: (ENC\[[^\]]+\])/.exec(s)![1]!;
        return s.replace(`user: ${user}`, 'user: X').replace(`password: ${pass}`, `password: ${user}`).replace('user: X', `user: ${pass}`);
      }],
      ['a removed value', (s) => s.replace(/^ {4}- ENC\[AES256_GCM,data:Kz5fYNAguRjkRY4=.*\n/m, '')],
      ['reordered list items', (s) => {
        const lines = s.split('\n');
        const i = lines.findIndex((l) => l.includes('data:Kz5fYNAguRjkRY4='));
        [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!];
        return lines.join('\n');
      }],
      ['an added clear-text value', (s) => s.replace('myapp1:', 'extra_unencrypted: hello\nmyapp1:')],
      ['an edited clear-text value', (s) => s.replace('remain in clear text', 'remain in plain text')],
      ['a type whose text does not parse (float → bool)', (s) => s.replace(/(data:ncsT6Jih58uKyg==[^\]]*)type:float/, '$1type:bool')],
      ['a changed lastmodified', (s) => s.replace('lastmodified: "2022-03-15T22:11:15Z"', 'lastmodified: "2022-03-15T22:11:16Z"')],
      ['a value replaced by clear text', (s) => s.replace(/myapp1: ENC\[[^\]]+\]/, 'myapp1: hello')],
      ['a changed MAC', (s) => s.replace(/mac: ENC\[AES256_GCM,data:dwrq/, 'mac: ENC[AES256_GCM,data:dwrr')],
    ];
    for (const [what, tamper] of cases) {
      it(what, async () => {
        const text = tamper(base());
        assert.notEqual(text, base(), 'the tampering changed the file');
        const err = await decryptConfig(text, { format: 'yaml', env, gpg: false }).then(() => undefined, (e: Error) => e);
        assert.ok(err, 'decrypt must fail');
        assert.equal(err.name, 'InvalidCiphertextException', err.message);
        for (const s of secrets) assert.ok(!err.message.includes(s), 'no plaintext in the error');
      });
    }
  });
});
