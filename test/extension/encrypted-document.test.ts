/**
 * Unit tests of the Encrypted Editor's document model (extension/src/encrypted-document.ts):
 * plaintext only in memory, save re-encrypts with the same keys and context atomically, backups
 * are ciphertext that restore the edit, and unsuitable files are refused with typed errors.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { encryptFiles } from '../../extension/src/commands/encrypt-files.js';
import { EncryptedDocumentModel } from '../../extension/src/encrypted-document.js';
import { inspectFile, reencryptFile } from '../../extension/src/file-crypto.js';
import { commandEnv, FakeUi, settingsFor } from './helpers/fake-ui.js';
import { tempKeystore, type TempKeystore } from './helpers/temp-keystore.js';

describe('extension: Encrypted Editor document model', () => {
  let ks: TempKeystore;
  let path: string;
  const TEXT = '{\n  "token": "UNIT-SECRET-1"\n}\n';
  before(async () => {
    ks = await tempKeystore();
    const plain = join(ks.dir, 'config.json');
    writeFileSync(plain, TEXT);
    const env = commandEnv(new FakeUi(), ks.backend, () => settingsFor(ks.home, { deleteOriginalAfterEncrypt: true }));
    await encryptFiles(env, [plain], { keyId: 'alias/a', context: { app: 'doc', stage: 'test' } });
    path = `${plain}.enc`;
  });
  after(() => ks.cleanup());
  const open = (extra: { backup?: Uint8Array; maxBytes?: number } = {}) =>
    EncryptedDocumentModel.open(path, async () => ks.backend, { maxBytes: extra.maxBytes ?? 1 << 20, ...(extra.backup ? { backup: extra.backup } : {}) });

  it('opens with the plaintext in memory and the message keys, context and frame length', async () => {
    const doc = await open();
    assert.equal(doc.getText(), TEXT);
    assert.equal(doc.isDirty, false);
    assert.deepEqual(doc.messageParams.keyIds, [ks.keyA]);
    assert.deepEqual(doc.messageParams.context, { app: 'doc', stage: 'test' });
  });

  it('save re-encrypts with the same keys and context and replaces the file atomically', async () => {
    chmodSync(path, 0o640);
    const doc = await open();
    assert.equal(doc.edit(TEXT), false, 'no change, no edit');
    assert.equal(doc.edit(TEXT.replace('UNIT-SECRET-1', 'UNIT-SECRET-2')), true);
    assert.equal(doc.isDirty, true);
    const before = (await inspectFile(path)).header;
    await doc.save();
    assert.equal(doc.isDirty, false);
    const raw = readFileSync(path);
    assert.equal(raw.includes(Buffer.from('UNIT-SECRET')), false);
    const after = (await inspectFile(path)).header;
    assert.deepEqual({ ...after.context }, { ...before.context });
    assert.deepEqual(after.encryptedDataKeys.map((e) => e.keyId), before.encryptedDataKeys.map((e) => e.keyId));
    assert.equal(after.frameLength, before.frameLength);
    assert.notDeepEqual(after.messageId, before.messageId, 'a fresh message (new data key) per save');
    assert.equal(statSync(path).mode & 0o777, 0o640, 'file mode kept');
    assert.deepEqual(readdirSync(ks.dir).filter((f) => f.includes('envelope-tmp')), []);
    assert.equal((await open()).getText(), TEXT.replace('UNIT-SECRET-1', 'UNIT-SECRET-2'));
  });

  it('an edit typed while a save is running is saved too (VS Code marks the document clean when the save resolves)', async () => {
    let doc: EncryptedDocumentModel | undefined;
    let typedDuringSave = false;
    const backend = async () => {
      if (doc !== undefined && !typedDuringSave) {
        typedDuringSave = true;
        doc.edit('TYPED-DURING-SAVE');
      }
      return ks.backend;
    };
    doc = await EncryptedDocumentModel.open(path, backend, { maxBytes: 1 << 20 });
    doc.edit('FIRST');
    await doc.save();
    assert.equal(typedDuringSave, true);
    assert.equal(doc.isDirty, false);
    assert.equal((await open()).getText(), 'TYPED-DURING-SAVE');
  });

  it('save uses the keys of the file on disk: a Re-encrypt while the document is open is not undone', async () => {
    const doc = await open();
    const other = await open();
    await reencryptFile(path, { decryptKeyring: ks.backend.discoveryKeyring(), encryptKeyring: ks.backend.keyring([ks.keyB]) });
    assert.equal(await other.reloadParams(), true, 'the editor banner follows a Re-encrypt');
    assert.deepEqual(other.messageParams.keyIds, [ks.keyB]);
    assert.equal(await other.reloadParams(), false);
    doc.edit('AFTER-REENCRYPT');
    await doc.save();
    const header = (await inspectFile(path)).header;
    assert.deepEqual(header.encryptedDataKeys.map((e) => e.keyId), [ks.keyB]);
    assert.deepEqual({ ...header.context }, { app: 'doc', stage: 'test' });
    assert.deepEqual(doc.messageParams.keyIds, [ks.keyB]);
    await reencryptFile(path, { decryptKeyring: ks.backend.discoveryKeyring(), encryptKeyring: ks.backend.keyring([ks.keyA]) });
  });

  it('a hot-exit backup is ciphertext under the same keys that restores the unsaved edit', async () => {
    const doc = await open();
    doc.edit('UNSAVED-EDIT-XYZ');
    const snapshot = await doc.encryptedSnapshot();
    assert.equal(Buffer.from(snapshot).includes(Buffer.from('UNSAVED-EDIT-XYZ')), false);
    assert.deepEqual([...snapshot.subarray(0, 4)], [0x89, 0x45, 0x4e, 0x56]);
    const restored = await open({ backup: snapshot });
    assert.equal(restored.getText(), 'UNSAVED-EDIT-XYZ');
    assert.equal(restored.isDirty, true, 'a restored backup is unsaved');
    await restored.revert(1 << 20);
    assert.notEqual(restored.getText(), 'UNSAVED-EDIT-XYZ');
    assert.equal(restored.isDirty, false);
  });

  it('Save As writes the encrypted text elsewhere and keeps the document bound to its file', async () => {
    const doc = await open();
    doc.edit('COPY');
    const other = join(ks.dir, 'copy.json.enc');
    await doc.saveTo(other);
    assert.equal(doc.isDirty, true);
    const copy = await EncryptedDocumentModel.open(other, async () => ks.backend, { maxBytes: 1 << 20 });
    assert.equal(copy.getText(), 'COPY');
  });

  it('refuses files over the size limit, non-Envelope files and non-UTF-8 plaintext with typed errors', async () => {
    await assert.rejects(open({ maxBytes: 10 }), (e: Error) => e.name === 'ValidationException' && /maxEditorFileSize/.test(e.message));
    const fake = join(ks.dir, 'fake.enc');
    writeFileSync(fake, 'plain text with a .enc name');
    await assert.rejects(EncryptedDocumentModel.open(fake, async () => ks.backend, { maxBytes: 1 << 20 }), (e: Error) => e.name === 'InvalidCiphertextException');
    const bin = join(ks.dir, 'bin');
    writeFileSync(bin, Buffer.from([0xff, 0xfe, 0x00, 0xc3]));
    const env = commandEnv(new FakeUi(), ks.backend, () => settingsFor(ks.home));
    await encryptFiles(env, [bin], { keyId: 'alias/a', context: {} });
    await assert.rejects(EncryptedDocumentModel.open(`${bin}.enc`, async () => ks.backend, { maxBytes: 1 << 20 }), (e: Error) => e.name === 'ValidationException' && /UTF-8/.test(e.message));
  });
});
