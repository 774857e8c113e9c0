// Bundles the snapshot-copy decrypt worker (src/workflows/decrypt-worker.ts) with esbuild into
// dist/decrypt-worker/, so the worker thread starts without a TypeScript loader: about 45 ms to a
// loaded module instead of about 180 ms through tsx (docs/PERFORMANCE.md, "Workflows").
// Next to the bundle, inputs.json records the SHA-256 of every source file bundled;
// src/workflows/worker-bundle.ts uses the bundle only while every one of them still matches, and
// falls back to the TypeScript entry otherwise, so an edited source is never run stale.
// Run by `npm ci` (prepare), `npm test` and `npm run build`:
//   node packages/core/scripts/build-worker.mjs [outdir]
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(coreRoot, 'dist', 'decrypt-worker'));
const ENTRY = 'src/workflows/decrypt-worker.ts';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // An install without dev dependencies: the copy workflow then loads the worker through tsx.
  console.warn('build-worker: esbuild is not installed; the decrypt worker will load its TypeScript sources through tsx');
  process.exit(0);
}

const staging = `${outdir}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: coreRoot,
  entryPoints: [ENTRY],
  outdir: staging,
  bundle: true,
  // Keeps dynamic imports lazy (the portable @noble backend loads only when asked for).
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
const sources = {};
for (const input of Object.keys(result.metafile.inputs).sort()) {
  sources[input] = createHash('sha256').update(readFileSync(join(coreRoot, input))).digest('hex');
}
writeFileSync(join(staging, 'inputs.json'), `${JSON.stringify({ entry: 'decrypt-worker.js', sources }, null, 2)}\n`);
rmSync(outdir, { recursive: true, force: true });
renameSync(staging, outdir);
