/**
 * Extension-host tests of editing an encrypted config (issue #6): open config.json.enc → the
 * Encrypted Editor holds the plaintext in memory → edit → while dirty nothing on disk holds it, and
 * the hot-exit backup is ciphertext that restores the edit → save re-encrypts with the same keys and context → no plaintext anywhere under the
 * run's root (workspace, user data, Backups, XDG dirs, tmp). Also the read-only `envelope:` view.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_CONTEXT, CONFIG_TEXT, createKeystore, decryptBytes, encryptText, OTHER_ALIAS, PRIMARY_ALIAS } from '../fixture.js';
import { findFilesContaining } from '../scan.js';
import { extensionApi, keystoreHome, runRoot, sleep, until, wsFile } from './host-env.js';

const MARKER = 'HOST-EDIT-MARKER-91b2c7';

export function defineEditorTests(): void {
  describe('Encrypted Editor in the extension host', () => {
    it('open → edit → save re-encrypts with the same keys and context; no plaintext on disk, backups encrypted', async () => {
      const api = await extensionApi();
      const file = wsFile('config.json.enc');
      const uri = vscode.Uri.file(file);
      const before = readFileSync(file);
      const original = await decryptBytes(keystoreHome(), before);

      await vscode.commands.executeCommand('vscode.open', uri);
      const doc = await until('the Encrypted Editor to open config.json.enc', () => api.editor.documentFor(uri));
      assert.equal(doc.model?.getText(), CONFIG_TEXT);

      const edited = CONFIG_TEXT.replace('\n}', `,\n  "added": "${MARKER}"\n}`);
      api.editor.applyEdit(doc, edited);
      assert.equal(doc.model?.isDirty, true);
      // The extension's own backup is written at once, encrypted under the same keys and context.
      await doc.backup?.flushed();
      const own = await api.hotExit.read(file);
      assert.ok(own, 'an own hot-exit backup exists right after the edit');
      assert.deepEqual(Buffer.from(own.subarray(0, 4)), Buffer.from([0x89, 0x45, 0x4e, 0x56]), 'the own backup is an Envelope message');
      const ownText = await decryptBytes(keystoreHome(), own);
      assert.equal(ownText.text, edited);
      assert.deepEqual(ownText.context, CONFIG_CONTEXT);
      // Desktop VS Code backs a dirty document up after ~1 s; wait past that, then look for plaintext.
      await sleep(2500);
      assert.deepEqual(findFilesContaining([runRoot()], MARKER), [], 'no plaintext of the edit anywhere on disk while dirty');

      // Hot exit: the backup VS Code asks for is an Envelope message, and restoring it gives the edit back.
      const destination = vscode.Uri.file(join(runRoot(), 'tmp', 'hot-exit-backup'));
      const backup = await api.editor.backupCustomDocument(doc, { destination });
      const backupBytes = readFileSync(destination.fsPath);
      assert.deepEqual(backupBytes.subarray(0, 4), Buffer.from([0x89, 0x45, 0x4e, 0x56]), 'the backup is an Envelope message');
      assert.equal(backupBytes.includes(Buffer.from(MARKER)), false);
      const restored = await api.editor.openCustomDocument(uri, { backupId: backup.id, untitledDocumentData: undefined });
      assert.equal(restored.model?.getText(), edited, 'restoring the backup gives the edited text back');
      assert.equal(restored.model?.isDirty, true);
      await backup.delete();
      assert.equal(existsSync(destination.fsPath), false);

      await vscode.commands.executeCommand('workbench.action.files.save');
      const after = await until('config.json.enc to change on disk', () => {
        const b = readFileSync(file);
        return b.equals(before) ? undefined : b;
      });
      assert.equal(after.includes(Buffer.from(MARKER)), false, 'the file holds ciphertext only');
      const saved = await decryptBytes(keystoreHome(), after);
      assert.equal(saved.text, edited);
      assert.deepEqual(saved.context, CONFIG_CONTEXT, 'same encryption context');
      assert.deepEqual(saved.keyIds, original.keyIds, 'same keys');
      assert.equal(doc.model?.isDirty, false);
      assert.equal(await api.hotExit.read(file), undefined, 'the own backup is removed by the save');
      await sleep(1500);
      assert.deepEqual(findFilesContaining([runRoot()], MARKER), [], 'no plaintext anywhere after save');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a dotfile such as .env.enc opens in the Encrypted Editor too', async () => {
      const api = await extensionApi();
      const uri = vscode.Uri.file(wsFile('.env.enc'));
      await vscode.commands.executeCommand('vscode.open', uri);
      const doc = await until('the Encrypted Editor to open .env.enc', () => api.editor.documentFor(uri));
      assert.equal(doc.model?.getText(), 'API_KEY=E2E-DOTENV-VALUE-123\n');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a failed save names the AWS error and leaves the file; a Re-encrypt of the open file is followed and kept by the next save', async () => {
      const api = await extensionApi();
      const file = wsFile('.env.enc');
      const uri = vscode.Uri.file(file);
      const before = readFileSync(file);
      await vscode.commands.executeCommand('vscode.open', uri);
      const doc = await until('the Encrypted Editor to open .env.enc', () => api.editor.documentFor(uri));
      const { api: kms } = await api.session.get();
      doc.model?.edit('API_KEY=NOT-SAVED\n');
      await kms.DisableKey({ KeyId: PRIMARY_ALIAS });
      try {
        await assert.rejects(api.editor.saveCustomDocument(doc), (e: Error) => /^DisabledException: /.test(e.message));
      } finally {
        await kms.EnableKey({ KeyId: PRIMARY_ALIAS });
      }
      assert.deepEqual(readFileSync(file), before);
      await api.editor.revertCustomDocument(doc);
      assert.equal(doc.model?.getText(), 'API_KEY=E2E-DOTENV-VALUE-123\n');

      // Re-encrypt on the open document: the editor takes the new key, and the next save keeps it.
      const other = (await kms.DescribeKey({ KeyId: OTHER_ALIAS })).KeyMetadata?.Arn;
      await vscode.commands.executeCommand('envelope.reencryptFile', uri, undefined, { keyId: OTHER_ALIAS });
      await until('the open document to take the new key', () => doc.model?.banner('').keys[0] === other);
      await api.editor.saveCustomDocument(doc);
      assert.deepEqual((await decryptBytes(keystoreHome(), readFileSync(file))).keyIds, [other]);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a .enc file without Envelope magic bytes is handed to the text editor', async () => {
      const uri = vscode.Uri.file(wsFile('not-envelope.enc'));
      await vscode.commands.executeCommand('vscode.open', uri);
      const tab = await until('a text editor tab for not-envelope.enc', () => {
        const t = vscode.window.tabGroups.activeTabGroup.activeTab;
        return t?.input instanceof vscode.TabInputText && t.input.uri.fsPath === uri.fsPath ? t : undefined;
      });
      assert.equal(tab.label, 'not-envelope.enc');
      assert.equal(vscode.window.activeTextEditor?.document.getText(), 'this file only has the suffix\n');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a 20 MB file opens in the Encrypted Editor; beyond envelope.maxEditorFileSize the page offers Decrypt File', async () => {
      const api = await extensionApi();
      const file = wsFile('big.json.enc');
      const line = `  "k": "${'x'.repeat(100)}",\n`;
      const text = `{\n${line.repeat(Math.ceil((20 * 1000 * 1000) / line.length))}  "end": 1\n}\n`;
      writeFileSync(file, await encryptText(keystoreHome(), PRIMARY_ALIAS, text, {}));
      const uri = vscode.Uri.file(file);
      await vscode.commands.executeCommand('vscode.open', uri);
      const doc = await until('the Encrypted Editor to open big.json.enc', () => api.editor.documentFor(uri), 60_000);
      assert.equal(doc.model?.getText().length, text.length, `${text.length} characters in the editor`);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await until('the editor to close', () => api.editor.documentFor(uri) === undefined);
      const cfg = vscode.workspace.getConfiguration('envelope');
      await cfg.update('maxEditorFileSize', 1024 * 1024, vscode.ConfigurationTarget.Workspace);
      try {
        const refused = await api.editor.openCustomDocument(uri, { backupId: undefined, untitledDocumentData: undefined });
        assert.equal(refused.model, undefined);
        assert.match(refused.error ?? '', /envelope\.maxEditorFileSize.*Decrypt File/);
      } finally {
        await cfg.update('maxEditorFileSize', undefined, vscode.ConfigurationTarget.Workspace);
        rmSync(file, { force: true });
      }
    });

    it('a key the configured keystore does not have: the error says which keystore was asked', async () => {
      const api = await extensionApi();
      const otherHome = join(runRoot(), 'other-keystore');
      const other = await createKeystore(otherHome);
      const file = wsFile('foreign.json.enc');
      writeFileSync(file, await encryptText(other.home, PRIMARY_ALIAS, '{"foreign": true}\n', {}));
      const doc = await api.editor.openCustomDocument(vscode.Uri.file(file), { backupId: undefined, untitledDocumentData: undefined });
      assert.equal(doc.model, undefined);
      assert.match(doc.error ?? '', /NotFoundException: .*\(asked the embedded keystore .*\)/);
      assert.ok(doc.error?.includes(keystoreHome()), `names ${keystoreHome()}: ${doc.error}`);
      rmSync(file, { force: true });
    });

    it('the read-only plaintext view is titled "… (decrypted)", never like the plaintext file', async () => {
      await vscode.commands.executeCommand('envelope.openPlaintextView', vscode.Uri.file(wsFile('.env.enc')));
      const tab = await until('the plaintext view tab', () => {
        const t = vscode.window.tabGroups.activeTabGroup.activeTab;
        return t?.input instanceof vscode.TabInputText && t.input.uri.scheme === 'envelope' ? t : undefined;
      });
      assert.equal(tab.label, '.env (decrypted)');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('the envelope: view shows the plaintext read-only', async () => {
      const view = vscode.Uri.from({ scheme: 'envelope', path: wsFile('.env') });
      const doc = await vscode.workspace.openTextDocument(view);
      assert.equal(doc.getText(), 'API_KEY=E2E-DOTENV-VALUE-123\n');
      await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(view, new TextEncoder().encode('x'))));
      assert.deepEqual(findFilesContaining([runRoot()], 'E2E-DOTENV-VALUE-123'), []);
    });
  });
}
