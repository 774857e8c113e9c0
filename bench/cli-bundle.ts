/**
 * The `envelope` CLI bundled from its TypeScript sources with esbuild, for benchmarks that must not
 * pay a run-time TypeScript compiler (bench/files.bench.ts, bench/serve.ts): @envelope/core
 * resolves to its sources, every other bare import stays external (resolved from node_modules),
 * and code splitting keeps lazy imports lazy. Also bundles any extra stand-alone entries.
 */
import { join, resolve } from 'node:path';
import { rm } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

export const REPO = resolve(import.meta.dirname, '..');

const sourcesOfCore: Plugin = {
  name: 'envelope-core-sources',
  setup(b) {
    b.onResolve({ filter: /^@envelope\/core(\/.*)?$/ }, (args) => {
      const sub = args.path.slice('@envelope/core'.length).replace(/^\//, '');
      return { path: join(REPO, 'packages/core/src', `${sub || 'index'}.ts`) };
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * Bundles the CLI as `<outName>/cli.mjs` (plus `extra` entries, name → source) under
 * node_modules/.cache (so external packages resolve); returns the path of each output by name.
 */
export async function bundleCli(outName: string, extra: Record<string, string> = {}): Promise<Record<string, string> & { cli: string }> {
  const outdir = join(REPO, 'node_modules', '.cache', outName);
  await rm(outdir, { recursive: true, force: true });
  const entryPoints = { cli: join(REPO, 'packages/cli/src/main.ts'), ...extra };
  await build({
    entryPoints, outdir, outExtension: { '.js': '.mjs' }, bundle: true, splitting: true, platform: 'node', format: 'esm',
    target: 'node20', sourcemap: true, logLevel: 'warning', plugins: [sourcesOfCore],
  });
  return Object.fromEntries(Object.keys(entryPoints).map((k) => [k, join(outdir, `${k}.mjs`)])) as Record<string, string> & { cli: string };
}
