/**
 * The real `envelope` process (packages/cli/bin/envelope.js → src/main.ts, the one process edge):
 * exit codes, one-line errors, stdin/stdout piping, no output after a failure or Ctrl-C, and
 * `envelope serve` shutting down cleanly on SIGTERM with the store intact.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { GenerateRandomCommand, KMSClient } from '@aws-sdk/client-kms';
import { BIN, ok, pattern, spawnCli, tempHome } from './helpers.js';

describe('envelope bin (spawned)', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let key: string;

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-bin-'));
    key = (await ok(['--json', 'key', 'create', '--alias', 'alias/bin'], { home })).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
  });
  after(() => cleanup());

  it('exit codes: 2 for usage errors, 1 for AWS errors, one line on stderr and no stack', async () => {
    const usage = await spawnCli(['encrypt', 'x', '--nope'], { home });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^UsageError: /);
    const nf = await spawnCli(['key', 'describe', 'alias/missing'], { home });
    assert.equal(nf.code, 1);
    assert.equal(nf.stderr.trim().split('\n').length, 1, nf.stderr);
    assert.match(nf.stderr, /^NotFoundException: /);
    const debug = await spawnCli(['--debug', 'key', 'describe', 'alias/missing'], { home });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /\n\s+at /);
  });

  it('pipes stdin to stdout through encrypt and decrypt', async () => {
    const data = pattern(300_000, 21);
    const enc = await spawnCli(['encrypt', '-', '--key', 'alias/bin', '-o', '-', '-c', 'via=pipe'], { home, stdin: data });
    assert.equal(enc.code, 0, enc.stderr);
    const dec = await spawnCli(['decrypt', '-', '-o', '-', '-c', 'via=pipe'], { home, stdin: enc.stdout });
    assert.equal(dec.code, 0, dec.stderr);
    assert.ok(dec.stdout.equals(data));
  });

  it('a failed decrypt leaves neither the output nor a temp file', async () => {
    const data = pattern(2_000_000, 4);
    await writeFile(join(home, 'p.bin'), data);
    assert.equal((await spawnCli(['encrypt', 'p.bin', '--key', key, '--frame-size', '64K'], { home })).code, 0);
    const ct = await readFile(join(home, 'p.bin.enc'));
    const at = ct.length - 10;
    ct.writeUInt8(ct.readUInt8(at) ^ 0x80, at);
    await writeFile(join(home, 'q.bin.enc'), ct);
    const r = await spawnCli(['decrypt', 'q.bin.enc'], { home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^InvalidCiphertextException/);
    await assert.rejects(stat(join(home, 'q.bin')), { code: 'ENOENT' });
    assert.deepEqual((await readdir(home)).filter((f) => f.endsWith('.tmp')), []);
  });

  it('Ctrl-C (SIGINT) during encrypt exits 130 and removes the temp output', async () => {
    const child = spawn(process.execPath, [BIN, 'encrypt', '-', '--key', key, '-o', 'interrupted.enc'], {
      cwd: home,
      env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.on('error', () => undefined); // EPIPE once the child has exited
    child.stdin.write(pattern(1_000_000, 8));
    // Wait until the temp file exists (the pipeline is running), then interrupt.
    for (let i = 0; i < 200; i++) {
      if ((await readdir(home)).some((f) => f.startsWith('.interrupted.enc.'))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 130, stderr);
    assert.match(stderr, /Interrupted/);
    await assert.rejects(stat(join(home, 'interrupted.enc')), { code: 'ENOENT' });
    assert.deepEqual((await readdir(home)).filter((f) => f.includes('interrupted')), []);
  });

  it('envelope serve on a busy port: one line, exit 1; --ready returns once something listens there', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const busy = await spawnCli(['serve', '--port', String(port)], { home });
      assert.equal(busy.code, 1);
      assert.equal(busy.stderr, `envelope serve: 127.0.0.1:${port} is in use\n`);
      const ready = await spawnCli(['serve', '--ready', '--port', String(port)], { home });
      assert.equal(ready.code, 0, ready.stderr);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('envelope serve stops on SIGTERM with exit 0 and the store intact', async () => {
    await ok(['iam', 'create-user', '--name', 'svc'], { home });
    await ok(['iam', 'put-policy', '--user', 'svc', '--name', 'rand', '--document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GenerateRandom","Resource":"*"}]}'], { home });
    const ak = (await ok(['--json', 'iam', 'create-access-key', '--user', 'svc'], { home })).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>().AccessKey;
    const child = spawn(process.execPath, [BIN, '--json', 'serve', '--port', '0', '--log-requests'], {
      cwd: home,
      env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const endpoint = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve((JSON.parse(buf.split('\n')[0] as string) as { Endpoint: string }).Endpoint);
      });
      child.once('close', (c) => reject(new Error(`serve exited ${c}`)));
    });
    const client = new KMSClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: ak.AccessKeyId, secretAccessKey: ak.SecretAccessKey }, maxAttempts: 1 });
    const inflight = Array.from({ length: 8 }, () => client.send(new GenerateRandomCommand({ NumberOfBytes: 16 })));
    const results = await Promise.all(inflight);
    assert.ok(results.every((r) => r.Plaintext?.length === 16));
    client.destroy();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 0);
    assert.equal(log.match(/^200 GenerateRandom arn:aws:iam::111122223333:user\/svc [\d.]+ms$/gm)?.length, 8, log);
    assert.ok(!log.includes(ak.SecretAccessKey));
    const keys = (await ok(['--json', 'key', 'list'], { home })).json<{ Keys: { KeyArn: string }[] }>();
    assert.ok(keys.Keys.some((k) => k.KeyArn === key));
    assert.equal((await ok(['--json', 'audit', 'verify'], { home })).json<{ ok: boolean }>().ok, true);
  });
});
