/**
 * `envelope serve [--host 127.0.0.1] [--port 4599]` — AWS KMS on localhost (docs/SERVE.md). Runs
 * until the injected abort signal fires (SIGINT/SIGTERM in main.ts), then stops accepting
 * connections, lets in-flight requests finish, and closes the store. `--pid-file` records the
 * server's PID once it listens (so a script can stop it with `kill "$(cat file)"`, which `kill $!`
 * after `npx envelope serve &` cannot: $! is npx's PID); `--ready` waits for a server to listen.
 */
import { rename, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import type { CliContext } from '../cli-context.js';
import { ExitError, EXIT_SERVICE, UsageError } from '../errors.js';
import { writeText } from '../io.js';
import { startKmsServer, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, type RequestLogEvent } from '../serve/server.js';

export const DEFAULT_SERVE_PORT = 4599;

export interface ServeArgs {
  readonly host?: string;
  readonly port?: string;
  readonly maxBodyBytes?: string;
  readonly maxConnections?: string;
  /** One line per request on stderr: operation, status, error name, principal, milliseconds. */
  readonly logRequests?: boolean;
  /** Write this process's PID here once listening; removed again on a clean stop. */
  readonly pidFile?: string;
  /** Start nothing: wait until something accepts connections on host:port (at most READY_TIMEOUT_MS). */
  readonly ready?: boolean;
}

export const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 100;

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `envelope serve --ready`: polls host:port until it accepts a connection; exit 1 after the timeout. */
async function awaitReady(ctx: CliContext, host: string, port: number): Promise<void> {
  // Bounded by attempts, not the wall clock: at most READY_TIMEOUT_MS of polls plus the connects' own time.
  for (let attempt = 0; !(await accepts(host, port)); attempt++) {
    if (ctx.io.signal?.aborted) throw ctx.io.signal.reason;
    if (attempt >= READY_TIMEOUT_MS / READY_POLL_MS) {
      await writeText(ctx.io.stderr, `envelope serve: nothing listens on ${host}:${port} after ${READY_TIMEOUT_MS / 1000} s\n`);
      throw new ExitError(EXIT_SERVICE);
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
}

/** Writes `pid` to `file` atomically (a reader never sees a partial PID). */
async function writePidFile(ctx: CliContext, file: string, pid: number): Promise<void> {
  const temp = `${file}.${ctx.tempSuffix()}.tmp`;
  await writeFile(temp, `${pid}\n`, { flag: 'wx' });
  await rename(temp, file).catch(async (e: unknown) => {
    await rm(temp, { force: true });
    throw e;
  });
}

/** Removes the PID file on stop, unless another server has since written its own PID there. */
async function removePidFile(file: string, pid: number): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text?.trim() === String(pid)) await rm(file, { force: true });
}

export async function serveCommand(ctx: CliContext, args: ServeArgs): Promise<void> {
  const host = args.host ?? '127.0.0.1';
  const port = args.port === undefined ? DEFAULT_SERVE_PORT : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got "${args.port}"`);
  const maxBody = args.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : Number(args.maxBodyBytes);
  if (!Number.isInteger(maxBody) || maxBody < 1024) throw new UsageError('--max-body-bytes must be an integer >= 1024');
  const maxConnections = args.maxConnections === undefined ? DEFAULT_MAX_CONNECTIONS : Number(args.maxConnections);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new UsageError('--max-connections must be an integer >= 1');
  if (args.ready === true) return awaitReady(ctx, host, port);
  const pidFile = args.pidFile === undefined ? undefined : ctx.path(args.pidFile);
  const pid = ctx.io.pid;
  if (pidFile !== undefined && pid === undefined) throw new UsageError('--pid-file needs a process id (run envelope from its binary)');
  const services = await ctx.open();
  const running = await startKmsServer({
    kms: services.kms,
    lookupAccessKey: (id) => services.lookupAccessKey(id),
    sts: services.sts,
    region: services.region,
    clock: ctx.clock,
    random: ctx.random,
    host,
    port,
    maxBodyBytes: maxBody,
    maxConnections,
    ...(args.logRequests === true
      ? {
          onRequest: (e: RequestLogEvent) => {
            ctx.io.stderr.write(`${e.status} ${e.operation || '-'}${e.errorName ? ` ${e.errorName}` : ''} ${e.principal ?? '-'} ${e.ms.toFixed(1)}ms\n`);
          },
        }
      : {}),
  }).catch(async (e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    await writeText(ctx.io.stderr, `envelope serve: ${host}:${port} is in use\n`);
    throw new ExitError(EXIT_SERVICE);
  });
  if (pidFile !== undefined && pid !== undefined) await writePidFile(ctx, pidFile, pid);
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${running.port}`;
  if (ctx.opts.json) await writeText(ctx.io.stdout, `${JSON.stringify({ Endpoint: endpoint, Region: services.region })}\n`);
  else await writeText(ctx.io.stdout, `envelope serve: AWS KMS (JSON 1.1, SigV4) and STS on ${endpoint}, region ${services.region}\n`);
  ctx.io.onListening?.({ host, port: running.port });
  await new Promise<void>((resolve) => {
    const signal = ctx.io.signal;
    if (signal === undefined) return; // runs until the process is killed
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await running.close();
  if (pidFile !== undefined && pid !== undefined) await removePidFile(pidFile, pid);
  await ctx.note('envelope serve: stopped');
}
