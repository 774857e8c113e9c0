/**
 * `npm run bench`: runs every benchmark entry, each in its own child process (so memory figures
 * and failures stay separate), and exits non-zero when one fails.
 * Entries: every bench/*.bench.ts, plus the stand-alone scripts listed in EXTRA_ENTRIES.
 * Select some by name: `npm run bench -- stream serve`. Add a benchmark by creating
 * bench/<name>.bench.ts that prints its own report (see stream.bench.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BENCH_DIR = resolve(import.meta.dirname);
/** Stand-alone benchmark scripts that predate the *.bench.ts convention. */
const EXTRA_ENTRIES = ['serve.ts', 'serve-sdk.ts'];

const entries = [
  ...readdirSync(BENCH_DIR).filter((f) => f.endsWith('.bench.ts')).sort(),
  ...EXTRA_ENTRIES.filter((f) => existsSync(join(BENCH_DIR, f))),
];
const wanted = process.argv.slice(2);
const selected = wanted.length === 0 ? entries : entries.filter((f) => wanted.some((w) => f.replace(/(\.bench)?\.ts$/, '') === w));
if (selected.length === 0) {
  console.error(`no benchmark named ${wanted.join(', ')}; available: ${entries.map((f) => f.replace(/(\.bench)?\.ts$/, '')).join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const file of selected) {
  console.log(`\n=== ${file} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, file)], { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
