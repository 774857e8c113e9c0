/**
 * `envelope serve`: the AWS KMS JSON 1.1 protocol over node:http ("AWS KMS API Reference":
 * POST /, `X-Amz-Target: TrentService.<Operation>`, `Content-Type: application/x-amz-json-1.1`,
 * errors as `{"__type", "message"}` with AWS's status codes), and STS AssumeRole /
 * GetCallerIdentity over the Query protocol (sts-query.ts) for form-encoded requests without a
 * target. Every request is SigV4-verified (sigv4.ts) against the store's access keys and STS
 * sessions and runs as that principal. The headers are checked before the body is read; bodies are
 * read under a size limit, a deadline and a shared budget for unauthenticated bytes (body.ts). The
 * handler never throws: any bad request gets an error response and the server keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KmsError } from '@envelope/core/errors';
import type { Clock, Random } from '@envelope/core/local-kms';
import { invokeWire, UnknownOperationError, type KmsLike } from '../aws-json/invoke.js';
import { KMS_TARGET_PREFIX } from '../aws-json/operations.js';
import { parseJsonBody } from '../aws-json/safe-json.js';
import { ShapeError } from '../aws-json/shapes.js';
import { AuthError, authenticateHead, SigningKeyCache, type AccessKeyLookup, type SignedRequestHead } from './sigv4.js';
import { BodyReadError, readBody, UnauthenticatedBytes } from './body.js';
import { FORM_CONTENT_TYPE, invokeStsQuery, parseForm, STS_AUTH_ERRORS, stsErrorResponse, type StsLike } from './sts-query.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Larger than any valid KMS request (policies ≤ 32 KB, plaintexts ≤ 4 KB, key material ≤ 8 KB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Bytes of not-yet-authenticated request bodies buffered across all connections at once. */
export const DEFAULT_MAX_UNAUTHENTICATED_BYTES = 16 * 1024 * 1024;
/** Open connections accepted at once; further ones are closed by node:http as they arrive. */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** How long a client gets to send a request body once its headers are in. */
export const DEFAULT_BODY_TIMEOUT_MS = 20_000;
/** How long in-flight requests get to finish on shutdown before their connections are closed. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface KmsServerOptions {
  readonly kms: KmsLike;
  readonly lookupAccessKey: AccessKeyLookup;
  readonly region: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly maxBodyBytes?: number;
  readonly maxUnauthenticatedBytes?: number;
  readonly maxConnections?: number;
  readonly bodyTimeoutMs?: number;
  /** When given, the server also answers STS (AssumeRole, GetCallerIdentity) over the Query protocol. */
  readonly sts?: StsLike;
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
  /** Temporary credentials: the session facts (role ARN, session name) for policies and audit. */
  readonly session?: Readonly<Record<string, string>>;
}

class HttpError extends Error {
  readonly httpStatus: number;
  constructor(name: string, message: string, httpStatus: number) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
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
  if (e instanceof BodyReadError) return { status: e.httpStatus, body: { __type: e.name, message: e.message } };
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
  const bodyTimeoutMs = opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const unauthenticated = new UnauthenticatedBytes(opts.maxUnauthenticatedBytes ?? DEFAULT_MAX_UNAUTHENTICATED_BYTES);
  const signingKeys = new SigningKeyCache();
  return (req, res) => {
    let operation = '';
    let principal: string | undefined;
    const started = performance.now();
    let protocol: 'kms' | 'sts' = 'kms';
    let reqId: string | undefined;
    const requestIdOnce = () => (reqId ??= requestId(opts.random));
    const sendBytes = (status: number, contentType: string, payload: Buffer, errorName?: string) => {
      // A request whose body was not read to its end cannot share its connection with the next one.
      const close = !req.complete;
      if (!res.headersSent) {
        res.writeHead(status, {
          'Content-Type': contentType,
          'Content-Length': payload.length,
          'x-amzn-RequestId': requestIdOnce(),
          ...(errorName ? { 'x-amzn-ErrorType': errorName } : {}),
          // The AWS SDKs correct their clock skew from this header.
          Date: opts.clock().toUTCString(),
          ...(close ? { Connection: 'close' } : {}),
        });
      }
      res.end(payload);
      opts.onRequest?.({ operation, status, ms: performance.now() - started, ...(errorName ? { errorName } : {}), ...(principal ? { principal } : {}) });
    };
    const send = (status: number, body: unknown, errorName?: string) => sendBytes(status, JSON_CONTENT_TYPE, Buffer.from(JSON.stringify(body), 'utf8'), errorName);
    const handle = async () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const rawQuery = q < 0 ? '' : url.slice(q + 1);
      if (req.method !== 'POST') {
        throw new HttpError('UnknownOperationException', `${req.method ?? 'This method'} is not supported; AWS KMS takes POST / with an X-Amz-Target header`, 405);
      }
      if (path !== '/') throw new HttpError('UnknownOperationException', `No such resource ${path}; AWS KMS takes POST /`, 404);
      const declared = headerValue(req, 'content-length');
      const declaredBytes = declared === undefined ? undefined : Number(declared);
      if (declaredBytes !== undefined && Number.isFinite(declaredBytes) && declaredBytes > limit) {
        throw new HttpError('RequestEntityTooLargeException', `Request body of ${declaredBytes} bytes exceeds the ${limit}-byte limit`, 413);
      }
      // STS speaks the Query protocol (form-encoded, no X-Amz-Target); everything else is KMS.
      const contentTypeHeader = (headerValue(req, 'content-type') ?? '').toLowerCase();
      if (opts.sts && headerValue(req, 'x-amz-target') === undefined && contentTypeHeader.startsWith(FORM_CONTENT_TYPE)) protocol = 'sts';
      // Everything the headers can tell is checked before a byte of the body is read.
      const head: SignedRequestHead = { method: 'POST', path, rawQuery, rawHeaders: req.rawHeaders };
      const pending = await authenticateHead(head, {
        lookup: opts.lookupAccessKey,
        region: opts.region,
        now: opts.clock(),
        cache: signingKeys,
        ...(protocol === 'sts'
          ? { service: 'sts', errorNames: STS_AUTH_ERRORS }
          : { service: 'kms', requiredSignedHeaders: ['x-amz-target'] }),
      });
      const body = await readBody(req, { limit, timeoutMs: bodyTimeoutMs, budget: unauthenticated });
      let caller;
      try {
        caller = pending.verify(body.bytes);
      } finally {
        body.release();
      }
      principal = caller.principal;
      const userAgent = headerValue(req, 'user-agent');
      const callContext: HttpCallContext = {
        principal: caller.principal,
        accountId: caller.accountId,
        region: opts.region,
        accessKeyId: caller.accessKeyId,
        ...(req.socket.remoteAddress ? { sourceIp: normalizeIp(req.socket.remoteAddress) } : {}),
        ...(userAgent ? { userAgent } : {}),
        ...(caller.session ? { session: caller.session } : {}),
      };
      if (protocol === 'sts' && opts.sts) {
        const params = parseForm(body.bytes);
        operation = `sts:${params['Action'] ?? ''}`;
        const { xml } = await invokeStsQuery(opts.sts, params, callContext, requestIdOnce());
        sendBytes(200, 'text/xml', Buffer.from(xml, 'utf8'));
        return;
      }
      const target = headerValue(req, 'x-amz-target') ?? '';
      if (!target.startsWith(KMS_TARGET_PREFIX)) throw new UnknownOperationError(target);
      operation = target.slice(KMS_TARGET_PREFIX.length);
      const contentType = (headerValue(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (contentType !== JSON_CONTENT_TYPE && contentType !== 'application/x-amz-json-1.0' && contentType !== 'application/json') {
        throw new HttpError('SerializationException', `Content-Type must be ${JSON_CONTENT_TYPE}, got '${contentType}'`, 400);
      }
      const text = Buffer.from(body.bytes).toString('utf8');
      const parsed: unknown = text.trim() === '' ? Object.create(null) : parseJsonBody(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new ShapeError('The request body must be a JSON object');
      }
      const response = await invokeWire(opts.kms, operation, parsed, callContext);
      send(200, response);
    };
    handle().catch((e: unknown) => {
      if (protocol === 'sts') {
        const { status, code, xml } = stsErrorResponse(e, requestIdOnce());
        sendBytes(status, 'text/xml', Buffer.from(xml, 'utf8'), code);
        return;
      }
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
  server.maxConnections = opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
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
