/**
 * Benchmark: file-to-file streaming encrypt/decrypt (issue 2; docs/PERFORMANCE.md). For each size in
 * BENCH_SIZES (MiB, default "1024"), runs every variant BENCH_RUNS times (default 3) in its own
 * child process (bench/stream-worker.ts) and reports median MB/s, the ratio to a raw node:crypto
 * chunked-GCM loop over the same file, the ratio to the AWS Encryption SDK for JavaScript, and
 * peak RSS. Sizes after the first run only the Envelope streams once (peak RSS vs file size).
 * Then an in-memory sweep of frame lengths (throughput without the disk).
 * BENCH_FRAMES (default "65536,262144,1048576") is the frame-length sweep. Temp files live in a
 * fresh directory under BENCH_TMP (default the OS tmp dir) and are deleted.
 * BENCH_WARM_GIB (default 0) first touches that much memory (see below).
 * Run: `npm run bench -- stream` or `BENCH_SIZES=1024,4096 npm run bench -- stream`.
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { build } from 'esbuild';

const MiB = 1024 * 1024;
const sizes = (process.env['BENCH_SIZES'] ?? '1024').split(',').map(Number);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const frames = (process.env['BENCH_FRAMES'] ?? '65536,262144,1048576').split(',').map(Number);
const REPO = resolve(import.meta.dirname, '..');
/**
 * The worker, bundled so that no TypeScript loader inflates its memory (bare imports resolve from
 * node_modules). `splitting` keeps dynamic imports lazy, as they are when @envelope/core is loaded
 * unbundled: without it esbuild hoists the lazily loaded portable backend's imports to the top.
 */
const WORKER_DIR = join(REPO, 'node_modules', '.cache', 'envelope-bench');
const WORKER = join(WORKER_DIR, 'stream-worker.js');
await rm(WORKER_DIR, { recursive: true, force: true });
await build({
  entryPoints: [join(REPO, 'bench', 'stream-worker.ts')], outdir: WORKER_DIR, bundle: true, splitting: true, platform: 'node',
  format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
});

interface Sample { ms: number; cpuMs: number; maxRssMiB: number }
interface Row { name: string; mbps: number; ms: number; cpuMs: number; rss: number; size: number }

/** MiB → MB (10^6 bytes), the unit of the target. */
const mb = (mib: number): string => (mib * MiB / 1e6).toFixed(0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** One measured run in a fresh process; `readChunk` overrides the read/write chunk size (BENCH_HWM). */
function worker(variant: string, input: string, output: string, frame?: number, readChunk?: number): Sample {
  const args = [WORKER, variant, input, output, ...(frame ? [String(frame)] : [])];
  const env = readChunk ? { ...process.env, BENCH_HWM: String(readChunk) } : process.env;
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env });
  return JSON.parse(out.trim().split('\n').pop()!) as Sample;
}

async function makeInput(path: string, bytes: number): Promise<void> {
  // AES-256-CTR keystream: incompressible, fast to produce, deterministic.
  const c = createCipheriv('aes-256-ctr', Buffer.alloc(32, 1), Buffer.alloc(16));
  const zero = Buffer.alloc(MiB);
  const ws = createWriteStream(path);
  for (let done = 0; done < bytes; done += MiB) {
    if (!ws.write(c.update(zero.subarray(0, Math.min(MiB, bytes - done))))) await once(ws, 'drain');
  }
  ws.end();
  await once(ws, 'finish');
}

/** Equal size, and equal bytes at the start, the middle and the end. */
async function sameContent(a: string, b: string): Promise<boolean> {
  const [sa, sb] = [await stat(a), await stat(b)];
  if (sa.size !== sb.size) return false;
  const [fa, fb] = [await open(a), await open(b)];
  try {
    for (const at of [0, Math.floor(sa.size / 2), Math.max(0, sa.size - MiB)]) {
      const [x, y] = [Buffer.alloc(MiB), Buffer.alloc(MiB)];
      const [ra, rb] = [await fa.read(x, 0, MiB, at), await fb.read(y, 0, MiB, at)];
      if (ra.bytesRead !== rb.bytesRead || !x.equals(y)) return false;
    }
    return true;
  } finally {
    await fa.close();
    await fb.close();
  }
}

interface PairSpec { label: string; enc: string; dec: string; frame: number | undefined; readChunk?: number }

/**
 * Runs every pair (encrypt, then decrypt of its output, checked against the input) `n` times,
 * interleaved run by run so background load hits every variant alike; `sync` before each timed
 * run so no variant pays for another's write-back. Returns median rows.
 */
async function pairs(dir: string, input: string, size: number, specs: PairSpec[], n: number): Promise<Row[]> {
  const samples = new Map<string, Sample[]>();
  const add = (name: string, s: Sample) => samples.set(name, [...(samples.get(name) ?? []), s]);
  const ct = join(dir, 'ct');
  const back = join(dir, 'back');
  for (let i = 0; i < n; i++) {
    for (const p of specs) {
      execFileSync('sync');
      add(`${p.label} encrypt`, worker(p.enc, input, ct, p.frame, p.readChunk));
      execFileSync('sync');
      add(`${p.label} decrypt`, worker(p.dec, ct, back, p.frame, p.readChunk));
      if (!(await sameContent(input, back))) throw new Error(`${p.label}: decrypted output differs from the input`);
      await rm(back, { force: true });
      await rm(ct, { force: true });
    }
  }
  return [...samples].map(([name, s]) => {
    const ms = median(s.map((x) => x.ms));
    return { name, ms, cpuMs: median(s.map((x) => x.cpuMs)), mbps: size / 1e6 / (ms / 1000), rss: Math.max(...s.map((x) => x.maxRssMiB)), size };
  });
}

/** In-memory throughput of the streams per frame length (no disk): the basis of the default frame length. */
async function memorySweep(): Promise<void> {
  const { createEncryptStream, createDecryptStream } = await import('../packages/core/src/stream/node-streams.js');
  const { RawAesKeyring } = await import('../packages/core/src/keyrings/raw-aes-keyring.js');
  const { Readable, Writable } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const keyring = new RawAesKeyring({ keyName: 'bench', keyNamespace: 'bench', wrappingKey: new Uint8Array(32).fill(1) });
  const total = 256 * MiB;
  const data = createCipheriv('aes-256-ctr', Buffer.alloc(32, 2), Buffer.alloc(16)).update(Buffer.alloc(total));
  const chunks = (b: Buffer) => Array.from({ length: Math.ceil(b.length / MiB) }, (_, i) => b.subarray(i * MiB, (i + 1) * MiB));
  console.log(`\n# in memory, ${total / MiB} MiB in 1 MiB chunks through pipeline(), median of ${runs}`);
  console.log('| frame length | encrypt MB/s | decrypt MB/s |\n| --- | --- | --- |');
  for (const f of frames) {
    const enc: number[] = [];
    const dec: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out: Buffer[] = [];
      let t = performance.now();
      await pipeline(Readable.from(chunks(data)), createEncryptStream({ keyring, frameLength: f }), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
      enc.push(total / 1e6 / ((performance.now() - t) / 1000));
      const ct = Buffer.concat(out);
      out.length = 0;
      t = performance.now();
      await pipeline(Readable.from(chunks(ct)), createDecryptStream({ keyring }), new Writable({ write: (_c: Buffer, _e, cb) => cb() }));
      dec.push(total / 1e6 / ((performance.now() - t) / 1000));
    }
    console.log(`| ${f / 1024} KiB | ${median(enc).toFixed(0)} | ${median(dec).toFixed(0)} |`);
  }
}

/**
 * BENCH_WARM_GIB=N: first touch N GiB of memory in a throwaway process. On this VM, page-cache
 * pages the guest has not touched recently cost ~2.5 s of system time per GiB on first use (the
 * host backs them lazily), which lands on whichever run writes into them: mostly the decrypt
 * that follows an encrypt (docs/PERFORMANCE.md, "Streaming encryption").
 */
const warmGiB = Number(process.env['BENCH_WARM_GIB'] ?? 0);
if (warmGiB > 0) {
  const t = performance.now();
  execFileSync(process.execPath, ['-e', `const keep = []; for (let i = 0; i < ${Math.ceil(warmGiB)}; i++) keep.push(Buffer.allocUnsafeSlow(2 ** 30).fill(1));`]);
  console.log(`# warmed ${Math.ceil(warmGiB)} GiB of memory in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const dir = await mkdtemp(join(process.env['BENCH_TMP'] ?? tmpdir(), 'envelope-bench-'));
try {
  const all: Row[] = [];
  for (const [index, mib] of sizes.entries()) {
    const input = join(dir, 'in');
    const size = mib * MiB;
    await makeInput(input, size);
    execFileSync('sync'); // let the input's write-back finish before timing anything
    console.log(`# ${mib} MiB input, ${index === 0 ? runs : 1} run(s) per variant`);
    if (index === 0) {
      const specs: PairSpec[] = [
        { label: 'raw node:crypto GCM loop, 64 KiB', enc: 'raw-encrypt', dec: 'raw-decrypt', frame: 65536 },
        ...frames.map((f) => ({ label: `Envelope, ${f / 1024} KiB frames`, enc: 'envelope-encrypt', dec: 'envelope-decrypt', frame: f })),
        { label: 'AWS ESDK, default 4 KiB frames', enc: 'esdk-encrypt', dec: 'esdk-decrypt', frame: undefined },
        { label: 'AWS ESDK, 64 KiB frames', enc: 'esdk-encrypt', dec: 'esdk-decrypt', frame: 65536 },
      ];
      all.push(...await pairs(dir, input, size, specs, runs));
      const copy: Sample[] = [];
      for (let i = 0; i < runs; i++) copy.push(worker('copy', input, join(dir, 'copy')));
      await rm(join(dir, 'copy'), { force: true });
      const ms = median(copy.map((x) => x.ms));
      all.push({ name: 'copy (read + write, no crypto)', ms, cpuMs: median(copy.map((x) => x.cpuMs)), mbps: size / 1e6 / (ms / 1000), rss: Math.max(...copy.map((x) => x.maxRssMiB)), size });
      const idle = worker('idle', input, join(dir, 'unused'));
      const bare = JSON.parse(execFileSync(process.execPath, ['-e', 'console.log(process.resourceUsage().maxRSS / 1024)'], { encoding: 'utf8' })) as number;
      console.log(`  start-up floor: bare node ${bare.toFixed(0)} MiB; the streams loaded, nothing streamed ${idle.maxRssMiB.toFixed(0)} MiB`);
    } else {
      all.push(...await pairs(dir, input, size, [{ label: 'Envelope, 64 KiB frames', enc: 'envelope-encrypt', dec: 'envelope-decrypt', frame: 65536 }], 1));
    }
    // Peak memory as `pipeline(fs.createReadStream(a), createEncryptStream(…), out)` runs it: Node's
    // default 64 KiB reads and writes (the runs above read 1 MiB at a time, for throughput).
    all.push(...await pairs(dir, input, size, [{
      label: 'Envelope with 64 KiB reads (Node default), 64 KiB frames', enc: 'envelope-encrypt', dec: 'envelope-decrypt', frame: 65536, readChunk: 65536,
    }], index === 0 ? runs : 1));
    await rm(input, { force: true });
    for (const r of all.filter((x) => x.size === size)) console.log(`  ${r.name.padEnd(48)} ${r.mbps.toFixed(0).padStart(6)} MB/s  ${(r.ms / 1000).toFixed(2).padStart(7)} s  CPU ${(r.cpuMs / 1000).toFixed(2)} s  peak RSS ${r.rss.toFixed(0)} MiB (${mb(r.rss)} MB)`);
  }

  const get = (name: string, size: number) => all.find((r) => r.name === name && r.size === size);
  console.log('\nRatios are speed-ups: baseline time / Envelope time (wall) and baseline CPU / Envelope CPU.');
  console.log('| variant | size | MB/s (median wall) | wall | CPU | peak RSS | vs raw loop (wall / CPU) | vs AWS ESDK default frames (wall / CPU) | vs AWS ESDK 64 KiB (wall / CPU) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of all) {
    const op = r.name.endsWith('encrypt') ? 'encrypt' : 'decrypt';
    const raw = get(`raw node:crypto GCM loop, 64 KiB ${op}`, r.size);
    const esdk4 = get(`AWS ESDK, default 4 KiB frames ${op}`, r.size);
    const esdk64 = get(`AWS ESDK, 64 KiB frames ${op}`, r.size);
    const ratio = (base: Row | undefined) =>
      base && r.name.startsWith('Envelope,') ? `${(base.ms / r.ms).toFixed(2)}× / ${(base.cpuMs / r.cpuMs).toFixed(2)}×` : '';
    console.log(`| ${r.name} | ${r.size / MiB} MiB | ${r.mbps.toFixed(0)} | ${(r.ms / 1000).toFixed(2)} s | ${(r.cpuMs / 1000).toFixed(2)} s | ${r.rss.toFixed(0)} MiB (${mb(r.rss)} MB) | ${ratio(raw)} | ${ratio(esdk4)} | ${ratio(esdk64)} |`);
  }
  const envelope = all.filter((r) => r.name.startsWith('Envelope'));
  const worst = Math.max(...envelope.map((r) => r.rss));
  console.log(`\nPeak RSS of every Envelope run, ${sizes.join(' and ')} MiB: at most ${worst.toFixed(1)} MiB = ${mb(worst)} MB (target: under 100 MB, independent of size).`);
  await memorySweep();
} finally {
  await rm(dir, { recursive: true, force: true });
}
