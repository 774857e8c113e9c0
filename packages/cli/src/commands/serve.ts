/**
 * `envelope serve [--host 127.0.0.1] [--port 4599]` — AWS KMS on localhost (docs/SERVE.md). Runs
 * until the injected abort signal fires (SIGINT/SIGTERM in main.ts), then stops accepting
 * connections, lets in-flight requests finish, and closes the store.
 */
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
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
}

export async function serveCommand(ctx: CliContext, args: ServeArgs): Promise<void> {
  const host = args.host ?? '127.0.0.1';
  const port = args.port === undefined ? DEFAULT_SERVE_PORT : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got "${args.port}"`);
  const maxBody = args.maxBodyBytes === undefined ? DEFAULT_MAX_BODY_BYTES : Number(args.maxBodyBytes);
  if (!Number.isInteger(maxBody) || maxBody < 1024) throw new UsageError('--max-body-bytes must be an integer >= 1024');
  const maxConnections = args.maxConnections === undefined ? DEFAULT_MAX_CONNECTIONS : Number(args.maxConnections);
  if (!Number.isInteger(maxConnections) || maxConnections < 1) throw new UsageError('--max-connections must be an integer >= 1');
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
  });
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
  await ctx.note('envelope serve: stopped');
}
