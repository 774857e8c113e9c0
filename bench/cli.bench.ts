/**
 * CLI start-up (issue 13, docs/PERFORMANCE.md "CLI start-up"): CPU time (user + system) of the whole
 * process and its peak RSS, measured by GNU time, for `node -e 0`, `envelope --version` and
 * `envelope key list` on a keystore with 10 keys, interleaved in one run; medians of
 * BENCH_CLI_RUNS (default 7) and each median's ratio to `node -e 0`'s.
 * Targets: --version <= 2x, key list <= 3x, peak RSS <= 64 MiB.
 * `envelope` is the repository's bin (packages/cli/bin/envelope.js, the compiled build that
 * `npm run bench` rebuilds first), including its check that the build is not older than the sources.
 * Run: `npm run bench -- cli`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'packages/cli/bin/envelope.js');
const GNU_TIME = '/usr/bin/time';
const RUNS = Number(process.env['BENCH_CLI_RUNS'] ?? 7);
const KEYS = 10;

interface Sample {
  readonly cpuSeconds: number;
  readonly rssMiB: number;
}

/** One process under GNU time: its user + system CPU seconds and peak RSS. */
function measure(args: readonly string[], env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync(GNU_TIME, ['-f', '@@ %U %S %M', process.execPath, ...args], { env, encoding: 'utf8' });
  const m = /@@ ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return { cpuSeconds: Number(m[1]) + Number(m[2]), rssMiB: Number(m[3]) / 1024 };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function main(): Promise<void> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: install Debian's "time" package (apt-get install time)`);
  const home = await mkdtemp(join(tmpdir(), 'envelope-bench-cli-'));
  try {
    const env = { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' };
    for (let i = 0; i < KEYS; i++) execFileSync(process.execPath, [BIN, 'key', 'create', '--description', `bench ${i}`], { env, stdio: 'ignore' });
    const cases = [
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'envelope --version', args: [BIN, '--version'] },
      { name: `envelope key list (${KEYS} keys)`, args: [BIN, 'key', 'list'] },
    ];
    const samples = cases.map(() => [] as Sample[]);
    measure(['-e', '0'], env); // warm the page cache
    measure([BIN, 'key', 'list'], env);
    for (let run = 0; run < RUNS; run++) cases.forEach((c, i) => samples[i]!.push(measure(c.args, env)));
    const base = median(samples[0]!.map((s) => s.cpuSeconds));
    console.log(`CLI start-up (whole process, GNU time; medians of ${RUNS} interleaved runs; load ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores):`);
    cases.forEach((c, i) => {
      const cpu = samples[i]!.map((s) => s.cpuSeconds);
      const rss = samples[i]!.map((s) => s.rssMiB);
      console.log(
        `  ${c.name.padEnd(30)} CPU ${median(cpu).toFixed(3)} s (${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)})  ${(median(cpu) / base).toFixed(2)}x node -e 0` +
          `  peak RSS ${median(rss).toFixed(1)} MiB (max ${Math.max(...rss).toFixed(1)})`,
      );
    });
    console.log('  targets: --version <= 2x, key list <= 3x node -e 0; peak RSS <= 64 MiB');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
