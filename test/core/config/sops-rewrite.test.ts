/**
 * Rewriting a file SOPS wrote: after one value changes, every other line — values, comments and
 * the metadata block as SOPS laid it out (including its empty key-source lists) — stays the same;
 * only the changed value, lastmodified and mac differ. (YAML: the first rewrite re-indents the
 * armored `enc` block scalars; their text is unchanged.)
 */
import assert from 'node:assert/strict';
import { openConfig, reencrypt } from '@envelope/core';
import { AGE_KEYS_FILE, fixture } from './helpers.js';

describe('config: rewriting SOPS-written files keeps them as SOPS laid them out', function () {
  this.timeout(60_000);
  const env = { SOPS_AGE_KEY_FILE: AGE_KEYS_FILE, HOME: '/nonexistent' };
  for (const [file, format, path, value] of [
    ['age/example.yaml', 'yaml', ['myapp1'], 'changed'],
    ['age/example.json', 'json', ['firstName'], 'Jane'],
    ['age/example.ini', 'ini', ['name', 'firstName'], 'Jane'],
  ] as const) {
    it(file, async () => {
      const before = fixture(file).toString('utf8');
      const opened = await openConfig(before, format, { env, gpg: false });
      opened.doc.setPath(path, value);
      const after = new TextDecoder().decode(reencrypt(opened.doc, opened, { env, gpg: false }));
      // YAML: the yaml package indents block scalars (the armored enc fields) by its own rule: compare without indentation.
      const lines = (t: string) => t.split('\n').map((l) => (format === 'yaml' ? l.trimStart() : l));
      const a = lines(before);
      const b = lines(after);
      assert.equal(b.length, a.length);
      const changed = a.flatMap((l, i) => (l === b[i] ? [] : [l.trim().split(/[:=]/)[0]!.replace(/"/g, '').trim()]));
      assert.deepEqual(changed.sort(), [path[path.length - 1], 'lastmodified', 'mac'].sort());
    });
  }
});
