/**
 * `envelope serve` hardening (issue 14 item 5): request bodies parse into null-prototype objects
 * and prototype-reaching keys are refused; the Authorization header and Content-Length are
 * checked before the body is read (413 at once); bytes buffered for not-yet-authenticated bodies
 * are capped across connections, and so is the number of connections; a body the client does not
 * finish in time is a client timeout (408), logged as such, never KMSInternalException.
 */
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startKmsServer, type RequestLogEvent, type RunningServer } from '../../packages/cli/src/serve/server.js';

const ACCESS_KEY = 'AKIAEXAMPLEHARDENING';
const SECRET = 'aGFyZGVuaW5nLXNlY3JldC1mb3ItdGVzdHMtb25seQ';
const received: unknown[] = [];
const testKms = {
  async Encrypt(req: unknown) {
    received.push(req);
    return { KeyId: 'k' };
  },
};

async function signed(port: number, body: string, target = 'TrentService.Encrypt'): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }, region: 'us-east-1', service: 'kms', sha256: Sha256, applyChecksum: false });
  const r = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', query: {},
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body,
  });
  return r.headers as Record<string, string>;
}

function post(port: number, headers: Record<string, string>, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes a raw HTTP/1.1 request head (and optionally part of a body) and resolves with the response text. */
function rawRequest(port: number, head: string, partialBody = ''): { socket: Socket; response: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.write(`${head}\r\n\r\n${partialBody}`);
  const response = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      if (/\r\n\r\n[\s\S]*\}$/.test(text)) resolve(text);
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
  return { socket, response };
}

describe('envelope serve hardening', () => {
  let server: RunningServer;
  let port: number;
  const log: RequestLogEvent[] = [];
  before(async () => {
    server = await startKmsServer({
      kms: testKms,
      lookupAccessKey: async (id) => (id === ACCESS_KEY ? { secretAccessKey: SECRET, principal: 'arn:aws:iam::111122223333:user/h', accountId: '111122223333' } : undefined),
      region: 'us-east-1',
      clock: () => new Date(),
      random: (n) => new Uint8Array(n).fill(7),
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 64 * 1024,
      maxUnauthenticatedBytes: 96 * 1024,
      maxConnections: 8,
      bodyTimeoutMs: 400,
      onRequest: (e) => log.push(e),
    });
    port = server.port;
  });
  after(() => server.close());
  beforeEach(() => {
    received.length = 0;
    log.length = 0;
  });

  for (const [name, body] of [
    ['__proto__ at the top', '{"__proto__": {"KeyId": "alias/x", "Plaintext": "aGk="}}'],
    ['__proto__ nested in EncryptionContext', '{"KeyId": "k", "Plaintext": "aGk=", "EncryptionContext": {"__proto__": {"a": "b"}}}'],
    ['constructor', '{"KeyId": "k", "Plaintext": "aGk=", "constructor": {"prototype": {}}}'],
    ['prototype', '{"KeyId": "k", "Plaintext": "aGk=", "EncryptionContext": {"prototype": "x"}}'],
  ] as const) {
    it(`refuses a body with ${name}: ValidationException, the Kms never called`, async () => {
      const res = await post(port, await signed(port, body), body);
      assert.equal(res.status, 400);
      assert.equal(res.body['__type'], 'ValidationException');
      assert.match(String(res.body['message']), /is not allowed/);
      assert.equal(received.length, 0);
    });
  }

  it('hands the Kms null-prototype request objects', async () => {
    const body = '{"KeyId": "k", "Plaintext": "aGk=", "EncryptionContext": {"toString": "x"}}';
    const res = await post(port, await signed(port, body), body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const req = received[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(req), null);
    assert.equal(Object.getPrototypeOf(req['EncryptionContext']), null);
    assert.deepEqual({ ...(req['EncryptionContext'] as object) }, { toString: 'x' });
  });

  it('answers a declared Content-Length over the limit with 413 at once, before any body byte', async () => {
    const started = performance.now();
    const { socket, response } = rawRequest(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 50000000`);
    const text = await response;
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /RequestEntityTooLargeException/);
    assert.match(text, /Connection: close/i);
    assert.ok(performance.now() - started < 300, 'not after a timeout');
  });

  it('refuses an unsigned request without reading its body', async () => {
    const { socket, response } = rawRequest(port, `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: TrentService.Encrypt\r\nContent-Length: 60000`, '{"KeyId":');
    const text = await response;
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /MissingAuthenticationTokenException/);
    assert.equal(log.at(-1)?.errorName, 'MissingAuthenticationTokenException');
  });

  it('caps the bytes held for not-yet-authenticated bodies across connections (ThrottlingException)', async () => {
    // Heads that pass every header check (known key, good date, signed host and target); the
    // bodies stay incomplete, so no signature can be checked yet and their bytes stay buffered.
    const body = JSON.stringify({ KeyId: 'k', Plaintext: Buffer.alloc(30_000).toString('base64') });
    const headers = await signed(port, body);
    const head = `POST / HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nContent-Length: ${body.length}`;
    const first = rawRequest(port, head, body.slice(0, 39_000));
    const second = rawRequest(port, head, body.slice(0, 39_000));
    await new Promise((r) => setTimeout(r, 150));
    const third = rawRequest(port, head, body.slice(0, 39_000));
    const text = await third.response;
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.match(text, /ThrottlingException/);
    // The held ones complete normally once their bodies arrive.
    first.socket.write(body.slice(39_000));
    assert.match(await first.response, /^HTTP\/1\.1 200 /);
    for (const r of [first, second, third]) r.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const ok = await post(port, await signed(port, body), body);
    assert.equal(ok.status, 200, 'the budget is returned once a body is verified or dropped');
  });

  it('a body the client does not finish in time is a client timeout (408), logged as such', async () => {
    const body = '{"KeyId":"k","Plaintext":"aGk="}';
    const headers = await signed(port, body);
    const head = `POST / HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\nContent-Length: ${body.length}`;
    const slow = rawRequest(port, head, body.slice(0, 5));
    const text = await slow.response;
    slow.socket.destroy();
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /RequestTimeoutException/);
    const event = log.find((e) => e.status === 408);
    assert.equal(event?.errorName, 'RequestTimeoutException');
    assert.ok(!log.some((e) => e.errorName === 'KMSInternalException'));
  });

  it('caps the number of open connections', async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        const s = connect(port, '127.0.0.1');
        sockets.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      await new Promise((r) => setTimeout(r, 50));
      const extra = connect(port, '127.0.0.1');
      sockets.push(extra);
      const closed = await new Promise<boolean>((resolve) => {
        extra.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 2000);
      });
      assert.ok(closed, 'the connection over the cap is closed by the server');
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    const body = '{"KeyId":"k","Plaintext":"aGk="}';
    assert.equal((await post(port, await signed(port, body), body)).status, 200, 'serving again once connections close');
  });
});
