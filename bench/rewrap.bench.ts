/**
 * Benchmark: `envelope reencrypt <file> --key K --rewrap` in place, as users run it (the bin), on a
 * 1 MiB and a 1 GiB file (issue 15; docs/PERFORMANCE.md "Rewrap in place"). Each size is encrypted
 * once under key A; then, interleaved size by size, the file is rewrapped A→B→A… in place (same
 * header length: the header is written over the old one) and, for comparison, with two keys and back
 * (another header length: the full atomic rewrite). Reports wall-time medians, the bytes each
 * command says it wrote, and `envelope --version` (start-up) in the same run; checks the inode kept
 * and that the file still decrypts (`cmp`) at the end.
 *
 * Knobs: BENCH_REWRAP_SIZES (MiB, default "1,1024"), BENCH_REWRAP_RUNS (default 5), BENCH_TMP.
 * Run: `npm run bench -- rewrap`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { createWriteStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './cli-bundle.js';

const MiB = 1024 * 1024;
const sizes = (process.env['BENCH_REWRAP_SIZES'] ?? '1,1024').split(',').map(Number);
const runs = Number(process.env['BENCH_REWRAP_RUNS'] ?? 5);
const BIN = join(REPO, 'packages/cli/bin/envelope.js');

const dir = await mkdtemp(join(process.env['BENCH_TMP'] ?? tmpdir(), 'envelope-bench-rewrap-'));
const env = { ...process.env, ENVELOPE_HOME: dir, NODE_NO_WARNINGS: '1' };

function envelope(args: string[]): { ms: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`envelope ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

async function randomFile(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const chunk = Buffer.alloc(4 * MiB);
  for (let left = bytes; left > 0; left -= chunk.length) {
    randomFillSync(chunk);
    if (!out.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  envelope(['key', 'create', '--alias', 'alias/bench-a']);
  envelope(['key', 'create', '--alias', 'alias/bench-b']);
  for (const mib of sizes) {
    await randomFile(join(dir, `${mib}.bin`), mib * MiB);
    envelope(['encrypt', `${mib}.bin`, '--key', 'alias/bench-a', '-o', `${mib}.enc`]);
  }
  const inPlace = new Map<number, number[]>(sizes.map((s) => [s, []]));
  const full = new Map<number, number[]>(sizes.map((s) => [s, []]));
  const written = new Map<number, { inPlace: number; full: number }>();
  const startup: number[] = [];
  const load: number[] = [];
  const inode = new Map(sizes.map((s) => [s, statSync(join(dir, `${s}.enc`)).ino]));
  for (let run = 0; run < runs; run++) {
    load.push(loadavg()[0]!);
    startup.push(envelope(['--version']).ms);
    for (const mib of run % 2 === 0 ? sizes : [...sizes].reverse()) {
      const file = `${mib}.enc`;
      const to = run % 2 === 0 ? 'alias/bench-b' : 'alias/bench-a';
      const r = envelope(['--json', 'reencrypt', file, '--key', to, '--rewrap']);
      const s = JSON.parse(r.stdout) as { InPlace: boolean; BytesWritten: number };
      if (!s.InPlace) throw new Error(`expected an in-place rewrap of ${file}`);
      inPlace.get(mib)!.push(r.ms);
      if (statSync(join(dir, file)).ino !== inode.get(mib)) throw new Error(`${file} was replaced, not rewritten in place`);
      if (run === 0) {
        // Another header length: to two keys, then back to one (both full rewrites).
        for (const keys of [['--key', 'alias/bench-a', '--key', 'alias/bench-b'], ['--key', to]]) {
          const f = envelope(['--json', 'reencrypt', file, ...keys, '--rewrap']);
          const fs = JSON.parse(f.stdout) as { InPlace: boolean; BytesWritten: number };
          if (fs.InPlace) throw new Error('expected a full rewrite');
          full.get(mib)!.push(f.ms);
          written.set(mib, { inPlace: s.BytesWritten, full: fs.BytesWritten });
        }
        inode.set(mib, statSync(join(dir, file)).ino);
      }
    }
  }
  for (const mib of sizes) {
    envelope(['decrypt', `${mib}.enc`, '-o', `${mib}.out`]);
    execFileSync('cmp', [join(dir, `${mib}.bin`), join(dir, `${mib}.out`)]);
  }
  console.log(`rewrap in place, ${runs} runs, load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}; envelope --version median ${median(startup).toFixed(0)} ms`);
  console.log('| file | in place: wall median (min–max) | bytes written | full rewrite (another header length): wall, 2 runs in run 1 | bytes written |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const mib of sizes) {
    const ip = inPlace.get(mib)!;
    const w = written.get(mib)!;
    console.log(`| ${mib} MiB | ${median(ip).toFixed(0)} ms (${Math.min(...ip).toFixed(0)}–${Math.max(...ip).toFixed(0)}) | ${w.inPlace} | ${full.get(mib)!.map((x) => x.toFixed(0)).join(' / ')} ms | ${w.full} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
