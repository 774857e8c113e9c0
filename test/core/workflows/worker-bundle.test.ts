/**
 * The decrypt worker's bundle (packages/core/scripts/build-worker.mjs, src/workflows/worker-bundle.ts):
 * used only while it matches the sources it was built from; a missing, malformed or stale bundle
 * falls back to the TypeScript entry.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decryptWorkerEntry, freshBundleEntry } from '../../../packages/core/src/workflows/worker-bundle.js';

const coreRoot = join(import.meta.dirname, '../../../packages/core');
const coreUrl = pathToFileURL(`${coreRoot}/`);

describe('workflows: the decrypt worker bundle', function () {
  this.timeout(30_000);
  let dir: string;
  let bundle: URL;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-worker-bundle-'));
    execFileSync(process.execPath, [join(coreRoot, 'scripts/build-worker.mjs'), join(dir, 'out')]);
    bundle = pathToFileURL(join(dir, 'out/'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const manifestPath = () => join(dir, 'out/inputs.json');
  const rewrite = (edit: (m: { entry: string; sources: Record<string, string> }) => void) => {
    const m = JSON.parse(readFileSync(manifestPath(), 'utf8'));
    edit(m);
    writeFileSync(manifestPath(), JSON.stringify(m));
  };

  it('builds a bundle whose manifest covers the worker and the stream code it runs', () => {
    const m = JSON.parse(readFileSync(manifestPath(), 'utf8')) as { entry: string; sources: Record<string, string> };
    assert.equal(m.entry, 'decrypt-worker.js');
    for (const f of ['src/workflows/decrypt-worker.ts', 'src/stream/frame-opener.ts', 'src/crypto/node-aead.ts']) assert.match(m.sources[f] ?? '', /^[0-9a-f]{64}$/, f);
    assert.ok(existsSync(join(dir, 'out/decrypt-worker.js')));
    assert.equal(freshBundleEntry(bundle, coreUrl)?.href, new URL('decrypt-worker.js', bundle).href);
  });

  it('is not used once a source it was built from differs (a stale bundle never runs)', () => {
    const original = readFileSync(manifestPath(), 'utf8');
    try {
      rewrite((m) => { m.sources['src/stream/frame-opener.ts'] = '0'.repeat(64); });
      assert.equal(freshBundleEntry(bundle, coreUrl), undefined);
      rewrite((m) => { m.sources['src/no-such-file.ts'] = '0'.repeat(64); });
      assert.equal(freshBundleEntry(bundle, coreUrl), undefined);
    } finally {
      writeFileSync(manifestPath(), original);
    }
  });

  it('is not used when the manifest is missing, malformed or points outside the package', () => {
    const original = readFileSync(manifestPath(), 'utf8');
    try {
      for (const bad of ['{', '{}', JSON.stringify({ entry: '../x.js', sources: { 'src/errors.ts': 'x' } }), JSON.stringify({ entry: 'decrypt-worker.js', sources: {} })]) {
        writeFileSync(manifestPath(), bad);
        assert.equal(freshBundleEntry(bundle, coreUrl), undefined, bad);
      }
      const hash = JSON.parse(original).sources['src/errors.ts'] as string;
      writeFileSync(manifestPath(), JSON.stringify({ entry: 'decrypt-worker.js', sources: { '../core/src/errors.ts': hash } }));
      assert.equal(freshBundleEntry(bundle, coreUrl), undefined);
      rmSync(manifestPath());
      assert.equal(freshBundleEntry(bundle, coreUrl), undefined);
    } finally {
      writeFileSync(manifestPath(), original);
    }
  });

  it('the checkout runs the bundle that npm test (and npm ci) built', function () {
    // `npm test` rebuilds dist/decrypt-worker before mocha, so the worker tests exercise the bundle.
    if (process.env['npm_lifecycle_event'] !== 'test') this.skip();
    assert.match(decryptWorkerEntry().href, /\/dist\/decrypt-worker\/decrypt-worker\.js$/);
  });
});
