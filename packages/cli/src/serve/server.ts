/**
 * `envelope serve`: the AWS KMS JSON 1.1 protocol over node:http ("AWS KMS API Reference":
 * POST /, `X-Amz-Target: TrentService.<Operation>`, `Content-Type: application/x-amz-json-1.1`,
 * errors as `{"__type", "message"}` with AWS's status codes). Every request is SigV4-verified
 * against the store's access keys and runs as that key's principal. The handler never throws:
 * any bad request gets an error response and the server keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KmsError, type Clock, type Random } from '@envelope/core';
import { invokeWire, UnknownOperationError, type KmsLike } from '../aws-json/invoke.js';
import { KMS_TARGET_PREFIX } from '../aws-json/operations.js';
import { ShapeError } from '../aws-json/shapes.js';
import { AuthError, verifySigV4, type AccessKeyLookup } from './sigv4.js';
import { describeJsonSyntaxError } from '../util/json-error.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Larger than any valid KMS request (policies ≤ 32 KB, plaintexts ≤ 4 KB, key material ≤ 8 KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** How long in-flight requests get to finish on shutdown before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface KmsServerOptions {
  readonly kms: KmsLike;
  readonly lookupAccessKey: AccessKeyLookup;
  readonly region: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly maxBodyBytes?: number;
  /** Called once per request after the response is sent (operation, status, error name). No secrets. */
  readonly onRequest?: (event: RequestLogEvent) => void;
}

export interface RequestLogEvent {
  readonly operation: string;
  readonly status: number;
  readonly errorName?: string;
  readonly principal?: string;
  /** Time from the request's arrival to the response. */
  readonly ms: number;
}

/** The caller identity handed to the Kms (CallContext of packages/core/src/kms/call-context.ts). */
export interface HttpCallContext {
  readonly principal: string;
  readonly accountId: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

class HttpError extends Error {
  readonly httpStatus: number;
  constructor(name: string, message: string, httpStatus: number) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError('RequestEntityTooLargeException', `Request body of ${declared} bytes exceeds the ${limit}-byte limit`, 413));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError('RequestEntityTooLargeException', `Request body exceeds the ${limit}-byte limit`, 413));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(new Uint8Array(Buffer.concat(chunks, size)));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  }
  return out;
}

function splitUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
  }
  return { path, query };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function requestId(random: Random): string {
  const h = hex(random(16));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16] ?? '0', 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Maps any failure to the AWS error body and status. Internal errors never leak their message. */
export function errorResponse(e: unknown): { status: number; body: { __type: string; message: string } } {
  if (e instanceof KmsError) return { status: e.httpStatus, body: { __type: e.name, message: e.message } };
  if (e instanceof AuthError) return { status: e.httpStatus, body: { __type: e.name, message: e.message } };
  if (e instanceof HttpError) return { status: e.httpStatus, body: { __type: e.name, message: e.message } };
  if (e instanceof ShapeError) return { status: 400, body: { __type: 'SerializationException', message: e.message } };
  if (e instanceof UnknownOperationError) return { status: 400, body: { __type: 'UnknownOperationException', message: e.message } };
  if (e instanceof TypeError || e instanceof RangeError) {
    return { status: 400, body: { __type: 'ValidationException', message: e.message } };
  }
  return { status: 500, body: { __type: 'KMSInternalException', message: 'The request could not be completed due to an internal error.' } };
}

/** Creates the request handler (exported separately so tests can mount it on any server). */
export function createKmsRequestHandler(opts: KmsServerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res) => {
    let operation = '';
    let principal: string | undefined;
    const started = performance.now();
    const send = (status: number, body: unknown, errorName?: string) => {
      const payload = Buffer.from(JSON.stringify(body), 'utf8');
      if (!res.headersSent) {
        res.writeHead(status, {
          'Content-Type': JSON_CONTENT_TYPE,
          'Content-Length': payload.length,
          'x-amzn-RequestId': requestId(opts.random),
          // The AWS SDKs correct their clock skew from this header.
          Date: opts.clock().toUTCString(),
          ...(status === 413 ? { Connection: 'close' } : {}),
        });
      }
      res.end(payload);
      opts.onRequest?.({ operation, status, ms: performance.now() - started, ...(errorName ? { errorName } : {}), ...(principal ? { principal } : {}) });
    };
    const handle = async () => {
      const { path, query } = splitUrl(req.url ?? '/');
      if (req.method !== 'POST') {
        req.resume();
        throw new HttpError('UnknownOperationException', `${req.method ?? 'This method'} is not supported; AWS KMS takes POST / with an X-Amz-Target header`, 405);
      }
      if (path !== '/') {
        req.resume();
        throw new HttpError('UnknownOperationException', `No such resource ${path}; AWS KMS takes POST /`, 404);
      }
      const body = await readBody(req, limit);
      const headers = headerMap(req);
      const caller = await verifySigV4(
        { method: 'POST', path, query, headers, body },
        { lookup: opts.lookupAccessKey, region: opts.region, service: 'kms', now: opts.clock() },
      );
      principal = caller.principal;
      const target = headers['x-amz-target'] ?? '';
      if (!target.startsWith(KMS_TARGET_PREFIX)) throw new UnknownOperationError(target);
      operation = target.slice(KMS_TARGET_PREFIX.length);
      const contentType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (contentType !== JSON_CONTENT_TYPE && contentType !== 'application/x-amz-json-1.0' && contentType !== 'application/json') {
        throw new HttpError('SerializationException', `Content-Type must be ${JSON_CONTENT_TYPE}, got '${contentType}'`, 400);
      }
      let parsed: unknown = {};
      const text = Buffer.from(body).toString('utf8');
      if (text.trim() !== '') {
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          throw new ShapeError(`Malformed JSON request body: ${describeJsonSyntaxError(e)}`);
        }
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ShapeError('The request body must be a JSON object');
      }
      const callContext: HttpCallContext = {
        principal: caller.principal,
        accountId: caller.accountId,
        region: opts.region,
        accessKeyId: caller.accessKeyId,
        ...(req.socket.remoteAddress ? { sourceIp: normalizeIp(req.socket.remoteAddress) } : {}),
        ...(headers['user-agent'] ? { userAgent: headers['user-agent'] } : {}),
      };
      const response = await invokeWire(opts.kms, operation, parsed, callContext);
      send(200, response);
    };
    handle().catch((e: unknown) => {
      const { status, body } = errorResponse(e);
      send(status, body, body.__type);
    });
  };
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export interface RunningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Starts the server on host:port (port 0 picks a free one). */
export async function startKmsServer(opts: KmsServerOptions & { host: string; port: number }): Promise<RunningServer> {
  const handler = createKmsRequestHandler(opts);
  const server = createServer({ keepAliveTimeout: 5000, requestTimeout: 60_000, headersTimeout: 30_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  let closing: Promise<void> | undefined;
  return {
    server,
    host: opts.host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Keep-alive sockets that stay busy get a grace period, then are closed.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        server.once('close', () => {
          clearInterval(idle);
          clearTimeout(force);
        });
      });
      return closing;
    },
  };
}
