// Bundles the extension into dist/:
// - dist/extension.js: src/extension.ts and the @envelope/core it imports, one CommonJS file for
//   the VS Code extension host (which `require`s `main`); `vscode` is provided by the host.
//   dist/package.json marks dist/ as CommonJS because the extension's own package.json is
//   "type": "module" (the sources are ESM for tsx and tsc).
// - dist/webview/: the Encrypted Editor's page (webview/editor.ts with the parts of monaco-editor
//   webview/monaco.ts names; editor.js + editor.css + the codicon font) and Monaco's two workers
//   (the editor worker and the JSON language worker), each one classic-script IIFE.
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const outdir = join(here, 'dist');
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

// jsonc-parser's "main" is a UMD build whose require('./impl/…') calls esbuild cannot follow;
// its ESM build bundles cleanly.
const jsoncEsm = join(dirname(createRequire(import.meta.url).resolve('jsonc-parser/package.json')), 'lib/esm/main.js');

const host = await build({
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(outdir, 'extension.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  alias: { 'jsonc-parser': jsoncEsm },
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // Core is ESM; a few modules read import.meta.url, which CJS bundles must emulate.
  define: { 'import.meta.url': '__envelope_import_meta_url' },
  banner: { js: 'const __envelope_import_meta_url = require("url").pathToFileURL(__filename).href;' },
});

const webviewDir = join(outdir, 'webview');
rmSync(webviewDir, { recursive: true, force: true });
const monacoDir = join(here, '../node_modules/monaco-editor/esm/vs');
const browser = {
  bundle: true,
  platform: 'browser',
  target: 'chrome120',
  format: 'iife',
  minify: production,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'error',
  // Monaco's ESM names its workers with new URL(…, import.meta.url); the page supplies them
  // through MonacoEnvironment.getWorker instead, so that code path is never taken.
  define: { 'import.meta.url': '""' },
  loader: { '.ttf': 'file' },
  alias: { 'monaco-codicon.css': join(monacoDir, 'base/browser/ui/codicons/codicon/codicon.css') },
  assetNames: '[name]',
};
const webview = await build({
  ...browser,
  entryPoints: { editor: join(here, 'webview/editor.ts') },
  outdir: webviewDir,
});
const workers = await build({
  ...browser,
  entryPoints: {
    'editor.worker': join(monacoDir, 'editor/editor.worker.js'),
    'json.worker': join(monacoDir, 'languages/features/json/json.worker.js'),
  },
  outdir: webviewDir,
});

const kib = (r) => (Object.values(r.metafile.outputs).reduce((n, o) => n + o.bytes, 0) / 1024).toFixed(0);
console.log(`extension bundle: dist/extension.js (${kib(host)} KiB), dist/webview (page ${kib(webview)} KiB, workers ${kib(workers)} KiB)${production ? ', minified' : ''}`);
