/**
 * Unit tests of the SOPS editor's document model (extension/src/sops-document.ts) and its key
 * summary (sops-keys.ts): a SOPS YAML/JSON/dotenv file opens decrypted without its `sops` block;
 * save re-encrypts with minimal diffs (only the edited value's line, `lastmodified` and `mac`
 * change, also on a second save); a document that does not parse, or has a `sops` key, is refused
 * and nothing is written; backups are ciphertext (also under an encrypted_regex rule) and restore
 * the edit; a file rewritten on disk meanwhile (rotate) is re-read before saving. The files are
 * written by the core's encryptConfig and read back by the core's decryptConfig.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decryptConfig, encryptConfig, generateAgeIdentity, systemRandom, type AgeIdentity, type ConfigKeyOptions } from '@envelope/core';
import { decryptSopsVersion, isSopsText, SopsDocumentModel } from '../../extension/src/sops-document.js';
import { summarizeSopsKeys } from '../../extension/src/sops-keys.js';
import { tempKeystore, type TempKeystore } from './helpers/temp-keystore.js';

const YAML = `# service settings
db:
  user: admin
  password: UNIT-SOPS-PW-1 # inline
api_token: UNIT-SOPS-TOKEN-1
port: 5432
debug: false
`;

/** Lines of `b` that differ from the line at the same index of `a` (same line count expected). */
function changedLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  assert.equal(x.length, y.length, 'same number of lines');
  return y.filter((l, i) => l !== x[i]);
}

describe('extension: SOPS editor document model', () => {
  let ks: TempKeystore;
  let id: AgeIdentity;
  let keys: () => Promise<ConfigKeyOptions>;
  before(async () => {
    ks = await tempKeystore();
    id = generateAgeIdentity(systemRandom);
    keys = async () => ({ ageIdentities: [id], kms: ks.backend.configKms, gpg: false });
  });
  after(() => ks.cleanup());

  async function sopsFile(name: string, text: string, extra: Partial<Parameters<typeof encryptConfig>[1]> = {}): Promise<string> {
    const path = join(ks.dir, name);
    const format = name.endsWith('.json') ? 'json' : name.endsWith('.env') ? 'dotenv' : 'yaml';
    writeFileSync(path, await encryptConfig(text, { format, keys: { age: [id.recipient], kms: [ks.keyA] }, ...(await keys()), ...extra }));
    return path;
  }
  const open = (path: string, backup?: Uint8Array) => SopsDocumentModel.open(path, keys, { maxBytes: 1 << 20, ...(backup ? { backup } : {}) });

  it('detects SOPS files by content, not by name', async () => {
    const path = await sopsFile('detect.yaml', YAML);
    assert.equal(isSopsText(path, readFileSync(path, 'utf8')), true);
    assert.equal(isSopsText(path, YAML), false, 'a plain YAML file');
    assert.equal(isSopsText('x.yaml', 'sops:\n  note: ENC[AES256_GCM,data:x]\n'), false, 'a sops key without valid metadata');
    assert.equal(isSopsText('x.txt', readFileSync(path, 'utf8')), false, 'not a YAML/JSON/dotenv/INI name');
  });

  it('opens decrypted, without the sops block, comments and order kept', async () => {
    const path = await sopsFile('open.yaml', YAML);
    assert.ok(readFileSync(path, 'utf8').includes('sops:'));
    const doc = await open(path);
    assert.equal(doc.getText(), YAML);
    assert.equal(doc.isDirty, false);
    assert.deepEqual(summarizeSopsKeys(doc.metadata).keys, [`kms ${ks.keyA}`, `age ${id.recipient}`]);
  });

  it('save changes only the edited value, lastmodified and mac (twice in a row)', async () => {
    const path = await sopsFile('save.yaml', YAML);
    const before = readFileSync(path, 'utf8');
    const doc = await open(path);
    assert.equal(doc.edit(YAML.replace('UNIT-SOPS-PW-1', 'UNIT-SOPS-PW-2')), true);
    await new Promise((r) => setTimeout(r, 1100)); // lastmodified has 1 s resolution
    await doc.save();
    assert.equal(doc.isDirty, false);
    const after = readFileSync(path, 'utf8');
    assert.equal(after.includes('UNIT-SOPS'), false, 'ciphertext on disk');
    const changed = changedLines(before, after);
    assert.equal(changed.length, 3, changed.join('\n'));
    assert.match(changed[0]!, /^ {2}password: ENC\[AES256_GCM,.*type:str\] #ENC\[/);
    assert.match(changed[1]!, /^\s+lastmodified: /);
    assert.match(changed[2]!, /^\s+mac: ENC\[/);
    assert.deepEqual(await decryptConfig(after, { format: 'yaml', ...(await keys()) }), {
      db: { user: 'admin', password: 'UNIT-SOPS-PW-2' }, api_token: 'UNIT-SOPS-TOKEN-1', port: 5432, debug: false,
    });
    // Second save: the value changed by the first save keeps its new ciphertext.
    doc.edit(doc.getText().replace('UNIT-SOPS-TOKEN-1', 'UNIT-SOPS-TOKEN-2'));
    await new Promise((r) => setTimeout(r, 1100));
    await doc.save();
    const third = readFileSync(path, 'utf8');
    const changed2 = changedLines(after, third);
    assert.equal(changed2.length, 3, changed2.join('\n'));
    assert.match(changed2[0]!, /^api_token: ENC\[/);
    assert.equal((await open(path)).getText(), YAML.replace('UNIT-SOPS-PW-1', 'UNIT-SOPS-PW-2').replace('UNIT-SOPS-TOKEN-1', 'UNIT-SOPS-TOKEN-2'));
  });

  it('refuses a document that does not parse, or that has a sops key, and writes nothing', async () => {
    const path = await sopsFile('refuse.yaml', YAML);
    const before = readFileSync(path);
    const doc = await open(path);
    doc.edit('db: [unclosed\n  password: UNIT-SOPS-BROKEN\n');
    await assert.rejects(doc.save(), (e: Error) => e.name === 'ValidationException' && /does not parse as yaml/.test(e.message) && !e.message.includes('UNIT-SOPS'));
    doc.edit(`${YAML}sops: {}\n`);
    await assert.rejects(doc.save(), /must not contain a top-level "sops" key/);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(doc.isDirty, true);
  });

  it('JSON and dotenv files round-trip through the editor with minimal diffs', async () => {
    const json = '{\n\t"user": "admin",\n\t"password": "UNIT-SOPS-JSON-1"\n}\n';
    const jpath = await sopsFile('c.json', json);
    const jdoc = await open(jpath);
    assert.equal(jdoc.getText(), json);
    const jbefore = readFileSync(jpath, 'utf8');
    jdoc.edit(json.replace('UNIT-SOPS-JSON-1', 'UNIT-SOPS-JSON-2'));
    await jdoc.save();
    const jchanged = changedLines(jbefore, readFileSync(jpath, 'utf8'));
    assert.ok(jchanged.some((l) => l.includes('"password": "ENC[')) && !jchanged.some((l) => l.includes('"user"')), jchanged.join('\n'));
    const env = 'USER=admin\nPASSWORD=UNIT-SOPS-ENV-1\n';
    const epath = await sopsFile('c.env', env);
    const edoc = await open(epath);
    assert.equal(edoc.getText(), env);
    edoc.edit(env.replace('UNIT-SOPS-ENV-1', 'UNIT-SOPS-ENV-2'));
    await edoc.save();
    assert.deepEqual(await decryptConfig(readFileSync(epath), { format: 'dotenv', ...(await keys()) }), { USER: 'admin', PASSWORD: 'UNIT-SOPS-ENV-2' });
  });

  it('backups are ciphertext (every value, whatever the rules) and restore the unsaved edit, even one that does not parse', async () => {
    const path = await sopsFile('backup.yaml', YAML, { rules: { encrypted_regex: '^password$' } });
    assert.ok(readFileSync(path, 'utf8').includes('UNIT-SOPS-TOKEN-1'), 'the rule leaves api_token in clear in the file');
    const doc = await open(path);
    const edited = `${YAML.replace('UNIT-SOPS-TOKEN-1', 'UNIT-SOPS-TOKEN-9')}broken: [\n`;
    doc.edit(edited);
    const backup = await doc.encryptedSnapshot();
    const raw = Buffer.from(backup).toString('utf8');
    assert.equal(raw.includes('UNIT-SOPS'), false, 'no plaintext in the backup');
    assert.equal(raw.includes('admin'), false);
    const restored = await open(path, backup);
    assert.equal(restored.getText(), edited);
    assert.equal(restored.isDirty, true);
    await assert.rejects(open(path, Buffer.from(raw.replace(/"data": "ENC\[AES256_GCM,data:./, (m) => m.slice(0, -1) + (m.endsWith('A') ? 'B' : 'A')))));
  });

  it('a file rewritten on disk while open (new data key) is re-read before saving', async () => {
    const path = await sopsFile('rotated.yaml', YAML);
    const doc = await open(path);
    // Another writer: a fresh data key for the same plaintext.
    writeFileSync(path, await encryptConfig(YAML.replace('admin', 'root'), { format: 'yaml', keys: { age: [id.recipient] }, ...(await keys()) }));
    doc.edit(YAML.replace('UNIT-SOPS-PW-1', 'UNIT-SOPS-PW-3'));
    await doc.save();
    const after = readFileSync(path, 'utf8');
    assert.equal(after.includes(ks.keyA), false, 'the metadata of the file on disk (age only) is kept');
    assert.deepEqual(((await decryptConfig(after, { format: 'yaml', ...(await keys()) })) as { db: unknown }).db, { user: 'admin', password: 'UNIT-SOPS-PW-3' });
  });

  it('decrypts another version of the file for the diff (the committed one), with the known data key or the key sources', async () => {
    const path = await sopsFile('diff.yaml', YAML);
    const committed = readFileSync(path);
    const doc = await open(path);
    doc.edit(YAML.replace('UNIT-SOPS-PW-1', 'UNIT-SOPS-PW-5'));
    await doc.save();
    assert.equal(await decryptSopsVersion(committed, path, keys, doc.dataKey), YAML);
    let asked = 0;
    const counting = async () => {
      asked++;
      return keys();
    };
    assert.equal(await decryptSopsVersion(committed, path, counting, doc.dataKey), YAML);
    assert.equal(asked, 0, 'the same data key: no key source asked');
    const other = await sopsFile('other.yaml', 'a: UNIT-SOPS-OTHER\n');
    assert.equal(await decryptSopsVersion(readFileSync(other), path, counting, doc.dataKey), 'a: UNIT-SOPS-OTHER\n');
    assert.equal(asked, 1, 'another data key: the key sources are asked');
  });

  it('INI files open and save too', async () => {
    const ini = '[db]\nuser = admin\npassword = UNIT-SOPS-INI-1\n';
    const path = join(ks.dir, 'c.ini');
    writeFileSync(path, await encryptConfig(ini, { format: 'ini', keys: { age: [id.recipient] }, ...(await keys()) }));
    assert.equal(isSopsText(path, readFileSync(path, 'utf8')), true);
    const doc = await open(path);
    assert.equal(doc.getText(), ini);
    doc.edit(ini.replace('UNIT-SOPS-INI-1', 'UNIT-SOPS-INI-2'));
    await doc.save();
    assert.deepEqual(await decryptConfig(readFileSync(path), { format: 'ini', ...(await keys()) }), { db: { user: 'admin', password: 'UNIT-SOPS-INI-2' } });
  });

  it('summarizes kms/age/pgp keys and Shamir groups', () => {
    const s = summarizeSopsKeys({
      grouped: true,
      shamir_threshold: 2,
      keyGroups: [
        [{ type: 'kms', fields: { arn: 'arn:aws:kms:us-east-1:111122223333:key/k1', context: { app: 'x' }, enc: 'SECRET-WRAPPED' } }],
        [{ type: 'age', fields: { recipient: 'age1abc', enc: 'x' } }],
        [{ type: 'pgp', fields: { fp: '85D77543B3D624B63CEA9E6DBC17301B491B3F21' } }],
      ],
    });
    assert.deepEqual(s.keys, [
      'group 1: kms arn:aws:kms:us-east-1:111122223333:key/k1 (context app=x)',
      'group 2: age age1abc',
      'group 3: pgp 85D77543B3D624B63CEA9E6DBC17301B491B3F21',
    ]);
    assert.equal(s.groups, '2 of 3 key groups (Shamir)');
    assert.equal(s.short, 'Shamir 2/3: kms ×1, age ×1, pgp ×1');
    assert.equal(JSON.stringify(s).includes('SECRET-WRAPPED'), false);
    assert.equal(summarizeSopsKeys({ grouped: false, keyGroups: [[{ type: 'age', fields: { recipient: 'age1x' } }]] }).short, 'age ×1');
  });
});
