// Bundles the extension (src/extension.ts and the @envelope/core it imports) into one CommonJS
// file, dist/extension.js, for the VS Code extension host (which `require`s `main`).
// `vscode` is provided by the host. dist/package.json marks dist/ as CommonJS because the
// extension's own package.json is "type": "module" (the sources are ESM for tsx and tsc).
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const outdir = join(here, 'dist');
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');

const result = await build({
  entryPoints: [join(here, 'src/extension.ts')],
  outfile: join(outdir, 'extension.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: production ? false : 'linked',
  minify: production,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // Core is ESM; a few modules read import.meta.url, which CJS bundles must emulate.
  define: { 'import.meta.url': '__envelope_import_meta_url' },
  banner: { js: 'const __envelope_import_meta_url = require("url").pathToFileURL(__filename).href;' },
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`extension bundle: dist/extension.js (${(bytes / 1024).toFixed(0)} KiB${production ? ', minified' : ''})`);
