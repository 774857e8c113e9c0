/**
 * A file Envelope writes for an age recipient is read back WITHOUT Envelope's config module: the
 * data key comes from the real `age` binary and, separately, from the age spec's steps written out
 * here with @noble primitives; the values and the MAC are checked with node:crypto following SOPS's
 * value format (AES-256-GCM, 32-byte IV, tag apart, AAD = path keys joined by ':' plus ':').
 * And a data key wrapped by the real `age` for our recipient opens the file with Envelope.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x25519 } from '@noble/curves/ed25519.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { decryptConfig, encryptConfig } from '@envelope/core';
import { ensureTool } from './helpers.js';
import { seededRandom } from '../kms/helpers.js';

const te = new TextEncoder();
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

/** Bech32 payload bytes (checksum not checked: age-keygen made the string). */
function bech32Bytes(s: string): Uint8Array {
  const data = s.toLowerCase().slice(s.lastIndexOf('1') + 1, -6);
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const c of data) {
    acc = (acc << 5) | CHARSET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** age.md: X25519 stanza → file key → header MAC check → STREAM payload (one chunk suffices here). */
function ageDecryptBySpec(armored: string, secret: Uint8Array): Uint8Array {
  const b64 = armored.replace(/-----(BEGIN|END) AGE ENCRYPTED FILE-----/g, '').replace(/\s+/g, '');
  const file = Buffer.from(b64, 'base64');
  const headerEnd = file.indexOf('\n---') + 4;
  const lines = file.subarray(0, headerEnd).toString('latin1').split('\n');
  assert.equal(lines[0], 'age-encryption.org/v1');
  const [arrow, type, shareB64] = lines[1]!.split(' ');
  assert.equal(`${arrow} ${type}`, '-> X25519');
  const share = Buffer.from(shareB64!, 'base64');
  const body = Buffer.from(lines[2]!, 'base64');
  const pub = x25519.getPublicKey(secret);
  const shared = x25519.getSharedSecret(secret, share);
  const wrapKey = hkdf(sha256, shared, Buffer.concat([share, pub]), te.encode('age-encryption.org/v1/X25519'), 32);
  const fileKey = chacha20poly1305(wrapKey, new Uint8Array(12)).decrypt(body);
  const macEnd = file.indexOf('\n', headerEnd);
  const mac = Buffer.from(file.subarray(headerEnd + 1, macEnd).toString('latin1'), 'base64');
  const want = hmac(sha256, hkdf(sha256, fileKey, new Uint8Array(0), te.encode('header'), 32), file.subarray(0, headerEnd));
  assert.deepEqual(Buffer.from(want), mac, 'header MAC');
  const nonce = file.subarray(macEnd + 1, macEnd + 17);
  const payloadKey = hkdf(sha256, fileKey, nonce, te.encode('payload'), 32);
  const chunkNonce = new Uint8Array(12);
  chunkNonce[11] = 1; // counter 0, last chunk
  return chacha20poly1305(payloadKey, chunkNonce).decrypt(file.subarray(macEnd + 17));
}

/** SOPS's value format by hand. */
function openValue(enc: string, key: Uint8Array, aad: string): { type: string; text: string } {
  const m = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/.exec(enc);
  assert.ok(m, enc);
  const iv = Buffer.from(m[2]!, 'base64');
  assert.equal(iv.length, 32, '32-byte IV');
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return { type: m[4]!, text: Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]).toString('utf8') };
}

describe('config: an independent reading of what Envelope writes', function () {
  this.timeout(120_000);
  let dir: string;
  let secret: Uint8Array;
  let recipient: string;
  let keyFile: string;
  const source = 'db:\n    user: admin\n    port: 5432\n    ratio: 0.5\n    tls: true\nhosts:\n    - a.example\n    - b.example\nnote_unencrypted: clear\n';

  before(() => {
    ensureTool('age', 'age');
    dir = mkdtempSync(join(tmpdir(), 'envelope-age-'));
    keyFile = join(dir, 'key.txt');
    execFileSync('age-keygen', ['-o', keyFile], { stdio: 'ignore' });
    const text = readFileSync(keyFile, 'utf8');
    recipient = /public key: (age1\w+)/.exec(text)![1]!;
    secret = bech32Bytes(/^(AGE-SECRET-KEY-1\w+)$/m.exec(text)![1]!);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('real age and the spec steps both get the data key; values and MAC check out by hand', async () => {
    const enc = await encryptConfig(source, { format: 'yaml', keys: { age: [recipient] }, random: seededRandom('independent') });
    const armored = /enc: \|\n((?: {12}.*\n)+)/.exec(enc)![1]!.replace(/^ +/gm, '');
    writeFileSync(join(dir, 'dk.age'), armored);
    const fromAge = new Uint8Array(execFileSync('age', ['-d', '-i', keyFile, join(dir, 'dk.age')]));
    const bySpec = ageDecryptBySpec(armored, secret);
    assert.equal(fromAge.length, 32);
    assert.deepEqual(bySpec, fromAge);

    const v = (re: RegExp) => re.exec(enc)![1]!;
    const values: [string, string, string, string][] = [
      // [the ENC text, AAD, type, plaintext]
      [v(/user: (ENC\[.*\])/), 'db:user:', 'str', 'admin'],
      [v(/port: (ENC\[.*\])/), 'db:port:', 'int', '5432'],
      [v(/ratio: (ENC\[.*\])/), 'db:ratio:', 'float', '0.5'],
      [v(/tls: (ENC\[.*\])/), 'db:tls:', 'bool', 'True'],
      [v(/- (ENC\[.*\])\n {4}- ENC/), 'hosts:', 'str', 'a.example'],
      [v(/ {4}- ENC.*\n {4}- (ENC\[.*\])/), 'hosts:', 'str', 'b.example'],
    ];
    const hash = createHash('sha512');
    for (const [text, aad, type, plain] of values) {
      assert.deepEqual(openValue(text, fromAge, aad), { type, text: plain });
      hash.update(plain);
    }
    assert.match(enc, /note_unencrypted: clear/);
    hash.update('clear'); // values left in clear are MAC'd too
    const lastmodified = v(/lastmodified: "(.*)"/);
    assert.match(lastmodified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const mac = openValue(v(/mac: (ENC\[.*\])/), fromAge, lastmodified);
    assert.deepEqual(mac, { type: 'str', text: hash.digest('hex').toUpperCase() });
  });

  it('a data key wrapped by the real age binary for our recipient opens the file', async () => {
    const enc = await encryptConfig(source, { format: 'yaml', keys: { age: [recipient] }, random: seededRandom('independent-2') });
    const armored = /enc: \|\n((?: {12}.*\n)+)/.exec(enc)![1]!.replace(/^ +/gm, '');
    writeFileSync(join(dir, 'dk2.age'), armored);
    const dataKey = execFileSync('age', ['-d', '-i', keyFile, join(dir, 'dk2.age')]);
    const rewrapped = execFileSync('age', ['-e', '-a', '-r', recipient], { input: dataKey }).toString('utf8');
    const swapped = enc.replace(/(enc: \|\n)((?: {12}.*\n)+)/, (_m, head: string) => head + rewrapped.trimEnd().split('\n').map((l) => `            ${l}`).join('\n') + '\n');
    assert.notEqual(swapped, enc);
    const js = await decryptConfig(swapped, { format: 'yaml', env: { SOPS_AGE_KEY_FILE: keyFile } });
    assert.deepEqual(js, { db: { user: 'admin', port: 5432, ratio: 0.5, tls: true }, hosts: ['a.example', 'b.example'], note_unencrypted: 'clear' });
  });
});
