/**
 * Benchmark: `envelope serve` throughput (issue 14 item 6; docs/PERFORMANCE.md "Serve"). A
 * keep-alive load generator (autocannon, in this process) drives BENCH_SERVE_CONNECTIONS (16)
 * connections for BENCH_SERVE_SECONDS (20) per scenario against:
 *   - a bare node:http server answering a fixed JSON body (the ceiling of this machine, same run);
 *   - `envelope serve`: GenerateDataKey (AES_256, with an encryption context) and Encrypt of 1 KiB.
 * The KMS requests are signed by the AWS SDK itself (@aws-sdk/client-kms, a request handler that
 * captures the signed request instead of sending it) and replayed as they are: a SigV4 signature
 * stays valid for the 15-minute skew window, and each scenario re-signs before it starts. Every
 * response must be 2xx; afterwards the audit log must hold exactly one GenerateDataKey event per
 * 2xx GenerateDataKey response (auditing on, nothing lost). Prints requests/s, p50/p99 latency,
 * the server's CPU seconds and requests per CPU-second, and its peak RSS (VmHWM).
 *
 * The server runs the CLI bundled from its sources (bench/cli-bundle.ts; no run-time TypeScript
 * compiler) unless BENCH_SERVE_CLI=bin. BENCH_SERVE_RUNS (1) repeats the scenarios interleaved.
 * BENCH_SERVE_PROFILE=1 runs the server under --cpu-prof (written to
 * node_modules/.cache/envelope-bench-serve-profiles when it stops).
 * Run: `npm run bench -- serve` (quick look: `BENCH_SERVE_SECONDS=5 npm run bench -- serve`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { cli } from './in-process-cli.js';
import { bundleCli, REPO } from './cli-bundle.js';

const connections = Number(process.env['BENCH_SERVE_CONNECTIONS'] ?? 16);
const seconds = Number(process.env['BENCH_SERVE_SECONDS'] ?? 20);
const runs = Number(process.env['BENCH_SERVE_RUNS'] ?? 1);
const useBin = process.env['BENCH_SERVE_CLI'] === 'bin';
const profile = process.env['BENCH_SERVE_PROFILE'] === '1';
const REGION = 'us-east-1';
const CONTEXT = { bench: 'serve' };

/** Starts a child that prints its endpoint as the first line of stdout (JSON `{Endpoint}` or a URL). */
function startServer(argv: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const line = buf.slice(0, nl);
        resolve({ child, endpoint: line.startsWith('{') ? (JSON.parse(line).Endpoint as string) : line.trim() });
      }
    });
    child.once('exit', (code) => reject(new Error(`${argv.join(' ')} exited ${code} before listening`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** The fixed-JSON server: the same HTTP stack, no work per request. */
const BARE_SERVER = `
import { createServer } from 'node:http';
const body = JSON.stringify({ KeyId: 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000', CiphertextBlob: 'A'.repeat(248), Plaintext: 'B'.repeat(44) });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }); res.end(body); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

interface Signed { method: string; path: string; headers: Record<string, string>; body: string }

/** What the AWS SDK would send for `command`, signed now, without sending it. */
async function presign(endpoint: string, creds: { accessKeyId: string; secretAccessKey: string }, command: GenerateDataKeyCommand | EncryptCommand): Promise<Signed> {
  let captured: Signed | undefined;
  const client = new KMSClient({
    region: REGION, endpoint, credentials: creds, maxAttempts: 1,
    requestHandler: {
      handle: async (req: { method: string; path: string; headers: Record<string, string>; body?: unknown }) => {
        captured = { method: req.method, path: req.path, headers: { ...req.headers }, body: typeof req.body === 'string' ? req.body : Buffer.from((req.body ?? new Uint8Array(0)) as Uint8Array).toString('utf8') };
        throw new Error('captured');
      },
    } as never,
  });
  await client.send(command as never).catch(() => undefined);
  client.destroy();
  if (!captured) throw new Error('the SDK did not produce a request');
  // autocannon writes its own Content-Length (the same value).
  for (const k of Object.keys(captured.headers)) if (k.toLowerCase() === 'content-length') delete captured.headers[k];
  return captured;
}

/** user + system CPU seconds and the peak RSS (MiB) of a live process, from /proc. */
function procStats(pid: number): { cpu: number; hwmMiB: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = 100; // USER_HZ on Linux
  const cpu = (Number(fields[11]) + Number(fields[12])) / ticks;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { cpu, hwmMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

interface Row { name: string; rps: number; p50: number; p99: number; ok: number; bad: number; cpu: number; perCpu: number; rssMiB: number; hwmMiB: number }

async function load(name: string, url: string, pid: number, request: Signed | undefined): Promise<Row> {
  const before = procStats(pid);
  let maxRss = before.rssMiB;
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, procStats(pid).rssMiB)), 250);
  const result = await autocannon({
    url, connections, duration: seconds, pipelining: 1,
    ...(request ? { method: request.method as 'POST', headers: request.headers, body: request.body, path: request.path } : { method: 'POST', body: '{}' }),
  });
  clearInterval(sampler);
  const after = procStats(pid);
  const cpu = after.cpu - before.cpu;
  const ok = result['2xx'];
  const bad = result.non2xx + result.errors + result.timeouts;
  return { name, rps: ok / (result.duration || seconds), p50: result.latency.p50, p99: result.latency.p99, ok, bad, cpu, perCpu: ok / cpu, rssMiB: maxRss, hwmMiB: after.hwmMiB };
}

const home = await mkdtemp(join(tmpdir(), 'envelope-bench-serve-'));
const servers: ChildProcess[] = [];
try {
  const entry = useBin ? join(REPO, 'packages/cli/bin/envelope.js') : (await bundleCli('envelope-bench-serve')).cli;
  const keyId = JSON.parse(await cli(home, ['--json', 'key', 'create', '--alias', 'alias/bench'])).KeyMetadata.Arn as string;
  await cli(home, ['iam', 'create-user', '--name', 'bench']);
  await cli(home, ['iam', 'put-policy', '--user', 'bench', '--name', 'kms', '--document',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'], Resource: '*' }] })]);
  const creds = JSON.parse(await cli(home, ['--json', 'iam', 'create-access-key', '--user', 'bench'])).AccessKey as { AccessKeyId: string; SecretAccessKey: string };
  const credentials = { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey };

  const env = { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' };
  const profDir = join(REPO, 'node_modules', '.cache', 'envelope-bench-serve-profiles');
  const serve = await startServer([...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), entry, '--json', 'serve', '--port', '0'], env);
  servers.push(serve.child);
  const bare = await startServer(['--input-type=module', '-e', BARE_SERVER], env);
  servers.push(bare.child);
  console.log(`# ${connections} keep-alive connections × ${seconds} s per scenario, ${runs} run(s); envelope serve from ${useBin ? 'the bin' : 'the esbuild bundle of the CLI'}`);

  // One request answered and checked before loading (a bad signature would otherwise show as non-2xx only).
  const probe = await presign(serve.endpoint, credentials, new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT }));
  const res = await fetch(serve.endpoint + probe.path, { method: probe.method, headers: probe.headers, body: probe.body });
  const answer = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200 || typeof answer['CiphertextBlob'] !== 'string') throw new Error(`probe GenerateDataKey failed: ${res.status} ${JSON.stringify(answer)}`);

  const rows: Row[] = [];
  for (let i = 0; i < runs; i++) {
    rows.push(await load('bare node:http, fixed JSON', bare.endpoint, bare.child.pid!, undefined));
    const gdk = await presign(serve.endpoint, credentials, new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT }));
    rows.push(await load('envelope serve GenerateDataKey', serve.endpoint, serve.child.pid!, gdk));
    const enc = await presign(serve.endpoint, credentials, new EncryptCommand({ KeyId: keyId, Plaintext: new Uint8Array(1024).fill(7), EncryptionContext: CONTEXT }));
    rows.push(await load('envelope serve Encrypt (1 KiB)', serve.endpoint, serve.child.pid!, enc));
  }
  await stop(serve.child);
  const events = JSON.parse(await cli(home, ['--json', 'audit', 'query', '--key', keyId, '--event', 'GenerateDataKey'])).Events as unknown[];
  const gdkOk = 1 + rows.filter((r) => r.name.includes('GenerateDataKey')).reduce((n, r) => n + r.ok, 0); // + the probe

  console.log('| target | requests/s | p50 | p99 | 2xx | errors + non-2xx | server CPU | requests per CPU-second | server RSS (max sampled / VmHWM) | vs bare (requests/s) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const base = rows.find((b) => b.name.startsWith('bare'));
    const ratio = base && !r.name.startsWith('bare') ? `${(r.rps / base.rps).toFixed(2)}×` : '';
    console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} ms | ${r.p99} ms | ${r.ok} | ${r.bad} | ${r.cpu.toFixed(1)} s | ${r.perCpu.toFixed(0)} | ${r.rssMiB.toFixed(0)} / ${r.hwmMiB.toFixed(0)} MiB | ${ratio} |`);
  }
  // Requests still in flight when a scenario's time is up were answered (and audited) but not counted.
  const inFlight = connections * runs;
  const auditOk = events.length >= gdkOk && events.length <= gdkOk + inFlight;
  console.log(`GenerateDataKey audit events: ${events.length} for ${gdkOk} counted 2xx responses (+ at most ${inFlight} in flight when a scenario stopped): ${auditOk ? 'none lost' : 'MISMATCH'}`);
  if (profile) console.log(`# server CPU profile in ${profDir}`);
  if (rows.some((r) => r.bad > 0) || !auditOk) process.exitCode = 1;
} finally {
  for (const c of servers) await stop(c);
  await rm(home, { recursive: true, force: true });
}
