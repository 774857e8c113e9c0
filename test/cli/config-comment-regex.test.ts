/**
 * `envelope config encrypt` with SOPS's comment rules: `encrypted_comment_regex` from a
 * .sops.yaml creation rule and `--unencrypted-comment-regex` from the command line; two rules for
 * one file are refused as SOPS refuses them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAgeIdentity, ageIdentityToString, systemRandom, type AgeIdentity } from '@envelope/core';
import { cli, ok } from './helpers.js';

const PLAIN = 'db:\n    host: db.internal\n    # sops:enc\n    password: s3cret\napi_key: abc # sops:enc\nport: 5432\n';

describe('envelope config: comment regexes', function () {
  this.timeout(60_000);
  let dir: string;
  let id: AgeIdentity;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-cfg-comments-'));
    id = generateAgeIdentity(systemRandom);
    writeFileSync(join(dir, 'keys.txt'), `${ageIdentityToString(id.secret)}\n`);
    env = { HOME: dir, SOPS_AGE_KEY_FILE: join(dir, 'keys.txt'), XDG_CONFIG_HOME: join(dir, 'xdg') };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const o = () => ({ home: dir, cwd: dir, env });

  it('encrypted_comment_regex from .sops.yaml: only the marked values are encrypted; decrypt gives the file back', async () => {
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.yaml$\n    age: ${id.recipient}\n    encrypted_comment_regex: "sops:enc"\n`);
    writeFileSync(join(dir, 'app.yaml'), PLAIN);
    await ok(['config', 'encrypt', '-i', 'app.yaml'], o());
    const enc = readFileSync(join(dir, 'app.yaml'), 'utf8');
    assert.match(enc, /^ {4}host: db\.internal$/m);
    assert.match(enc, /^ {4}# sops:enc$/m);
    assert.match(enc, /^ {4}password: ENC\[AES256_GCM,/m);
    assert.match(enc, /^api_key: ENC\[AES256_GCM,.*\] # sops:enc$/m);
    assert.match(enc, /^port: 5432$/m);
    assert.match(enc, /^ {4}encrypted_comment_regex: sops:enc$/m);
    assert.equal((await ok(['config', 'decrypt', 'app.yaml'], o())).out, PLAIN);
    // set keeps the rule: a new value under the marker is encrypted, one without is not.
    await ok(['config', 'set', 'app.yaml', '["port"]', '6543'], o());
    assert.match(readFileSync(join(dir, 'app.yaml'), 'utf8'), /^port: 6543$/m);
  });

  it('--unencrypted-comment-regex on the command line; a second rule is refused', async () => {
    writeFileSync(join(dir, 'b.yaml'), 'a: 1 # public\nb: 2\n');
    const out = (await ok(['config', 'encrypt', 'b.yaml', '--age', id.recipient, '--unencrypted-comment-regex', 'public'], o())).out;
    assert.match(out, /^a: 1 # public$/m);
    assert.match(out, /^b: ENC\[AES256_GCM,/m);
    const two = await cli(['config', 'encrypt', 'b.yaml', '--age', id.recipient, '--unencrypted-comment-regex', 'public', '--encrypted-regex', '^b$'], o());
    assert.equal(two.code, 2);
    assert.match(two.stderr, /cannot use more than one of .* \(got encrypted_regex, unencrypted_comment_regex\)/);
  });
});
