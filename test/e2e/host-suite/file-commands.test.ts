/**
 * Extension-host tests of the file commands on real files (issue #6): Encrypt (multi-select, key
 * and context), Decrypt, Re-encrypt with another key, Inspect, magic-byte tracking, and a failing
 * decrypt (disabled key) that leaves no output file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { decryptBytes, OTHER_ALIAS, PRIMARY_ALIAS } from '../fixture.js';
import { EXTENSION_ID, extensionApi, keystoreHome, runRoot, until, wsFile } from './host-env.js';

const MAGIC = Buffer.from([0x89, 0x45, 0x4e, 0x56]);

export function defineFileCommandTests(): void {
  describe('file commands in the extension host', () => {
    it('the extension under test is the one installed from the packaged .vsix', async () => {
      await extensionApi();
      const ext = vscode.extensions.getExtension(EXTENSION_ID);
      assert.ok(ext);
      assert.equal(dirname(ext.extensionPath), join(runRoot(), 'extensions'), `loaded from ${ext.extensionPath}`);
      assert.equal(existsSync(join(ext.extensionPath, 'src')), false, 'the .vsix ships the bundle, not the sources');
      assert.equal(existsSync(join(ext.extensionPath, 'dist/extension.js')), true);
    });

    it('tracks Envelope files by magic bytes, not by name', async () => {
      const api = await extensionApi();
      assert.equal(api.tracker.has(wsFile('config.json.enc')), true);
      assert.equal(api.tracker.has(wsFile('.env.enc')), true);
      assert.equal(api.tracker.has(wsFile('not-envelope.enc')), false, 'a .enc suffix alone is not an Envelope file');
      assert.equal(api.tracker.has(wsFile('secret.txt')), false);
    });

    it('Encrypt File encrypts every selected file with the chosen key and context and keeps the originals', async () => {
      const api = await extensionApi();
      writeFileSync(wsFile('a.txt'), 'HOST-A-PLAINTEXT\n');
      writeFileSync(wsFile('b.txt'), 'HOST-B-PLAINTEXT\n');
      const a = vscode.Uri.file(wsFile('a.txt'));
      const b = vscode.Uri.file(wsFile('b.txt'));
      await vscode.commands.executeCommand('envelope.encryptFile', a, [a, b], { keyId: PRIMARY_ALIAS, context: { team: 'qa' } });
      for (const name of ['a.txt', 'b.txt']) {
        const bytes = readFileSync(wsFile(`${name}.enc`));
        assert.deepEqual(bytes.subarray(0, 4), MAGIC);
        assert.equal(bytes.includes(Buffer.from('PLAINTEXT')), false);
        const out = await decryptBytes(keystoreHome(), bytes);
        assert.equal(out.text, name === 'a.txt' ? 'HOST-A-PLAINTEXT\n' : 'HOST-B-PLAINTEXT\n');
        assert.deepEqual(out.context, { team: 'qa' });
        assert.equal(existsSync(wsFile(name)), true, 'original kept (envelope.deleteOriginalAfterEncrypt is off)');
      }
      await until('tracker to see a.txt.enc', () => api.tracker.has(wsFile('a.txt.enc')));
    });

    it('Decrypt File restores the plaintext next to the encrypted file', async () => {
      rmSync(wsFile('a.txt'));
      await vscode.commands.executeCommand('envelope.decryptFile', vscode.Uri.file(wsFile('a.txt.enc')));
      assert.equal(readFileSync(wsFile('a.txt'), 'utf8'), 'HOST-A-PLAINTEXT\n');
    });

    it('Decrypt File refuses a file that only has the .enc suffix', async () => {
      await vscode.commands.executeCommand('envelope.decryptFile', vscode.Uri.file(wsFile('not-envelope.enc')));
      assert.equal(existsSync(wsFile('not-envelope')), false);
    });

    it('Re-encrypt with Another Key moves the file to the other key and keeps its context', async () => {
      await vscode.commands.executeCommand('envelope.reencryptFile', vscode.Uri.file(wsFile('b.txt.enc')), undefined, { keyId: OTHER_ALIAS });
      const out = await decryptBytes(keystoreHome(), readFileSync(wsFile('b.txt.enc')));
      assert.equal(out.text, 'HOST-B-PLAINTEXT\n');
      assert.deepEqual(out.context, { team: 'qa' });
      assert.equal(out.keyIds.length, 1);
      const api = await extensionApi();
      const other = (await (await api.session.get()).api.DescribeKey({ KeyId: OTHER_ALIAS })).KeyMetadata?.Arn;
      assert.equal(out.keyIds[0], other);
    });

    it('Inspect describes the header without a key', async () => {
      const d = (await vscode.commands.executeCommand('envelope.inspectFile', vscode.Uri.file(wsFile('config.json.enc')))) as {
        context: Record<string, string>;
        encryptedDataKeys: unknown[];
        plaintextLength: number;
      };
      assert.deepEqual(d.context, { app: 'envelope-e2e', purpose: 'config' });
      assert.equal(d.encryptedDataKeys.length, 1);
      assert.ok(d.plaintextLength > 0);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a decrypt that fails (DisabledException) leaves no output file', async () => {
      const api = await extensionApi();
      const { api: kms } = await api.session.get();
      await kms.DisableKey({ KeyId: OTHER_ALIAS });
      try {
        rmSync(wsFile('b.txt'), { force: true });
        await vscode.commands.executeCommand('envelope.decryptFile', vscode.Uri.file(wsFile('b.txt.enc')));
        assert.equal(existsSync(wsFile('b.txt')), false, 'no partial plaintext file');
      } finally {
        await kms.EnableKey({ KeyId: OTHER_ALIAS });
      }
    });
  });
}
