/**
 * Re-encrypting an opened file re-uses the `ENC[…]` text of each unchanged value instead of
 * running the cipher again (docs/CONFIG.md "Performance"); these tests pin when that is allowed:
 * only for the data key the text was read under, and only when the text is exactly what the
 * cipher writes (otherwise the value is re-encrypted with its IV, as before).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decryptConfig, generateAgeIdentity, encryptConfig, openConfig, reencrypt, systemRandom } from '@envelope/core';
import { IvStash, decryptValue, encryptValue } from '../../../packages/core/src/config/value-cipher.js';
import { strValue } from '../../../packages/core/src/config/values.js';

describe('config: unchanged values keep their ciphertext text', function () {
  this.timeout(60_000);
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const text = encryptValue(key, strValue('hunter2'), 'a:b:', iv);

  it('a canonical text is handed back for the same key only', () => {
    const { value, iv: read, canonical } = decryptValue(key, text, 'a:b:');
    assert.equal(canonical, true);
    const stash = new IvStash(key);
    stash.remember('a:b:', value, read, text);
    assert.equal(stash.find('a:b:', value, Buffer.from(key))?.text, text);
    const other = stash.find('a:b:', value, randomBytes(32));
    assert.equal(other?.text, undefined);
    assert.deepEqual(other?.iv, read);
    assert.equal(stash.find('a:c:', value, key), undefined);
  });

  it('text after "]" or non-zero base64 pad bits is not canonical', () => {
    assert.equal(decryptValue(key, `${text}x`, 'a:b:').canonical, false);
    // the tag is 16 bytes: its base64 ends in "==" after a character whose low 4 bits are zero
    const tag = /tag:([^,]+),/.exec(text)![1]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const last = tag[tag.length - 3]!;
    const bumped = tag.slice(0, -3) + alphabet[alphabet.indexOf(last) | 1] + '==';
    const odd = text.replace(`tag:${tag},`, `tag:${bumped},`);
    const r = decryptValue(key, odd, 'a:b:');
    assert.equal(r.canonical, false);
  });

  it('re-encrypting under another data key gives values that key opens', async () => {
    const id = generateAgeIdentity(systemRandom);
    const file = await encryptConfig('a: one\nb: two\n', { format: 'yaml', keys: { age: [id.recipient] } });
    const opened = await openConfig(file, 'yaml', { ageIdentities: [id] });
    const same = new TextDecoder().decode(reencrypt(opened.doc, opened));
    assert.equal(same.split('\n').filter((l) => /^[ab]:/.test(l)).join('\n'), file.split('\n').filter((l) => /^[ab]:/.test(l)).join('\n'));
    const reopened = await openConfig(file, 'yaml', { ageIdentities: [id] });
    const newKey = new Uint8Array(randomBytes(32));
    const moved = new TextDecoder().decode(reencrypt(reopened.doc, { ...reopened, dataKey: newKey }));
    for (const line of moved.split('\n').filter((l) => /^[ab]:/.test(l))) {
      const [k, enc] = [line.slice(0, 1), line.slice(3)];
      assert.notEqual(file.includes(enc), true, 'the old ciphertext was not re-used under a new key');
      assert.equal(decryptValue(newKey, enc, `${k}:`).value.bytes.length, 3);
    }
    assert.deepEqual(await decryptConfig(file, { format: 'yaml', ageIdentities: [id] }), { a: 'one', b: 'two' });
  });
});
