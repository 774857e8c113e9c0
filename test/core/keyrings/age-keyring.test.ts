/**
 * AgeKeyring: an Envelope message whose data key is wrapped for age recipients — the recipients
 * that open SOPS config files — opens with the matching identity (and with the real `age` binary
 * for the wrapped key), binds the encryption context, and stays silent for other identities.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgeKeyring, decrypt, encrypt, generateAgeIdentity, parseAgeIdentities, readHeader, bufferSource, systemRandom } from '@envelope/core';
import { ensureTool } from '../config/helpers.js';

describe('AgeKeyring', function () {
  this.timeout(60_000);
  const a = generateAgeIdentity(systemRandom);
  const b = generateAgeIdentity(systemRandom);

  it('wraps for each recipient; either identity decrypts; the context is bound', async () => {
    const msg = new TextEncoder().encode('hello age keyring');
    const ct = await encrypt(msg, { keyring: new AgeKeyring({ recipients: [a.recipient, b.recipient] }), context: { app: 'x' } });
    for (const id of [a, b]) {
      assert.deepEqual((await decrypt(ct, { keyring: new AgeKeyring({ identities: [id] }) })).plaintext, msg);
    }
    const header = await readHeader(bufferSource(ct));
    assert.deepEqual(header.encryptedDataKeys.map((e) => [e.providerId, e.keyId]), [['age', a.recipient], ['age', b.recipient]]);
    const other = generateAgeIdentity(systemRandom);
    await assert.rejects(decrypt(ct, { keyring: new AgeKeyring({ identities: [other] }) }));
  });

  it('the wrapped key opens with the real age binary', async () => {
    ensureTool('age', 'age');
    const dir = mkdtempSync(join(tmpdir(), 'envelope-agekr-'));
    try {
      execFileSync('age-keygen', ['-o', join(dir, 'k.txt')], { stdio: 'ignore' });
      const id = parseAgeIdentities(readFileSync(join(dir, 'k.txt'), 'utf8'))[0]!;
      const ct = await encrypt(new Uint8Array(10), { keyring: new AgeKeyring({ recipients: [id.recipient] }), context: { k: 'v' } });
      const edk = (await readHeader(bufferSource(ct))).encryptedDataKeys[0]!;
      writeFileSync(join(dir, 'edk.age'), edk.ciphertext);
      const plain = execFileSync('age', ['-d', '-i', join(dir, 'k.txt'), join(dir, 'edk.age')]);
      assert.equal(plain.length, 64, 'data key + context digest');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
