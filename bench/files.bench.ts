/**
 * Benchmark: the `envelope` CLI encrypting and decrypting a file, file to file, against Debian's
 * `age` (X25519 recipient) and a raw node:crypto AES-256-GCM pipeline (bench/files-raw.ts), on the
 * same file of random data, in the same run, interleaved run by run (issue 13 items 5 and 9;
 * docs/PERFORMANCE.md). Each measured command runs under GNU time (wait4's rusage), so CPU is
 * user + system of the whole process and what it waited for, and peak RSS is the largest process.
 *
 * Variants of the CLI: `bin` is packages/cli's `bin` exactly as users run it; `bundle` is the same
 * CLI bundled from its sources with esbuild (no run-time TypeScript compiler: what a compiled bin
 * costs, and what the profiles below measure). BENCH_FILES_CLI=bin|bundle|both (default both).
 * Setup installs `age` and `time` with apt-get when missing (Debian).
 *
 * Knobs: BENCH_FILES_SIZES (MiB, comma-separated, default "512"; "512,4096" adds the 4 GiB case),
 * BENCH_FILES_RUNS (default 3; sizes after the first run BENCH_FILES_LARGE_RUNS, default 1),
 * BENCH_FILES_NOFSYNC=0 (drop the raw pipeline's no-fsync variant), BENCH_TMP (where the temp files go), BENCH_FILES_PROFILE=1 (also write `--cpu-prof` profiles of
 * one bundled encrypt and decrypt into BENCH_FILES_PROFILE_DIR, default node_modules/.cache/envelope-bench-files-profiles).
 * Run: `npm run bench -- files`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleCli, REPO } from './cli-bundle.js';

const MiB = 1024 * 1024;
const sizes = (process.env['BENCH_FILES_SIZES'] ?? '512').split(',').map(Number);
const runs = Number(process.env['BENCH_FILES_RUNS'] ?? 3);
const largeRuns = Number(process.env['BENCH_FILES_LARGE_RUNS'] ?? 1);
const cliChoice = process.env['BENCH_FILES_CLI'] ?? 'both';
const profile = process.env['BENCH_FILES_PROFILE'] === '1';
const noFsync = process.env['BENCH_FILES_NOFSYNC'] !== '0';

// ---- setup -----------------------------------------------------------------------------------

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** apt-get install, retried while another apt holds the dpkg lock (bounded). */
function aptInstall(pkgs: string[]): void {
  for (let attempt = 0; attempt < 30; attempt++) {
    const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status === 0) return;
    const out = `${r.stdout}${r.stderr}`;
    if (/Could not get lock|Unable to acquire the dpkg/.test(out)) {
      execFileSync('sleep', ['5']);
      continue;
    }
    if (/Unable to locate package|has no installation candidate/.test(out) && attempt === 0) {
      spawnSync('apt-get', ['update'], { stdio: 'ignore' });
      continue;
    }
    throw new Error(`apt-get install ${pkgs.join(' ')} failed:\n${out}`);
  }
  throw new Error(`apt-get install ${pkgs.join(' ')}: dpkg stayed locked`);
}

function ensureTools(): void {
  const missing = [
    ...(has('age') && has('age-keygen') ? [] : ['age']),
    ...(existsSync('/usr/bin/time') ? [] : ['time']),
  ];
  if (missing.length > 0) {
    console.log(`# installing ${missing.join(', ')} with apt-get`);
    aptInstall(missing);
  }
}

function binPath(): string {
  const pkg = JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(REPO, 'packages/cli', pkg.bin['envelope']!);
}

async function makeInput(path: string, bytes: number): Promise<void> {
  const buf = Buffer.allocUnsafe(MiB);
  const ws = createWriteStream(path);
  for (let done = 0; done < bytes; done += MiB) {
    // A fresh buffer per write: the stream may still hold the previous one.
    if (!ws.write(Buffer.from(randomFillSync(buf).subarray(0, Math.min(MiB, bytes - done))))) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
}

// ---- measuring -------------------------------------------------------------------------------

interface Sample { wall: number; user: number; sys: number; rssMiB: number }

/** Runs argv under GNU time; throws with its stderr when the command fails. */
function timed(argv: string[], env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', 'BENCH-TIME %e %U %S %M', ...argv], { encoding: 'utf8', env, stdio: ['ignore', 'ignore', 'pipe'] });
  const line = r.stderr.split('\n').reverse().find((l) => l.startsWith('BENCH-TIME '));
  if (r.status !== 0 || line === undefined) throw new Error(`${argv.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  const [wall, user, sys, kib] = line.split(' ').slice(1).map(Number) as [number, number, number, number];
  return { wall, user, sys, rssMiB: kib / 1024 };
}

interface Tool {
  readonly name: string;
  encrypt(input: string, output: string): string[];
  decrypt(input: string, output: string): string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Row { tool: string; op: 'encrypt' | 'decrypt'; size: number; samples: Sample[] }
const cpu = (s: Sample) => s.user + s.sys;
const med = (r: Row, f: (s: Sample) => number) => median(r.samples.map(f));
const peak = (r: Row) => Math.max(...r.samples.map((s) => s.rssMiB));

ensureTools();
const bundled = await bundleCli('envelope-bench-files', { raw: join(REPO, 'bench/files-raw.ts') });
const { cli } = bundled;
const raw = bundled['raw']!;
const dir = await mkdtemp(join(process.env['BENCH_TMP'] ?? tmpdir(), 'envelope-bench-files-'));
const env = { ...process.env, ENVELOPE_HOME: join(dir, 'home'), NODE_NO_WARNINGS: '1' };
try {
  await mkdir(env.ENVELOPE_HOME, { recursive: true });
  execFileSync(process.execPath, [cli, 'key', 'create', '--alias', 'alias/bench'], { env, stdio: 'ignore' });
  const ageKey = join(dir, 'age.key');
  execFileSync('age-keygen', ['-o', ageKey], { stdio: 'ignore' });
  const recipient = execFileSync('age-keygen', ['-y', ageKey], { encoding: 'utf8' }).trim();

  const envelope = (name: string, entry: string): Tool => ({
    name,
    encrypt: (i, o) => [process.execPath, entry, '--quiet', 'encrypt', i, '--key', 'alias/bench', '-o', o],
    decrypt: (i, o) => [process.execPath, entry, '--quiet', 'decrypt', i, '-o', o],
  });
  const tools: Tool[] = [
    { name: 'age', encrypt: (i, o) => ['age', '-r', recipient, '-o', o, i], decrypt: (i, o) => ['age', '-d', '-i', ageKey, '-o', o, i] },
    { name: 'raw node:crypto', encrypt: (i, o) => [process.execPath, raw, 'encrypt', i, o], decrypt: (i, o) => [process.execPath, raw, 'decrypt', i, o] },
    // The same without the final fsync (as age writes): the cost of durable output, in the same run.
    ...(noFsync ? [{ name: 'raw node:crypto, no fsync', encrypt: (i: string, o: string) => ['env', 'BENCH_RAW_FSYNC=0', process.execPath, raw, 'encrypt', i, o], decrypt: (i: string, o: string) => ['env', 'BENCH_RAW_FSYNC=0', process.execPath, raw, 'decrypt', i, o] }] : []),
    ...(cliChoice === 'both' || cliChoice === 'bundle' ? [envelope('envelope (bundle)', cli)] : []),
    ...(cliChoice === 'both' || cliChoice === 'bin' ? [envelope('envelope (bin)', binPath())] : []),
  ];

  const rows: Row[] = [];
  const row = (tool: string, op: 'encrypt' | 'decrypt', size: number): Row => {
    let r = rows.find((x) => x.tool === tool && x.op === op && x.size === size);
    if (!r) rows.push((r = { tool, op, size, samples: [] }));
    return r;
  };
  const load: number[] = [];
  for (const [index, mib] of sizes.entries()) {
    const input = join(dir, 'in');
    await makeInput(input, mib * MiB);
    execFileSync('sync');
    const n = index === 0 ? runs : largeRuns;
    console.log(`# ${mib} MiB of random data, ${n} interleaved run(s); load average at start ${loadavg()[0]!.toFixed(1)}`);
    for (let i = 0; i < n; i++) {
      // Rotate the order each run so no tool always follows the same neighbour's write-back.
      for (const t of tools.map((_, k) => tools[(k + i) % tools.length]!)) {
        const ct = join(dir, 'ct');
        const back = join(dir, 'back');
        load.push(loadavg()[0]!);
        execFileSync('sync');
        row(t.name, 'encrypt', mib).samples.push(timed(t.encrypt(input, ct), env));
        execFileSync('sync');
        row(t.name, 'decrypt', mib).samples.push(timed(t.decrypt(ct, back), env));
        if (spawnSync('cmp', ['-s', input, back]).status !== 0) throw new Error(`${t.name}: the decrypted file differs from the input`);
        await rm(ct, { force: true });
        await rm(back, { force: true });
      }
    }
    if (profile && index === 0) {
      const profDir = resolve(process.env['BENCH_FILES_PROFILE_DIR'] ?? join(REPO, 'node_modules', '.cache', 'envelope-bench-files-profiles'));
      const ct = join(dir, 'ct');
      for (const [op, argv] of [['encrypt', envelope('', cli).encrypt(input, ct)], ['decrypt', envelope('', cli).decrypt(ct, join(dir, 'back'))]] as const) {
        execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${join(profDir, op)}`, ...argv.slice(1)], { env, stdio: 'ignore' });
      }
      await rm(ct, { force: true });
      await rm(join(dir, 'back'), { force: true });
      console.log(`# CPU profiles of one bundled encrypt and decrypt in ${profDir}`);
    }
    await rm(input, { force: true });
  }

  const s = (x: number) => `${x.toFixed(2)} s`;
  console.log(`\nMedians of the runs (CPU = user + sys of the whole process); peak RSS is the largest run's. Load average during the runs: ${median(load).toFixed(1)} median (${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}), ${cpusNote()}.`);
  console.log('| tool | op | size | CPU | user | sys | wall | peak RSS | CPU vs age | CPU vs raw | wall vs age | runs |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const base = (tool: string) => rows.find((x) => x.tool === tool && x.op === r.op && x.size === r.size);
    const ratio = (b: Row | undefined, f: (s: Sample) => number) => (b && r.tool.startsWith('envelope') ? `${(med(r, f) / med(b, f)).toFixed(2)}×` : '');
    console.log(`| ${r.tool} | ${r.op} | ${r.size} MiB | ${s(med(r, cpu))} | ${s(med(r, (x) => x.user))} | ${s(med(r, (x) => x.sys))} | ${s(med(r, (x) => x.wall))} | ${peak(r).toFixed(0)} MiB | ${ratio(base('age'), cpu)} | ${ratio(base('raw node:crypto'), cpu)} | ${ratio(base('age'), (x) => x.wall)} | ${r.samples.map((x) => cpu(x).toFixed(2)).join(', ')} |`);
  }
  console.log('\nRatios are envelope / peer (lower is better; target CPU vs age ≤ 2×, aim 1.3×; peak RSS ≤ 64 MiB). "runs" lists each run\'s CPU seconds.');
} finally {
  await rm(dir, { recursive: true, force: true });
}

function cpusNote(): string {
  return `${execFileSync('nproc', { encoding: 'utf8' }).trim()} CPUs, Node ${process.versions.node}, ${execFileSync('age', ['--version'], { encoding: 'utf8' }).trim().replace(/^v?/, 'age ')}`;
}
