/**
 * Unit tests of the Encrypted Editor's support modules (issue 16): the language from the inner
 * name, the JSON/YAML parse check that gates auto save, Monaco's incremental changes applied to
 * the host's copy, the extension's own encrypted hot-exit backups (BackupWriter coalescing,
 * ciphertext only) and envelope.afterEncrypt.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encryptFiles } from '../../extension/src/commands/encrypt-files.js';
import { decryptedTitle, innerName, languageFor, structuredLanguage } from '../../extension/src/editor-language.js';
import { applyChanges } from '../../extension/src/editor-protocol.js';
import { EncryptedDocumentModel } from '../../extension/src/encrypted-document.js';
import { BackupWriter, HotExitStore } from '../../extension/src/hot-exit-store.js';
import { parseProblems } from '../../extension/src/parse-check.js';
import { commandEnv, FakeUi, settingsFor } from './helpers/fake-ui.js';
import { tempKeystore, type TempKeystore } from './helpers/temp-keystore.js';

describe('extension: Encrypted Editor support', () => {
  it('takes the language from the name without .enc', () => {
    assert.equal(languageFor('/w/config.json.enc'), 'json');
    assert.equal(languageFor('/w/values.yaml.enc'), 'yaml');
    assert.equal(languageFor('/w/k8s.yml.enc'), 'yaml');
    assert.equal(languageFor('/w/.env.enc'), 'ini');
    assert.equal(languageFor('/w/.env.production.enc'), 'ini');
    assert.equal(languageFor('/w/prod.env.enc'), 'ini');
    assert.equal(languageFor('/w/app.properties.enc'), 'ini');
    assert.equal(languageFor('/w/notes.enc'), 'plaintext');
    assert.equal(languageFor('/w/Dockerfile.enc'), 'dockerfile');
    assert.equal(languageFor('/w/secret.bin.enc'), 'plaintext');
    assert.equal(innerName('/w/config.json.enc'), 'config.json');
    assert.equal(decryptedTitle('/w/config.json.enc'), 'config.json (decrypted)');
    assert.equal(structuredLanguage('json'), 'json');
    assert.equal(structuredLanguage('ini'), undefined);
  });

  it('parse check: positions of JSON and YAML errors, no quoted text; comments only in JSONC', () => {
    const json = parseProblems('json', '{\n  "a": "SECRET-VALUE",\n  "b": \n}\n');
    assert.equal(json.length, 1);
    assert.deepEqual([json[0]!.line, json[0]!.character], [3, 0]);
    assert.equal(json[0]!.message, 'JSON: ValueExpected');
    assert.deepEqual(parseProblems('json', '{"a": 1}\n'), []);
    assert.ok(parseProblems('json', '// c\n{"a": 1,}\n').length >= 2, 'the comment and the trailing comma');
    assert.deepEqual(parseProblems('json', '// c\n{"a": 1,}\n', { jsonc: true }), []);
    const yaml = parseProblems('yaml', 'a: 1\nb: "SECRET-VALUE\n');
    assert.ok(yaml.length >= 1);
    assert.ok(yaml[0]!.line >= 1, 'after the first line');
    assert.ok(yaml.every((p) => !p.message.includes('SECRET-VALUE')), 'messages never quote the text');
    assert.deepEqual(parseProblems('yaml', 'a: 1\nb: [1, 2]\n'), []);
    assert.deepEqual(parseProblems('json', ''), [], 'an empty document is not an error');
  });

  it("applies Monaco's changes of one event in order (multi-cursor edits come last-first)", () => {
    assert.equal(applyChanges('abc\ndef\n', [{ offset: 4, length: 0, text: 'X' }, { offset: 0, length: 0, text: 'X' }]), 'Xabc\nXdef\n');
    assert.equal(applyChanges('hello world', [{ offset: 6, length: 5, text: 'there' }]), 'hello there');
  });

  describe('with a keystore', () => {
    let ks: TempKeystore;
    let path: string;
    before(async () => {
      ks = await tempKeystore();
      const plain = join(ks.dir, 'config.json');
      writeFileSync(plain, '{"a": 1}\n');
      await encryptFiles(commandEnv(new FakeUi(), ks.backend, () => settingsFor(ks.home, { afterEncrypt: 'keep' })), [plain], { keyId: 'alias/a', context: { app: 'hot' } });
      path = `${plain}.enc`;
    });
    after(() => ks.cleanup());

    it('the model applies incremental changes and refuses ones that do not match the length', async () => {
      const doc = await EncryptedDocumentModel.open(path, async () => ks.backend, { maxBytes: 1 << 20 });
      assert.equal(doc.applyChanges([{ offset: 6, length: 1, text: '2' }], 9), true);
      assert.equal(doc.getText(), '{"a": 2}\n');
      assert.equal(doc.isDirty, true);
      assert.equal(doc.applyChanges([{ offset: 0, length: 0, text: 'x' }], 3), false, 'length mismatch: the copies diverged');
      assert.equal(doc.getText(), '{"a": 2}\n');
    });

    it('own hot-exit backups: written right after edits, ciphertext under the same context, coalesced, removed by discard', async () => {
      const doc = await EncryptedDocumentModel.open(path, async () => ks.backend, { maxBytes: 1 << 20 });
      const store = new HotExitStore(join(ks.dir, 'storage', 'hot-exit'));
      let snapshots = 0;
      const writer = new BackupWriter(store, path, () => {
        snapshots++;
        return doc.encryptedSnapshot();
      });
      for (let i = 0; i < 20; i++) {
        doc.edit(`{"a": "HOT-EXIT-SECRET-${i}"}\n`);
        writer.changed();
      }
      await writer.flushed();
      assert.ok(snapshots >= 2 && snapshots < 20, `coalesced: ${snapshots} writes for 20 edits`);
      const bytes = await store.read(path);
      assert.ok(bytes);
      assert.equal(Buffer.from(bytes).includes(Buffer.from('HOT-EXIT-SECRET')), false, 'the backup is ciphertext');
      const restored = await EncryptedDocumentModel.open(path, async () => ks.backend, { maxBytes: 1 << 20, backup: bytes });
      assert.equal(restored.getText(), '{"a": "HOT-EXIT-SECRET-19"}\n', 'the newest edit is in the backup');
      assert.deepEqual(restored.messageParams.context, { app: 'hot' });
      assert.deepEqual(await store.list(), [path]);
      for (const f of readdirSync(store.dir)) assert.equal(readFileSync(join(store.dir, f)).includes(Buffer.from('HOT-EXIT-SECRET')), false);
      await writer.discard();
      assert.equal(await store.read(path), undefined);
      assert.deepEqual(await store.list(), []);
    });

    it('envelope.afterEncrypt: "ask" offers Delete Original and removes only on that answer; "keep" keeps; "delete" deletes', async () => {
      for (const [mode, answer, kept] of [['ask', 'Delete Original', false], ['ask', undefined, true], ['keep', undefined, true], ['delete', undefined, false]] as const) {
        const plain = join(ks.dir, `after-${mode}-${answer ?? 'none'}.txt`);
        writeFileSync(plain, 'AFTER-ENCRYPT\n');
        const ui = new FakeUi();
        ui.chooseAnswers.push(answer);
        const r = await encryptFiles(commandEnv(ui, ks.backend, () => settingsFor(ks.home, { afterEncrypt: mode })), [plain], { keyId: 'alias/a', context: {} });
        await r?.afterEncrypt;
        assert.equal(existsSync(`${plain}.enc`), true);
        assert.equal(existsSync(plain), kept, `${mode}/${answer ?? 'dismissed'}`);
        if (mode === 'ask') assert.match(ui.choices[0] ?? '', /Delete the plaintext original after-ask-.*\.txt\?/);
        else assert.equal(ui.choices.length, 0);
      }
    });
  });
});
