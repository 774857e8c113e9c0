/**
 * `encrypted_comment_regex` / `unencrypted_comment_regex` as SOPS applies them (sops.go
 * shouldBeEncrypted): the trees of SOPS's own unit tests TestEncryptedCommentRegex,
 * TestUnencryptedCommentRegex and TestUnencryptedCommentRegexFail (sops_test.go, SOPS 3.13.2)
 * written as YAML, with the same expectations of which values and comments end up encrypted;
 * then decrypting gives the file back byte for byte, the MAC checks, and the rule is kept in the
 * metadata. Also .env (flat) files and a null value, which ends a comment's reach as in SOPS.
 */
import assert from 'node:assert/strict';
import { decryptConfig, encryptConfig, generateAgeIdentity, openConfig, systemRandom, type AgeIdentity, type ConfigFormat, type CryptRules } from '@envelope/core';
import { parse as parseYaml } from 'yaml';

const isEnc = (s: string) => /^ENC\[AES256_GCM,/.test(s.trim());

/** Which lines of an encrypted YAML file hold ciphertext, as "line → encrypted?" for the lines before `sops:`. */
function lineStates(text: string): [string, boolean][] {
  const body = text.slice(0, text.indexOf('\nsops:'));
  return body.split('\n').map((l) => {
    const m = /^(\s*)(#|- |[\w]+: ?)(.*)$/.exec(l)!;
    return [`${m[1]}${m[2]}`, m[3] !== '' && isEnc(m[3]!)];
  });
}

describe('config: comment regexes (SOPS encrypted_comment_regex / unencrypted_comment_regex)', () => {
  let id: AgeIdentity;
  before(() => {
    id = generateAgeIdentity(systemRandom);
  });
  const encrypt = (text: string, rules: CryptRules, format: ConfigFormat = 'yaml') =>
    encryptConfig(text, { format, keys: { age: [id.recipient] }, rules, gpg: false });
  const roundTrip = async (text: string, enc: string, format: ConfigFormat = 'yaml') => {
    const opened = await openConfig(enc, format, { ageIdentities: [id], gpg: false });
    assert.equal(new TextDecoder().decode(opened.doc.serialize()), text);
  };

  // SOPS's TestEncryptedCommentRegex tree.
  const ENC_TREE = `#sops:enc
foo: bar
bar:
    foo: bar
    #before
    #sops:enc
    encrypted: bar
array:
    - bar
    #sops:enc
    - baz
#sops:enc
#after
encarray:
    - bar
    - baz
`;

  it('encrypted_comment_regex: only values after a matching comment (and comments after it) are encrypted', async () => {
    const enc = await encrypt(ENC_TREE, { encrypted_comment_regex: 'sops:enc' });
    assert.deepEqual(lineStates(enc).map(([, v]) => v), [
      false, // #sops:enc — the matching comment itself stays in clear
      true, // foo
      false, // bar:
      false, // bar.foo
      false, // #before
      false, // #sops:enc
      true, // bar.encrypted
      false, // array:
      false, // - bar
      false, // #sops:enc
      true, // - baz
      false, // #sops:enc
      true, // #after — a comment after a matching one is encrypted
      false, // encarray:
      true, // - bar
      true, // - baz
    ]);
    const meta = (parseYaml(enc) as { sops: Record<string, unknown> }).sops;
    assert.equal(meta['encrypted_comment_regex'], 'sops:enc');
    assert.equal(meta['unencrypted_suffix'], undefined, 'no default suffix next to a comment rule');
    await roundTrip(ENC_TREE, enc);
    assert.deepEqual(await decryptConfig(enc, { format: 'yaml', ageIdentities: [id], gpg: false }), parseYaml(ENC_TREE));
  });

  // SOPS's TestUnencryptedCommentRegex tree.
  const NOENC_TREE = `#sops:noenc
foo: bar
bar:
    foo: bar
    #before
    #sops:noenc
    notencrypted: bar
array:
    - bar
    #sops:noenc
    - baz
#sops:noenc
#after
notencarray:
    - bar
    - baz
`;

  it('unencrypted_comment_regex: values (and comments) after a matching comment stay in clear', async () => {
    const enc = await encrypt(NOENC_TREE, { unencrypted_comment_regex: 'sops:noenc' });
    const states = lineStates(enc).map(([, v]) => v);
    assert.deepEqual(states, [
      false, // #sops:noenc
      false, // foo: bar (after the matching comment)
      false, // bar:
      true, // bar.foo
      true, // #before
      false, // #sops:noenc
      false, // notencrypted
      false, // array:
      true, // - bar
      false, // #sops:noenc
      false, // - baz
      false, // #sops:noenc
      false, // #after
      false, // notencarray:
      false, // - bar
      false, // - baz
    ]);
    await roundTrip(NOENC_TREE, enc);
  });

  it('unencrypted_comment_regex that matches an encrypted comment is refused (TestUnencryptedCommentRegexFail)', async () => {
    await assert.rejects(encrypt('#sops:noenc\n#other\nfoo: bar\n', { unencrypted_comment_regex: 'ENC' }), (e: Error) => e.name === 'ValidationException' && /unencrypted_comment_regex/.test(e.message));
  });

  it('a null value or an empty mapping ends a comment\'s reach, as SOPS\'s walk does', async () => {
    const text = '#sops:enc\nempty:\nsecret: a\n#sops:enc\nnothing: {}\nother: b\n#sops:enc\nlast: c\n';
    const enc = await encrypt(text, { encrypted_comment_regex: 'sops:enc' });
    const obj = parseYaml(enc) as Record<string, unknown>;
    assert.equal(obj['secret'], 'a');
    assert.equal(obj['other'], 'b');
    assert.ok(isEnc(String(obj['last'])));
    await roundTrip(text, enc);
  });

  it('.env files: a matching comment line covers the values up to the next value', async () => {
    const text = '#sops:enc\nA=1\nB=2\n#sops:enc\n#note\nC=3\n';
    const enc = await encrypt(text, { encrypted_comment_regex: 'sops:enc' }, 'dotenv');
    const lines = enc.split('\n');
    assert.ok(isEnc(lines[1]!.slice(2)), lines[1]);
    assert.equal(lines[2], 'B=2');
    assert.equal(lines[3], '#sops:enc');
    assert.ok(isEnc(lines[4]!.slice(1)), lines[4]);
    assert.ok(isEnc(lines[5]!.slice(2)), lines[5]);
    assert.match(enc, /^sops_encrypted_comment_regex=sops:enc$/m);
    await roundTrip(text, enc, 'dotenv');
  });

  it('INI files: a comment covers the next key of its section only', async () => {
    const text = '[db]\nhost = h\n; sops:enc\npassword = p\nuser = u\n[api]\nkey = k\n';
    const enc = await encrypt(text, { encrypted_comment_regex: 'sops:enc' }, 'ini');
    const body = enc.slice(0, enc.indexOf('[sops]'));
    assert.match(body, /^host = h$/m);
    assert.match(body, /^password = ENC\[AES256_GCM,/m);
    assert.match(body, /^user = u$/m);
    assert.match(body, /^key = k$/m);
    await roundTrip(text, enc, 'ini');
  });
});
