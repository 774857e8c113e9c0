/**
 * AWS Signature Version 4 verification for `envelope serve` ("Authenticating Requests (AWS
 * Signature Version 4)", "Create a signed AWS API request"). The expected signature is computed
 * with @smithy/signature-v4 over exactly the headers the client listed in SignedHeaders, with the
 * secret found by access key id; errors carry the names AWS returns (MissingAuthenticationToken-
 * Exception, IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException).
 */
import { timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './node-sha256.js';

/** An HTTP-level authentication failure with its AWS error name and status. */
export class AuthError extends Error {
  readonly httpStatus: number;
  constructor(name: string, message: string, httpStatus = 400) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
  }
}

export interface IncomingSignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string | string[]>>;
  /** Header names lower-case; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface AccessKeyRecord {
  readonly secretAccessKey: string;
  readonly principal: string;
  readonly accountId: string;
  /** 'Active' or 'Inactive' (IAM access key status); absent means active. */
  readonly status?: string;
}

export type AccessKeyLookup = (accessKeyId: string) => Promise<AccessKeyRecord | undefined>;

export interface VerifyOptions {
  readonly lookup: AccessKeyLookup;
  /** The region this endpoint serves; the credential scope must name it. */
  readonly region: string;
  /** The signing name; 'kms'. */
  readonly service: string;
  /** The server's current time (injected clock). */
  readonly now: Date;
  /** Allowed clock skew in ms; AWS allows 15 minutes. */
  readonly maxSkewMs?: number;
}

export interface VerifiedCaller {
  readonly accessKeyId: string;
  readonly principal: string;
  readonly accountId: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const DEFAULT_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. */
export function parseAuthorization(value: string): ParsedAuthorization {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new AuthError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${algorithm}'.`);
  }
  const parts = new Map<string, string>();
  for (const piece of value.slice(space + 1).split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  const missing = [
    credential === undefined ? 'Credential' : undefined,
    signedHeaders === undefined ? 'SignedHeaders' : undefined,
    signature === undefined ? 'Signature' : undefined,
  ].filter((x) => x !== undefined);
  if (missing.length > 0 || credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw new AuthError(
      'IncompleteSignatureException',
      `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')} parameter(s).`,
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    throw new AuthError(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function constantTimeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Verifies a SigV4-signed request; returns the caller or throws AuthError with AWS's name. */
export async function verifySigV4(req: IncomingSignedRequest, opts: VerifyOptions): Promise<VerifiedCaller> {
  const authorization = req.headers['authorization'];
  if (authorization === undefined || authorization === '') {
    throw new AuthError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const auth = parseAuthorization(authorization);
  const amzDateText = req.headers['x-amz-date'];
  if (amzDateText === undefined) {
    throw new AuthError(
      'IncompleteSignatureException',
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
  }
  const amzDate = parseAmzDate(amzDateText);
  if (amzDate === undefined) {
    throw new AuthError('IncompleteSignatureException', `X-Amz-Date '${amzDateText}' is not an ISO-8601 basic timestamp`);
  }
  if (auth.terminator !== 'aws4_request') {
    throw new AuthError(
      'InvalidSignatureException',
      `Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`,
    );
  }
  if (auth.date !== amzDateText.slice(0, 8)) {
    throw new AuthError(
      'InvalidSignatureException',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDateText.slice(0, 8)}', from '${amzDateText}'.`,
    );
  }
  if (auth.service !== opts.service) {
    throw new AuthError('InvalidSignatureException', `Credential should be scoped to correct service: '${opts.service}'.`);
  }
  if (auth.region !== opts.region) {
    throw new AuthError('InvalidSignatureException', `Credential should be scoped to a valid region, not '${auth.region}'.`);
  }
  if (!auth.signedHeaders.includes('host')) {
    throw new AuthError('InvalidSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const skew = opts.maxSkewMs ?? DEFAULT_SKEW_MS;
  const nowMs = opts.now.getTime();
  if (amzDate.getTime() < nowMs - skew) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature expired: ${amzDateText} is now earlier than ${formatAmzDate(new Date(nowMs - skew))} (${formatAmzDate(opts.now)} - ${skew / 60000} min.)`,
    );
  }
  if (amzDate.getTime() > nowMs + skew) {
    throw new AuthError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDateText} is still later than ${formatAmzDate(new Date(nowMs + skew))} (${formatAmzDate(opts.now)} + ${skew / 60000} min.)`,
    );
  }
  if (req.headers['x-amz-security-token'] !== undefined) {
    // envelope issues long-term access keys only; a session token is never valid here.
    throw new AuthError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const key = await opts.lookup(auth.accessKeyId);
  if (key === undefined || (key.status !== undefined && key.status !== 'Active')) {
    throw new AuthError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  const payloadHash = req.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined) {
    const h = new NodeSha256();
    h.update(req.body);
    if (payloadHash !== Buffer.from(h.digestSync()).toString('hex')) {
      throw new AuthError('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
  }
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: key.secretAccessKey },
    region: auth.region,
    service: auth.service,
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: 'localhost',
      path: req.path,
      query: { ...req.query },
      headers,
      body: req.body,
    },
    { signingDate: amzDate, signableHeaders: new Set(auth.signedHeaders) },
  );
  const expectedAuth = signed.headers['authorization'] ?? '';
  const expected = /Signature=([0-9a-f]+)/.exec(expectedAuth)?.[1] ?? '';
  const expectedSigned = /SignedHeaders=([^,]+)/.exec(expectedAuth)?.[1] ?? '';
  if (expectedSigned !== auth.signedHeaders.join(';') || !constantTimeEqualHex(expected, auth.signature)) {
    throw new AuthError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accessKeyId: auth.accessKeyId, principal: key.principal, accountId: key.accountId };
}
