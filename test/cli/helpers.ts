/**
 * Test harness for the `envelope` CLI: runs `run(argv, io)` in-process with captured stdout/stderr
 * and a temp ENVELOPE_HOME (never the user's ~/.envelope), or spawns the real bin.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { run } from '../../packages/cli/src/run.js';
import type { CliIo } from '../../packages/cli/src/io.js';

export const REPO = resolve(import.meta.dirname, '../..');
export const BIN = join(REPO, 'packages/cli/bin/envelope.js');

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** stdout as UTF-8. */
  out: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

function sink(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _e, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
}

export interface RunOptions {
  readonly home: string;
  readonly cwd?: string;
  readonly stdin?: Uint8Array | string;
  readonly env?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly onListening?: CliIo['onListening'];
  readonly stderrIsTTY?: boolean;
  readonly stdoutIsTTY?: boolean;
}

function result(code: number, out: Buffer, err: string): CliResult {
  return {
    code,
    stdout: out,
    stderr: err,
    out: out.toString('utf8'),
    json<T>() {
      try {
        return JSON.parse(out.toString('utf8')) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}): ${out.toString('utf8')}\nstderr: ${err}`);
      }
    },
  };
}

/** Runs the CLI in-process. */
export async function cli(argv: readonly string[], opts: RunOptions): Promise<CliResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdin = opts.stdin === undefined ? Readable.from([]) : Readable.from([Buffer.from(opts.stdin)]);
  const code = await run(argv, {
    stdout: sink(out),
    stderr: sink(err),
    stdin,
    env: { ENVELOPE_HOME: opts.home, ...(opts.env ?? {}) },
    cwd: opts.cwd ?? opts.home,
    stderrIsTTY: opts.stderrIsTTY ?? false,
    ...(opts.stdoutIsTTY !== undefined ? { stdoutIsTTY: opts.stdoutIsTTY } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onListening ? { onListening: opts.onListening } : {}),
  });
  return result(code, Buffer.concat(out), Buffer.concat(err).toString('utf8'));
}

/** Runs `cli` and fails the test unless it exits 0. */
export async function ok(argv: readonly string[], opts: RunOptions): Promise<CliResult> {
  const r = await cli(argv, opts);
  if (r.code !== 0) throw new Error(`envelope ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r;
}

/** Spawns the real bin (`node packages/cli/bin/envelope.js …`). */
export function spawnCli(
  argv: readonly string[],
  opts: { home: string; cwd?: string; stdin?: Uint8Array | string; env?: Record<string, string | undefined>; timeoutMs?: number },
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], {
      cwd: opts.cwd ?? opts.home,
      env: { ...process.env, ENVELOPE_HOME: opts.home, NODE_NO_WARNINGS: '1', ...(opts.env ?? {}) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise(result(code ?? -1, Buffer.concat(out), Buffer.concat(err).toString('utf8')));
    });
    child.stdin.end(opts.stdin === undefined ? undefined : Buffer.from(opts.stdin));
  });
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempHome(prefix = 'envelope-cli-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}


/** Deterministic pseudo-random test bytes (an LCG), distinct per seed. */
export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** A spawned `envelope serve --port 0` on the keystore `home`: its endpoint URL, and stop() (SIGTERM, waits for exit). */
export async function spawnServe(home: string): Promise<{ endpoint: string; server: ChildProcess; stop: () => Promise<void> }> {
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolvePromise, reject) => {
    let out = '';
    let err = '';
    server.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolvePromise(m[1]!);
    });
    server.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    server.on('exit', (code) => reject(new Error(`envelope serve exited ${code}: ${err}`)));
  });
  const stop = async () => {
    if (server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  };
  return { endpoint, server, stop };
}
