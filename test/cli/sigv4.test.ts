/**
 * SigV4 verification of `envelope serve` (AWS "Signature Version 4 signing process"): requests
 * signed by the real @aws-sdk/client-kms and by @smithy/signature-v4 at chosen times are accepted
 * or refused with AWS's error names. The Kms behind the server here is a one-operation object
 * (GenerateRandom) so these tests isolate the HTTP layer; full Kms coverage is in serve.test.ts.
 */
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { GenerateRandomCommand, KMSClient } from '@aws-sdk/client-kms';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startKmsServer, type RunningServer } from '../../packages/cli/src/serve/server.js';
import {
  canonicalRequest,
  deriveSigningKey,
  formatAmzDate,
  headerValues,
  parseAuthorization,
  sha256Hex,
  signatureFor,
} from '../../packages/cli/src/serve/sigv4.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const ACCESS_KEY = 'AKIAEXAMPLEENVELOPE1';
const SECRET = 'c2VjcmV0LWZvci10ZXN0cy1vbmx5LW5vdC1hLXJlYWwta2V5';
const TEMP_KEY = 'ASIAEXAMPLEENVELOPE2';
const TEMP_SECRET = 'dGVtcG9yYXJ5LXNlY3JldC1mb3ItdGVzdHM';
const TEMP_TOKEN = 'IQoJb3JpZ2luX2VudmVsb3BlLXNlc3Npb24tdG9rZW4';
const TEMP_EXPIRY = new Date(NOW.getTime() + 3600_000);

let counter = 0;
const testKms = {
  async GenerateRandom(req: { NumberOfBytes?: number }) {
    const n = req.NumberOfBytes ?? 0;
    return { Plaintext: new Uint8Array(n).map((_, i) => (i * 7 + 1) & 0xff) };
  },
};

interface RawResponse {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

function post(port: number, headers: Record<string, string>, body: string | Uint8Array, path = '/', method = 'POST'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function signedHeaders(
  port: number,
  body: string,
  opts: {
    date?: Date; region?: string; service?: string; secret?: string; accessKeyId?: string; target?: string; contentType?: string;
    sessionToken?: string; unsigned?: string[]; checksum?: boolean;
  } = {},
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? ACCESS_KEY, secretAccessKey: opts.secret ?? SECRET, ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}) },
    region: opts.region ?? 'us-east-1',
    service: opts.service ?? 'kms',
    sha256: Sha256,
    applyChecksum: opts.checksum ?? true,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/',
      query: {},
      headers: {
        host: `127.0.0.1:${port}`,
        'content-type': opts.contentType ?? 'application/x-amz-json-1.1',
        'x-amz-target': opts.target ?? 'TrentService.GenerateRandom',
      },
      body,
    },
    { signingDate: opts.date ?? NOW, ...(opts.unsigned ? { unsignableHeaders: new Set(opts.unsigned) } : {}) },
  );
  return signed.headers as Record<string, string>;
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== name));
}

/**
 * A request signed by our own canonicalization (checked against AWS's test suite in
 * sigv4-suite.test.ts) over a chosen SignedHeaders list, or with a `Date` header instead of
 * X-Amz-Date: shapes the SDKs never send.
 */
async function handSigned(port: number, body: string, opts: { signed: string[]; useDateHeader?: boolean; date?: Date }): Promise<Record<string, string>> {
  const date = opts.date ?? NOW;
  const amzDate = formatAmzDate(date);
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'TrentService.GenerateRandom',
    ...(opts.useDateHeader ? { date: date.toUTCString() } : { 'x-amz-date': amzDate }),
  };
  const signed = [...opts.signed].sort();
  const values = headerValues(Object.entries(headers).flat());
  const creq = canonicalRequest({ method: 'POST', path: '/', rawQuery: '', rawHeaders: [] }, values, signed, sha256Hex(body));
  const scope = `${amzDate.slice(0, 8)}/us-east-1/kms/aws4_request`;
  const signature = signatureFor(deriveSigningKey(SECRET, amzDate.slice(0, 8), 'us-east-1', 'kms'), amzDate, scope, creq);
  return { ...headers, authorization: `AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}` };
}

describe('envelope serve: SigV4 and the JSON 1.1 edge', () => {
  let server: RunningServer;
  let clock = NOW;
  before(async () => {
    server = await startKmsServer({
      kms: testKms,
      lookupAccessKey: async (id) =>
        id === ACCESS_KEY
          ? { secretAccessKey: SECRET, principal: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333' }
          : id === TEMP_KEY
            ? { secretAccessKey: TEMP_SECRET, principal: 'arn:aws:sts::111122223333:assumed-role/R/s1', accountId: '111122223333', sessionToken: TEMP_TOKEN, expiration: TEMP_EXPIRY }
            : undefined,
      region: 'us-east-1',
      clock: () => clock,
      random: (n) => new Uint8Array(n).fill(++counter & 0xff),
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 4096,
    });
  });
  after(() => server.close());
  beforeEach(() => {
    clock = NOW;
  });

  it('accepts a request signed by the real AWS SDK and returns base64 blobs the SDK decodes', async () => {
    clock = new Date(); // the SDK signs with the wall clock
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${server.port}`,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      maxAttempts: 1,
    });
    const res = await client.send(new GenerateRandomCommand({ NumberOfBytes: 5 }));
    assert.deepEqual([...(res.Plaintext ?? [])], [1, 8, 15, 22, 29]);
    client.destroy();
  });

  it('lets the AWS SDK correct its clock skew from the Date header (like AWS)', async () => {
    clock = new Date(Date.now() + 20 * 60_000); // the server is 20 minutes ahead of the client
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${server.port}`,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
      maxAttempts: 3,
    });
    const res = await client.send(new GenerateRandomCommand({ NumberOfBytes: 2 }));
    assert.equal(res.Plaintext?.length, 2);
    assert.equal(res.$metadata.attempts, 2, 'the first attempt is refused as expired, the retry uses the corrected clock');
    client.destroy();
  });

  it('parses the Authorization header', () => {
    const a = parseAuthorization(`AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/20261123/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=ABCDEF`);
    assert.equal(a.accessKeyId, ACCESS_KEY);
    assert.equal(a.region, 'us-east-1');
    assert.deepEqual(a.signedHeaders, ['host', 'x-amz-date']);
    assert.equal(a.signature, 'abcdef');
  });

  it('accepts a correctly signed request at the server time', async () => {
    const body = '{"NumberOfBytes":3}';
    const res = await post(server.port, await signedHeaders(server.port, body), body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body['Plaintext'], Buffer.from([1, 8, 15]).toString('base64'));
    assert.equal(res.headers['content-type'], 'application/x-amz-json-1.1');
    assert.ok(res.headers['x-amzn-requestid']);
    assert.equal(res.headers['date'], NOW.toUTCString());
  });

  const cases: [string, () => Promise<RawResponse>, number, string, RegExp?][] = [
    ['unsigned', async () => post(server.port, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateRandom' }, '{}'), 400, 'MissingAuthenticationTokenException'],
    ['wrong secret', async () => post(server.port, await signedHeaders(server.port, '{}', { secret: 'not-the-secret' }), '{}'), 400, 'InvalidSignatureException', /does not match/],
    ['unknown access key', async () => post(server.port, await signedHeaders(server.port, '{}', { accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }), '{}'), 400, 'UnrecognizedClientException'],
    ['wrong region', async () => post(server.port, await signedHeaders(server.port, '{}', { region: 'eu-west-1' }), '{}'), 400, 'InvalidSignatureException', /valid region, not 'eu-west-1'/],
    ['wrong service', async () => post(server.port, await signedHeaders(server.port, '{}', { service: 's3' }), '{}'), 400, 'InvalidSignatureException', /correct service: 'kms'/],
    ['16 minutes old', async () => post(server.port, await signedHeaders(server.port, '{}', { date: new Date(NOW.getTime() - 16 * 60_000) }), '{}'), 400, 'InvalidSignatureException', /^Signature expired/],
    ['16 minutes ahead', async () => post(server.port, await signedHeaders(server.port, '{}', { date: new Date(NOW.getTime() + 16 * 60_000) }), '{}'), 400, 'InvalidSignatureException', /not yet current/],
    ['body changed after signing', async () => post(server.port, await signedHeaders(server.port, '{"NumberOfBytes":3}'), '{"NumberOfBytes":4}'), 400, 'InvalidSignatureException'],
    ['target changed after signing', async () => post(server.port, { ...(await signedHeaders(server.port, '{}')), 'x-amz-target': 'TrentService.ListKeys' }, '{}'), 400, 'InvalidSignatureException'],
    ['malformed JSON', async () => post(server.port, await signedHeaders(server.port, '{"NumberOfBytes":'), '{"NumberOfBytes":'), 400, 'SerializationException'],
    ['JSON array body', async () => post(server.port, await signedHeaders(server.port, '[1]'), '[1]'), 400, 'SerializationException'],
    ['bad base64 blob', async () => post(server.port, await signedHeaders(server.port, '{"Plaintext":"***"}'), '{"Plaintext":"***"}'), 400, 'SerializationException'],
    ['unknown operation', async () => post(server.port, await signedHeaders(server.port, '{}', { target: 'TrentService.MakeCoffee' }), '{}'), 400, 'UnknownOperationException'],
    ['operation the local KMS lacks', async () => post(server.port, await signedHeaders(server.port, '{}', { target: 'TrentService.ConnectCustomKeyStore' }), '{}'), 400, 'UnsupportedOperationException'],
    ['wrong target prefix', async () => post(server.port, await signedHeaders(server.port, '{}', { target: 'DynamoDB_20120810.ListTables' }), '{}'), 400, 'UnknownOperationException'],
    ['wrong content type', async () => post(server.port, await signedHeaders(server.port, '{}', { contentType: 'text/plain' }), '{}'), 400, 'SerializationException'],
    ['body over the limit', async () => post(server.port, await signedHeaders(server.port, 'x'.repeat(5000)), 'x'.repeat(5000)), 413, 'RequestEntityTooLargeException'],
    ['GET', async () => post(server.port, {}, '', '/', 'GET'), 405, 'UnknownOperationException'],
    ['another path', async () => post(server.port, {}, '', '/admin', 'POST'), 404, 'UnknownOperationException'],
    ['non-SigV4 Authorization', async () => post(server.port, { authorization: 'Basic Zm9vOmJhcg==', 'x-amz-date': '20261123T120000Z' }, '{}'), 400, 'MissingAuthenticationTokenException'],
    ['garbage SigV4 Authorization', async () => post(server.port, { authorization: 'AWS4-HMAC-SHA256 Credential=x', 'x-amz-date': '20261123T120000Z' }, '{}'), 400, 'IncompleteSignatureException', /requires 'Signature' parameter/],
    ['other algorithm', async () => post(server.port, { authorization: 'AWS4-HMAC-SHA512 Credential=x, SignedHeaders=host, Signature=00', 'x-amz-date': '20261123T120000Z' }, '{}'), 400, 'IncompleteSignatureException', /Unsupported AWS 'algorithm'/],
    ['no date header', async () => post(server.port, withoutHeader(await signedHeaders(server.port, '{}'), 'x-amz-date'), '{}'), 400, 'IncompleteSignatureException', /'X-Amz-Date' or a 'Date' header/],
    ['X-Amz-Target not signed (the captured-request replay of issue 14)', async () => post(server.port, await signedHeaders(server.port, '{}', { unsigned: ['x-amz-target'] }), '{}'), 400, 'InvalidSignatureException', /'X-Amz-Target' must be a 'SignedHeader'/],
    ['X-Amz-Date not signed', async () => post(server.port, await handSigned(server.port, '{}', { signed: ['host', 'x-amz-target'] }), '{}'), 400, 'InvalidSignatureException', /'X-Amz-Date' must be a 'SignedHeader'/],
    ['Host not signed', async () => post(server.port, await handSigned(server.port, '{}', { signed: ['x-amz-date', 'x-amz-target'] }), '{}'), 400, 'InvalidSignatureException', /'Host' or ':authority' must be a 'SignedHeader'/],
    ['x-amz-content-sha256 not the body’s hash', async () => post(server.port, { ...(await signedHeaders(server.port, '{}', { checksum: false })), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }, '{}'), 400, 'InvalidSignatureException', /x-amz-content-sha256/],
    ['a session token with long-term credentials', async () => post(server.port, { ...(await signedHeaders(server.port, '{}')), 'x-amz-security-token': 'FwoG' }, '{}'), 400, 'UnrecognizedClientException'],
    ['temporary credentials without their token', async () => post(server.port, await signedHeaders(server.port, '{}', { accessKeyId: TEMP_KEY, secret: TEMP_SECRET }), '{}'), 400, 'UnrecognizedClientException', /security token included in the request is invalid/],
    ['temporary credentials with another token', async () => post(server.port, await signedHeaders(server.port, '{}', { accessKeyId: TEMP_KEY, secret: TEMP_SECRET, sessionToken: 'another-token' }), '{}'), 400, 'UnrecognizedClientException'],
    ['temporary credentials after expiry', async () => { clock = new Date(TEMP_EXPIRY.getTime() + 1000); return post(server.port, await signedHeaders(server.port, '{}', { accessKeyId: TEMP_KEY, secret: TEMP_SECRET, sessionToken: TEMP_TOKEN, date: clock }), '{}'); }, 400, 'ExpiredTokenException', /security token included in the request is expired/],
  ];
  it('a malformed body is described by position only, never echoed (it may hold a Plaintext)', async () => {
    const body = '{"Plaintext": c2VjcmV0LXBsYWludGV4dA}';
    const res = await post(server.port, await signedHeaders(server.port, body, { target: 'TrentService.Encrypt' }), body);
    assert.equal(res.status, 400);
    assert.equal(res.body['__type'], 'SerializationException');
    assert.match(String(res.body['message']), /^Malformed JSON request body: syntax error( at position \d+)?$/);
    assert.ok(!JSON.stringify(res.body).includes('c2VjcmV0'), JSON.stringify(res.body));
  });

  for (const [name, send, status, type, message] of cases) {
    it(`refuses: ${name} → ${status} ${type}`, async () => {
      const res = await send();
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body['__type'], type);
      assert.equal(typeof res.body['message'], 'string');
      if (message) assert.match(String(res.body['message']), message);
    });
  }

  it('accepts a request without x-amz-content-sha256 (the AWS CLI, boto3 and curl send none)', async () => {
    const body = '{"NumberOfBytes":3}';
    const headers = await signedHeaders(server.port, body, { checksum: false });
    assert.equal(headers['x-amz-content-sha256'], undefined);
    assert.doesNotMatch(headers['authorization'] ?? '', /x-amz-content-sha256/);
    const res = await post(server.port, headers, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('accepts a request dated by a signed Date header instead of X-Amz-Date', async () => {
    const body = '{"NumberOfBytes":1}';
    const res = await post(server.port, await handSigned(server.port, body, { signed: ['date', 'host', 'x-amz-target'], useDateHeader: true }), body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it('accepts temporary credentials with their session token until they expire', async () => {
    const body = '{"NumberOfBytes":2}';
    const headers = await signedHeaders(server.port, body, { accessKeyId: TEMP_KEY, secret: TEMP_SECRET, sessionToken: TEMP_TOKEN });
    assert.equal(headers['x-amz-security-token'], TEMP_TOKEN);
    assert.equal((await post(server.port, headers, body)).status, 200);
  });

  it('accepts 14 minutes of skew and keeps serving after every bad request', async () => {
    clock = new Date(NOW.getTime() + 14 * 60_000);
    const body = '{"NumberOfBytes":2}';
    const res = await post(server.port, await signedHeaders(server.port, body), body);
    assert.equal(res.status, 200);
  });
});
