/**
 * Benchmark: `envelope serve` under load (issue 5). Starts the real bin as a child process on an
 * ephemeral loopback port with a temp keystore, creates a user + access key with the CLI, then runs
 * BENCH_SERVE_CLIENTS (16) concurrent AWS SDK v3 clients × BENCH_SERVE_ROUNDS (2,000) rounds of
 * GenerateDataKey + Decrypt, checks there was no error and no lost audit event, and prints
 * requests/s and latency percentiles. Run: `npm run bench -- serve-sdk`. (`npm run bench -- serve` is the
 * keep-alive throughput bench with a load generator, bench/serve.ts.)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cli } from './in-process-cli.js';
import { runServeLoad, type LoadResult } from './serve-load.js';

const REPO = resolve(import.meta.dirname, '..');

export interface ServeBenchResult extends LoadResult {
  readonly clients: number;
  readonly rounds: number;
  readonly auditEvents: number;
}

export async function benchServe(clients = Number(process.env['BENCH_SERVE_CLIENTS'] ?? 16), rounds = Number(process.env['BENCH_SERVE_ROUNDS'] ?? 2000)): Promise<ServeBenchResult> {
  const home = await mkdtemp(join(tmpdir(), 'envelope-bench-serve-'));
  const child = spawn(process.execPath, [join(REPO, 'packages/cli/bin/envelope.js'), '--json', 'serve', '--port', '0'], {
    env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const keyId = JSON.parse(await cli(home, ['--json', 'key', 'create', '--alias', 'alias/bench'])).KeyMetadata.Arn as string;
    await cli(home, ['iam', 'create-user', '--name', 'bench']);
    await cli(home, ['iam', 'put-policy', '--user', 'bench', '--name', 'kms', '--document',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: '*' }] })]);
    const key = JSON.parse(await cli(home, ['--json', 'iam', 'create-access-key', '--user', 'bench'])).AccessKey as { AccessKeyId: string; SecretAccessKey: string };
    const endpoint = await new Promise<string>((res, rej) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) res(JSON.parse(buf.slice(0, nl)).Endpoint as string);
      });
      child.once('exit', (code) => rej(new Error(`envelope serve exited ${code}`)));
    });
    const result = await runServeLoad({ endpoint, region: 'us-east-1', accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, keyId, clients, rounds, context: { bench: 'serve' } });
    const events = JSON.parse(await cli(home, ['--json', 'audit', 'query', '--key', keyId, '--event', 'GenerateDataKey'])).Events as unknown[];
    return { ...result, clients, rounds, auditEvents: events.length };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(home, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchServe();
  console.log(
    `envelope serve: ${r.clients} clients × ${r.rounds} rounds (GenerateDataKey + Decrypt) = ${r.requests} requests in ${r.seconds.toFixed(2)} s: ` +
      `${r.requestsPerSecond.toFixed(0)} requests/s, p50 ${r.p50ms.toFixed(1)} ms, p99 ${r.p99ms.toFixed(1)} ms, errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}, ` +
      `GenerateDataKey audit events ${r.auditEvents}/${r.clients * r.rounds}`,
  );
  if (r.errors > 0 || r.auditEvents !== r.clients * r.rounds) process.exitCode = 1;
}
