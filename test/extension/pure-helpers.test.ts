/**
 * Unit tests of the extension's pure rules: settings resolution, file naming and the envelope:
 * view mapping, encryption-context input, error reports and the key explorer's labels.
 */
import assert from 'node:assert/strict';
import { parseContextInput, formatContext } from '../../extension/src/context-input.js';
import { reportError, isCancellation, withErrorName } from '../../extension/src/error-report.js';
import { AccessDeniedException, DisabledException } from '@envelope/core';
import { KeystoreCreationDeclined } from '../../extension/src/key-backend.js';
import { keyContextValue, keyDescription, keyDetailRows } from '../../extension/src/key-tree-model.js';
import { decryptedPathFor, encryptedFileOf, encryptedPathFor, plaintextViewOf } from '../../extension/src/paths.js';
import { describeBackend, expandHome, resolveSettings } from '../../extension/src/settings.js';
import { validateAliasName } from '../../extension/src/key-actions.js';

describe('extension: settings', () => {
  const get = (m: Record<string, unknown>) => (n: string) => m[n];

  it('defaults to the embedded keystore in the default home, profile "default", us-east-1', () => {
    const s = resolveSettings(get({}), {}, { defaultHome: '/h/.envelope' });
    assert.deepEqual(s.backend, { kind: 'embedded', home: '/h/.envelope' });
    assert.equal(s.profile, 'default');
    assert.equal(s.region, 'us-east-1');
    assert.equal(s.afterEncrypt, 'ask');
    assert.equal(s.createKeystoreWithoutAsking, false);
  });

  it('settings win over ENVELOPE_* variables, which win over defaults', () => {
    const env = { ENVELOPE_HOME: '/env/home', ENVELOPE_PROFILE: 'envp', ENVELOPE_REGION: 'eu-west-1' };
    assert.deepEqual(resolveSettings(get({}), env, { defaultHome: '/d' }).backend, { kind: 'embedded', home: '/env/home' });
    const s = resolveSettings(get({ keystoreHome: 'keys', profile: 'dev', region: 'ap-south-1' }), env, { defaultHome: '/d', workspaceDir: '/ws' });
    assert.deepEqual(s.backend, { kind: 'embedded', home: '/ws/keys' });
    assert.equal(s.profile, 'dev');
    assert.equal(s.region, 'ap-south-1');
  });

  it('endpoint: empty → embedded, "aws" → AWS KMS, URL → endpoint; anything else is rejected', () => {
    assert.deepEqual(resolveSettings(get({ endpoint: 'aws' }), {}, { defaultHome: '/d' }).backend, { kind: 'aws' });
    assert.deepEqual(resolveSettings(get({ endpoint: 'http://127.0.0.1:8080/' }), {}, { defaultHome: '/d' }).backend, { kind: 'endpoint', url: 'http://127.0.0.1:8080' });
    assert.throws(() => resolveSettings(get({ endpoint: 'ftp://x' }), {}, { defaultHome: '/d' }), /http\(s\) URL/);
    assert.throws(() => resolveSettings(get({ endpoint: 'not a url' }), {}, { defaultHome: '/d' }), /envelope\.endpoint/);
  });

  it('expands ~ and describes the backend for the status bar', () => {
    assert.equal(expandHome('~/k', undefined, '/home/u'), '/home/u/k');
    assert.equal(expandHome('/abs', '/ws', '/home/u'), '/abs');
    const s = resolveSettings(get({ keystoreHome: '/home/u/.envelope', profile: 'dev' }), {}, { defaultHome: '/d' });
    assert.equal(describeBackend(s, '/home/u'), 'dev · ~/.envelope');
    assert.equal(describeBackend(resolveSettings(get({ endpoint: 'aws', region: 'eu-west-1' }), {}, { defaultHome: '/d' })), 'default · AWS KMS eu-west-1');
  });
});

describe('extension: file naming', () => {
  it('x ↔ x.enc, and x.decrypted for files without the suffix', () => {
    assert.equal(encryptedPathFor('/a/config.json'), '/a/config.json.enc');
    assert.equal(decryptedPathFor('/a/config.json.enc'), '/a/config.json');
    assert.equal(decryptedPathFor('/a/.env.enc'), '/a/.env');
    assert.equal(decryptedPathFor('/a/blob'), '/a/blob.decrypted');
    assert.equal(decryptedPathFor('/a/.enc'), '/a/.enc.decrypted');
  });

  it('the envelope: view path drops .enc (so the language follows the inner name) and maps back', () => {
    for (const f of ['/w/config.json.enc', '/w/.env.enc', '/w/secret.bin', '/w/x.enc.enc']) {
      const v = plaintextViewOf(f);
      assert.equal(encryptedFileOf(v.path, v.query), f);
    }
    assert.deepEqual(plaintextViewOf('/w/config.json.enc'), { path: '/w/config.json', query: '' });
    assert.deepEqual(plaintextViewOf('/w/secret.bin'), { path: '/w/secret.bin', query: 'raw' });
  });
});

describe('extension: encryption context input', () => {
  it('parses k=v pairs separated by commas or new lines, with escapes', () => {
    assert.deepEqual(parseContextInput(''), {});
    assert.deepEqual(parseContextInput(' purpose = config , env=dev\nteam=a\\,b'), { purpose: 'config', env: 'dev', team: 'a,b' });
    assert.deepEqual(parseContextInput('url=a\\=b'), { url: 'a=b' });
  });

  it('rejects malformed, duplicate and reserved keys with a clear message', () => {
    assert.throws(() => parseContextInput('novalue'), /expected key=value/);
    assert.throws(() => parseContextInput('=v'), /empty key/);
    assert.throws(() => parseContextInput('a=1,a=2'), /duplicate key "a"/);
    assert.throws(() => parseContextInput('aws:x=1'), /reserved/);
  });

  it('formats a context back in a parseable form', () => {
    const ctx = { b: '2', a: 'x,y=z' };
    assert.equal(formatContext(ctx), 'a=x\\,y\\=z, b=2');
    assert.deepEqual(parseContextInput(formatContext(ctx)), ctx);
  });
});

describe('extension: error reports', () => {
  it('keeps the AWS error name and message', () => {
    const r = reportError(new AccessDeniedException('User root is not authorized to perform kms:Decrypt because no statement allows it'), 'Decrypt');
    assert.equal(r.show, true);
    assert.equal(r.name, 'AccessDeniedException');
    assert.equal(r.text, 'Decrypt failed: AccessDeniedException: User root is not authorized to perform kms:Decrypt because no statement allows it');
    assert.equal(reportError(new DisabledException('key is disabled')).name, 'DisabledException');
  });

  it('names Node I/O errors by code and stays silent for cancellations', () => {
    const enoent = Object.assign(new Error('ENOENT: no such file or directory, open \'/x\''), { code: 'ENOENT' });
    assert.equal(reportError(enoent).text, "ENOENT: no such file or directory, open '/x'");
    const abort = Object.assign(new Error('cancelled'), { name: 'AbortError' });
    assert.equal(isCancellation(abort), true);
    assert.equal(reportError(abort).show, false);
    assert.equal(reportError(new KeystoreCreationDeclined('/h')).show, false);
  });

  it('errors thrown back to VS Code (custom-editor save/revert) carry the AWS name in their message', () => {
    const e = withErrorName(new DisabledException('key arn:aws:kms:us-east-1:111122223333:key/k is disabled')) as Error;
    assert.equal(e.name, 'DisabledException');
    assert.equal(e.message, 'DisabledException: key arn:aws:kms:us-east-1:111122223333:key/k is disabled');
    const plain = new Error('plain');
    assert.equal(withErrorName(plain), plain);
    const abort = Object.assign(new Error('cancelled'), { name: 'AbortError' });
    assert.equal(withErrorName(abort), abort);
  });
});

describe('extension: key explorer labels', () => {
  const entry = (over: Record<string, unknown> = {}) => ({
    keyId: '1234abcd-0000-0000-0000-000000000000',
    arn: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-0000-0000-0000-000000000000',
    aliases: ['alias/app'],
    metadata: { KeyId: '1234abcd', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', KeyManager: 'CUSTOMER', Origin: 'AWS_KMS', ...over },
  });

  it('context values drive the menus: state and rotatability', () => {
    assert.equal(keyContextValue(entry()), 'key.Enabled.rotatable');
    assert.equal(keyContextValue(entry({ KeyState: 'Disabled' })), 'key.Disabled.rotatable');
    assert.equal(keyContextValue(entry({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })), 'key.Enabled');
    assert.equal(keyContextValue(entry({ Origin: 'EXTERNAL' })), 'key.Enabled');
    assert.equal(keyDescription(entry()), 'Enabled · SYMMETRIC_DEFAULT · 1234abcd');
  });

  it('detail rows show aliases, spec, state, rotation and versions', () => {
    const rows = keyDetailRows(entry({ KeyState: 'PendingDeletion', DeletionDate: new Date('2026-12-24T00:00:00Z') }), {
      enabled: true,
      periodDays: 90,
      nextRotation: new Date('2027-01-01T00:00:00Z'),
      rotations: [{ RotationDate: new Date('2026-10-01T00:00:00Z') }, { RotationDate: new Date('2026-11-01T00:00:00Z') }],
    });
    const m = Object.fromEntries(rows.map((r) => [r.label, r.value]));
    assert.equal(m['Aliases'], 'alias/app');
    assert.equal(m['Spec'], 'SYMMETRIC_DEFAULT · ENCRYPT_DECRYPT');
    assert.equal(m['Deletion'], '2026-12-24');
    assert.equal(m['Rotation'], 'automatic every 90 days, next 2027-01-01');
    assert.equal(m['Versions'], '3 (2 rotations, last 2026-11-01)');
  });

  it('alias names are validated like AWS does', () => {
    assert.equal(validateAliasName('alias/app-1/x_y'), undefined);
    assert.match(validateAliasName('app') ?? '', /alias\//);
    assert.match(validateAliasName('alias/aws/x') ?? '', /reserved/);
  });
});
