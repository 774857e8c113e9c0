/**
 * AWS Signature Version 4 verification for `envelope serve` (AWS IAM User Guide, "Create a signed
 * AWS API request" and "Elements of an AWS API request signature"; the General Reference's
 * "Signature Version 4 signing process").
 *
 * The canonical request is built by hand from exactly what the client sent and listed:
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n
 *                      SignedHeaders \n HexEncode(SHA256(payload))
 *   StringToSign     = "AWS4-HMAC-SHA256" \n AmzDate \n Date/Region/Service/aws4_request \n
 *                      HexEncode(SHA256(CanonicalRequest))
 *   SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, Date), Region), Service), "aws4_request")
 *
 * - CanonicalURI: the path with '.', '..' and empty segments removed, each segment URI-encoded
 *   (RFC 3986 unreserved characters kept), so a path received already encoded is encoded twice,
 *   as AWS does for every service but S3.
 * - CanonicalQueryString: every parameter decoded then re-encoded, sorted by name then value.
 * - CanonicalHeaders: the headers named in SignedHeaders only, in the order of that list (which
 *   must be sorted), `name:value` with the values of repeated headers joined by ',' in arrival
 *   order, each value trimmed and its inner runs of spaces collapsed to one.
 * - The payload hash is always computed from the body; `x-amz-content-sha256` is optional and,
 *   when sent, must equal it.
 *
 * `host` and the date header (`x-amz-date`, else `date`) must be signed, and so must any header
 * the service names (`x-amz-target` for the JSON 1.1 protocol), else the request is refused the
 * way AWS refuses it. Verification is split in two: `authenticateHead` checks everything the
 * headers hold (format, scope, clock skew, access key) before the body is read; the returned
 * `PendingSignature.verify(body)` then checks the signature itself. Signing keys are cached by
 * (secret, date, region, service), so a request costs two SHA-256s and one HMAC.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** An HTTP-level authentication failure with its AWS error name and status. */
export class AuthError extends Error {
  readonly httpStatus: number;
  constructor(name: string, message: string, httpStatus = 400) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
  }
}

/** What the server knows of a request before reading its body. */
export interface SignedRequestHead {
  readonly method: string;
  /** The path as received (still percent-encoded), without the query. */
  readonly path: string;
  /** The raw query string after '?', or ''. */
  readonly rawQuery: string;
  /** Node's `rawHeaders`: alternating names and values, in arrival order, repeats kept. */
  readonly rawHeaders: readonly string[];
}

export interface AccessKeyRecord {
  readonly secretAccessKey: string;
  readonly principal: string;
  readonly accountId: string;
  /** 'Active' or 'Inactive' (IAM access key status); absent means active. */
  readonly status?: string;
  /** Temporary credentials (STS): the session token the request must carry. */
  readonly sessionToken?: string;
  /** Temporary credentials: when they stop working. */
  readonly expiration?: Date;
  /** Temporary credentials: facts about the session the caller acts in (e.g. the role's ARN). */
  readonly session?: Readonly<Record<string, string>>;
}

export type AccessKeyLookup = (accessKeyId: string) => Promise<AccessKeyRecord | undefined>;

export interface VerifyOptions {
  readonly lookup: AccessKeyLookup;
  /** The region this endpoint serves; the credential scope must name it. */
  readonly region: string;
  /** The signing name, e.g. 'kms' or 'sts'. */
  readonly service: string;
  /** The server's current time (injected clock). */
  readonly now: Date;
  /** Allowed clock skew in ms; AWS allows 15 minutes. */
  readonly maxSkewMs?: number;
  /** Headers (lower-case) the protocol requires to be signed, e.g. ['x-amz-target']. */
  readonly requiredSignedHeaders?: readonly string[];
  /** The signing-key cache to use (one per server). */
  readonly cache?: SigningKeyCache;
  /** Names the errors in a protocol's vocabulary (the Query protocol's STS names them differently). */
  readonly errorNames?: Partial<Record<AuthErrorKind, readonly [name: string, httpStatus: number]>>;
}

export interface VerifiedCaller {
  readonly accessKeyId: string;
  readonly principal: string;
  readonly accountId: string;
  readonly sessionToken?: string;
  readonly session?: Readonly<Record<string, string>>;
}

/** The kinds of refusal; each maps to an AWS error name and status (JSON 1.1 names by default). */
export type AuthErrorKind = 'missing' | 'incomplete' | 'invalid' | 'unrecognized' | 'expired';

const JSON_ERROR_NAMES: Record<AuthErrorKind, readonly [string, number]> = {
  missing: ['MissingAuthenticationTokenException', 400],
  incomplete: ['IncompleteSignatureException', 400],
  invalid: ['InvalidSignatureException', 400],
  unrecognized: ['UnrecognizedClientException', 400],
  expired: ['ExpiredTokenException', 400],
};

export const ALGORITHM = 'AWS4-HMAC-SHA256';
const DEFAULT_SKEW_MS = 15 * 60 * 1000;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** The `Credential=` value as sent. */
  readonly credential: string;
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`. `fail` names the errors;
 * by default AuthError with the JSON 1.1 names.
 */
export function parseAuthorization(value: string, fail: (kind: AuthErrorKind, message: string) => Error = jsonAuthError): ParsedAuthorization {
  const trimmed = value.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw fail('incomplete', `Unsupported AWS 'algorithm': '${algorithm}' (only AWS4-HMAC-SHA256 for now).`);
  }
  const parts = new Map<string, string>();
  for (const piece of (space < 0 ? '' : trimmed.slice(space + 1)).split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) {
      if (piece.trim() === '') continue;
      throw fail('incomplete', `'${piece.trim()}' not a valid key=value pair (missing equal-sign) in Authorization header: '${value}'.`);
    }
    parts.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  const credential = parts.get('Credential');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined || signature === '' || credential === '') {
    const missing = (['Credential', 'Signature', 'SignedHeaders'] as const).filter((k) => (parts.get(k) ?? '') === '' && !(k === 'SignedHeaders' && parts.has(k)));
    throw fail('incomplete', `${missing.map((m) => `Authorization header requires '${m}' parameter.`).join(' ')} Authorization=${value}`);
  }
  const scope = credential.replace(/\/+$/, '').split('/');
  if (scope.length !== 5 || scope.some((s) => s === '')) {
    throw fail('incomplete', `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  const [accessKeyId, date, region, service, terminator] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    credential,
    signedHeaders: signedHeaders === '' ? [] : signedHeaders.split(';').map((h) => h.trim().toLowerCase()),
    signature: signature.toLowerCase(),
  };
}

function jsonAuthError(kind: AuthErrorKind, message: string): AuthError {
  const [name, status] = JSON_ERROR_NAMES[kind];
  return new AuthError(name, message, status);
}

/** RFC 3986 percent-encoding as SigV4 specifies: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper hex). */
export function uriEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** CanonicalURI for every service but S3: normalized path, each segment URI-encoded. */
export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  if (segments.length === 0) return '/';
  return `/${segments.map(uriEncode).join('/')}${path.endsWith('/') ? '/' : ''}`;
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** CanonicalQueryString: each name and value decoded, re-encoded, sorted by name then value. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: [string, string][] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const name = eq < 0 ? piece : piece.slice(0, eq);
    const value = eq < 0 ? '' : piece.slice(eq + 1);
    pairs.push([uriEncode(percentDecode(name)), uriEncode(percentDecode(value))]);
  }
  pairs.sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([n, v]) => `${n}=${v}`).join('&');
}

/** Collects the values of each header (lower-case name) in arrival order. */
export function headerValues(rawHeaders: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const list = out.get(name);
    if (list) list.push(rawHeaders[i + 1] as string);
    else out.set(name, [rawHeaders[i + 1] as string]);
  }
  return out;
}

function trimAll(value: string): string {
  return value.trim().replace(/\s+/g, ' ');
}

/** CanonicalHeaders: `name:value\n` for exactly the signed headers, in the order listed. */
export function canonicalHeaders(values: ReadonlyMap<string, readonly string[]>, signedHeaders: readonly string[]): string {
  let out = '';
  for (const name of signedHeaders) out += `${name}:${(values.get(name) ?? []).map(trimAll).join(',')}\n`;
  return out;
}

export function canonicalRequest(head: SignedRequestHead, values: ReadonlyMap<string, readonly string[]>, signedHeaders: readonly string[], payloadHash: string): string {
  return [
    head.method.toUpperCase(),
    canonicalUri(head.path),
    canonicalQuery(head.rawQuery),
    canonicalHeaders(values, signedHeaders),
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

/** Derives the SigV4 signing key; depends only on the secret and the scope's date, region and service. */
export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

/**
 * Signing keys by (secret, date, region, service). A derived key is an HMAC of the secret, never
 * the secret itself; the map key is a SHA-256 of the four inputs, so the cache holds no secret.
 * Bounded: cleared when it reaches `max` entries (keys change only daily per credential).
 */
export class SigningKeyCache {
  private readonly keys = new Map<string, Buffer>();
  constructor(private readonly max = 4096) {}
  get(secret: string, date: string, region: string, service: string): Buffer {
    const id = createHash('sha256').update(`${secret}\0${date}\0${region}\0${service}`).digest('base64');
    let key = this.keys.get(id);
    if (key === undefined) {
      if (this.keys.size >= this.max) this.keys.clear();
      key = deriveSigningKey(secret, date, region, service);
      this.keys.set(id, key);
    }
    return key;
  }
  get size(): number {
    return this.keys.size;
  }
}

/** Computes the hex signature of a canonical request (used by tests and the test-suite vectors). */
export function signatureFor(signingKey: Uint8Array, amzDate: string, scope: string, canonical: string): string {
  return createHmac('sha256', signingKey).update(stringToSign(amzDate, scope, canonical)).digest('hex');
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const date = new Date(t);
  return Number.isNaN(t) || date.getUTCDate() !== d || date.getUTCMonth() !== mo - 1 ? undefined : date;
}

export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function displayName(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash}${c.toUpperCase()}`);
}

/** The second half of a verification: the signature over the body. */
export interface PendingSignature {
  readonly accessKeyId: string;
  /** Checks the body's hash and the signature; returns the caller or throws. */
  verify(body: Uint8Array): VerifiedCaller;
}

const defaultCache = new SigningKeyCache();

/**
 * Checks everything the request's head holds, in the order AWS does (presence and form of the
 * Authorization and date headers, clock skew, signed host/date/required headers, credential
 * scope, access key), without the body. Throws AuthError (or the protocol's error) on refusal.
 */
export async function authenticateHead(head: SignedRequestHead, opts: VerifyOptions): Promise<PendingSignature> {
  const names = { ...JSON_ERROR_NAMES, ...opts.errorNames };
  const fail = (kind: AuthErrorKind, message: string) => new AuthError(names[kind][0], message, names[kind][1]);
  const values = headerValues(head.rawHeaders);
  const authorization = values.get('authorization')?.join(',');
  if (authorization === undefined || authorization.trim() === '') throw fail('missing', 'Missing Authentication Token');
  if (!authorization.trim().startsWith('AWS4-')) throw fail('missing', 'Missing Authentication Token');
  const auth = parseAuthorization(authorization, fail);

  const amzDateHeader = values.get('x-amz-date')?.[0];
  const dateHeader = values.get('date')?.[0];
  const dateHeaderName = amzDateHeader !== undefined ? 'x-amz-date' : dateHeader !== undefined ? 'date' : undefined;
  if (dateHeaderName === undefined) {
    throw fail('incomplete', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`);
  }
  let amzDate: Date | undefined;
  let amzDateText: string;
  if (amzDateHeader !== undefined) {
    amzDateText = amzDateHeader.trim();
    amzDate = parseAmzDate(amzDateText);
    if (amzDate === undefined) {
      throw fail('incomplete', `Date must be in ISO-8601 'basic format'. Got '${amzDateText}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    }
  } else {
    const t = Date.parse(dateHeader as string);
    if (Number.isNaN(t)) throw fail('incomplete', `Date must be in ISO-8601 'basic format' or RFC 1123. Got '${dateHeader}'.`);
    amzDate = new Date(t);
    amzDateText = formatAmzDate(amzDate);
  }
  const skew = opts.maxSkewMs ?? DEFAULT_SKEW_MS;
  const nowMs = opts.now.getTime();
  if (amzDate.getTime() < nowMs - skew) {
    throw fail('invalid', `Signature expired: ${amzDateText} is now earlier than ${formatAmzDate(new Date(nowMs - skew))} (${formatAmzDate(opts.now)} - ${skew / 60000} min.)`);
  }
  if (amzDate.getTime() > nowMs + skew) {
    throw fail('invalid', `Signature not yet current: ${amzDateText} is still later than ${formatAmzDate(new Date(nowMs + skew))} (${formatAmzDate(opts.now)} + ${skew / 60000} min.)`);
  }
  if (!auth.signedHeaders.includes('host') && !auth.signedHeaders.includes(':authority')) {
    throw fail('invalid', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  for (const required of [dateHeaderName, ...(opts.requiredSignedHeaders ?? [])]) {
    if (!auth.signedHeaders.includes(required)) {
      throw fail('invalid', `'${displayName(required)}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
  for (const name of auth.signedHeaders) {
    if (!values.has(name)) throw fail('invalid', `'${displayName(name)}' is listed in SignedHeaders but is not in the request.`);
  }
  const scopeErrors: string[] = [];
  if (auth.region !== opts.region) scopeErrors.push(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  if (auth.service !== opts.service) scopeErrors.push(`Credential should be scoped to correct service: '${opts.service}'.`);
  if (auth.terminator !== 'aws4_request') scopeErrors.push(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`);
  if (auth.date !== amzDateText.slice(0, 8)) {
    scopeErrors.push(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDateText.slice(0, 8)}', from '${amzDateText}'.`);
  }
  if (scopeErrors.length > 0) throw fail('invalid', scopeErrors.join(' '));

  const key = await opts.lookup(auth.accessKeyId);
  if (key === undefined || (key.status !== undefined && key.status !== 'Active')) throw fail('unrecognized', INVALID_TOKEN);
  const sentToken = values.get('x-amz-security-token')?.join(',');
  if (key.sessionToken === undefined ? sentToken !== undefined : sentToken === undefined) throw fail('unrecognized', INVALID_TOKEN);

  const cache = opts.cache ?? defaultCache;
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const declaredHash = values.get('x-amz-content-sha256')?.[0]?.trim();
  return {
    accessKeyId: auth.accessKeyId,
    verify(body: Uint8Array): VerifiedCaller {
      const payloadHash = body.length === 0 ? EMPTY_SHA256 : sha256Hex(body);
      if (declaredHash !== undefined && declaredHash !== payloadHash) {
        throw fail('invalid', 'The provided x-amz-content-sha256 header does not match what was computed.');
      }
      const canonical = canonicalRequest(head, values, auth.signedHeaders, payloadHash);
      const signingKey = cache.get(key.secretAccessKey, auth.date, auth.region, auth.service);
      const expected = signatureFor(signingKey, amzDateText, scope, canonical);
      if (!constantTimeEqual(expected, auth.signature)) throw fail('invalid', MISMATCH);
      if (key.sessionToken !== undefined) {
        if (!constantTimeEqual(key.sessionToken, sentToken ?? '')) throw fail('unrecognized', INVALID_TOKEN);
        if (key.expiration !== undefined && key.expiration.getTime() <= nowMs) {
          throw fail('expired', 'The security token included in the request is expired');
        }
      }
      return {
        accessKeyId: auth.accessKeyId,
        principal: key.principal,
        accountId: key.accountId,
        ...(key.sessionToken !== undefined ? { sessionToken: key.sessionToken } : {}),
        ...(key.session !== undefined ? { session: key.session } : {}),
      };
    },
  };
}

/** Both halves at once, for a request whose body is already read. */
export async function verifySigV4(head: SignedRequestHead, body: Uint8Array, opts: VerifyOptions): Promise<VerifiedCaller> {
  return (await authenticateHead(head, opts)).verify(body);
}
