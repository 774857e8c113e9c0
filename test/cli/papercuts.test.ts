/**
 * A new user's papercuts (issue 15 item 5), each with its test: key create --alias checks the alias
 * first; policy explain exits 1 on Deny and names the failing condition; header tampering is
 * InvalidCiphertextException "header failed authentication"; a missing input is one typed line;
 * stdout errors (EPIPE, ENOSPC) are one line; key list shows state; no ciphertext to a terminal
 * unless `-o -`; unknown-size progress shows no made-up total; a new keystore says where.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, cli, ok, pattern, tempHome } from './helpers.js';

describe('envelope papercuts', function () {
  this.timeout(120_000);
  let home: string;
  let cleanup: () => Promise<void>;
  const opts = () => ({ home });

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-papercuts-'));
  });
  after(() => cleanup());

  it('creating a new keystore prints one line to stderr saying where; later runs do not', async () => {
    const first = await ok(['key', 'create', '--alias', 'alias/pc'], opts());
    assert.equal(first.stderr, `envelope: created a new keystore in ${home}\n`);
    const again = await ok(['key', 'list'], opts());
    assert.equal(again.stderr, '');
  });

  it('key create --alias: an alias in use (or invalid) is refused before any key is created', async () => {
    const before = (await ok(['--json', 'key', 'list'], opts())).json<{ Keys: unknown[] }>().Keys.length;
    const taken = await cli(['key', 'create', '--alias', 'alias/pc'], opts());
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /^AlreadyExistsException: .*alias\/pc already exists; no key was created/);
    const reserved = await cli(['key', 'create', '--alias', 'alias/aws/mine'], opts());
    assert.equal(reserved.code, 1);
    assert.match(reserved.stderr, /^InvalidAliasNameException: /);
    assert.equal((await ok(['--json', 'key', 'list'], opts())).json<{ Keys: unknown[] }>().Keys.length, before, 'no unaliased key left behind');
  });

  it('key list shows each key\'s state, in the table and in --json', async () => {
    const id = (await ok(['--json', 'key', 'create'], opts())).json<{ KeyMetadata: { KeyId: string } }>().KeyMetadata.KeyId;
    await ok(['key', 'disable', id], opts());
    const json = (await ok(['--json', 'key', 'list'], opts())).json<{ Keys: { KeyId: string; KeyState: string }[] }>();
    assert.equal(json.Keys.find((k) => k.KeyId === id)?.KeyState, 'Disabled');
    assert.ok(json.Keys.some((k) => k.KeyState === 'Enabled'));
    const table = (await ok(['key', 'list'], opts())).out;
    assert.match(table, /KeyId\s+State\s+Aliases\s+Arn/);
    assert.match(table, new RegExp(`${id}\\s+Disabled\\s`));
  });

  it('policy explain exits 1 on Deny and names the condition that failed', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
      { Sid: 'ITOnly', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:user/erin' }, Action: 'kms:Decrypt', Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:Department': 'IT' } } },
    ] });
    writeFileSync(join(home, 'p.json'), policy);
    await ok(['iam', 'create-user', '--name', 'erin'], opts());
    const key = (await ok(['--json', 'key', 'create', '--policy', '@p.json'], opts())).json<{ KeyMetadata: { KeyId: string } }>().KeyMetadata.KeyId;
    const deny = await cli(['policy', 'explain', key, '--principal', 'user/erin', '--action', 'kms:Decrypt', '--context', 'Department=HR'], opts());
    assert.equal(deny.code, 1);
    assert.match(deny.out, /^Deny: /);
    assert.match(deny.out, /key policy statement "ITOnly" would allow it, but its condition StringEquals kms:EncryptionContext:Department is not met/);
    assert.doesNotMatch(deny.out, /HR/, 'no encryption-context values in the reason');
    const allow = await cli(['policy', 'explain', key, '--principal', 'user/erin', '--action', 'kms:Decrypt', '--context', 'Department=IT'], opts());
    assert.equal(allow.code, 0, allow.stderr);
    assert.match(allow.out, /^Allow: /);
  });

  it('a flipped header byte is InvalidCiphertextException saying the header failed authentication, wherever it is', async () => {
    writeFileSync(join(home, 'h.txt'), 'header test');
    await ok(['encrypt', 'h.txt', '--key', 'alias/pc', '-c', 'k=v'], opts());
    const ct = readFileSync(join(home, 'h.txt.enc'));
    const headerLength = (await ok(['--json', 'inspect', 'h.txt.enc'], opts())).json<{ headerLength: number }>().headerLength;
    const names = new Map<string, number[]>();
    // Past the version and suite bytes (a flip there is an unsupported format, not tampering of a valid header).
    for (let i = 3; i < headerLength; i += 2) {
      const b = Buffer.from(ct);
      b[i]! ^= 0x01;
      writeFileSync(join(home, 'h.bad'), b);
      const r = await cli(['decrypt', 'h.bad', '-o', '-'], opts());
      assert.equal(r.code, 1);
      const line = r.stderr.trim();
      const key = /^InvalidCiphertextException: .*header failed authentication/.test(line) ? 'ok' : line.split(':')[0]!;
      names.set(key, [...(names.get(key) ?? []), i]);
    }
    // Bytes whose change cannot be told from a message for a key we lack: the provider id (no keyring
    // for it: IncorrectKeyException) and the region of the key ARN (that key does not exist: NotFoundException).
    const provider = ct.indexOf('envelope-kms');
    const region = ct.indexOf('us-east-1');
    const within = (at: number[], from: number, len: number) => at.every((i) => i >= from && i < from + len);
    for (const [name, at] of names) {
      if (name === 'ok' || name === 'InvalidCiphertextException') continue; // malformed headers are InvalidCiphertextException too
      if (name === 'IncorrectKeyException') assert.ok(within(at, provider, 12), `IncorrectKeyException at ${at}`);
      else if (name === 'NotFoundException') assert.ok(within(at, region, 9), `NotFoundException at ${at}`);
      else assert.equal(name, 'LimitExceededException', `${name} at ${at}`); // a length field made huge
    }
    // The key ARN's account and key id, the wrapped key, the context and the message id: authentication failures.
    assert.ok((names.get('ok') ?? []).length >= 60, JSON.stringify([...names]));
  });

  it('a missing input is one typed line, exit 1', async () => {
    for (const cmd of [['encrypt', 'missing.bin', '--key', 'alias/pc'], ['decrypt', 'missing.enc', '-o', '-'], ['inspect', 'missing.enc']]) {
      const r = await cli(cmd, opts());
      assert.equal(r.code, 1, cmd.join(' '));
      assert.match(r.stderr, /^InputNotFoundException: the input file .*missing\.(bin|enc) does not exist\n$/);
    }
  });

  it('ciphertext is not written to a terminal unless -o - is explicit', async () => {
    const refused = await cli(['encrypt', '-', '--key', 'alias/pc'], { home, stdin: 'x', stdoutIsTTY: true });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^UsageError: refusing to write ciphertext to a terminal/);
    assert.equal(refused.stdout.length, 0);
    const explicit = await cli(['encrypt', '-', '--key', 'alias/pc', '-o', '-'], { home, stdin: 'x', stdoutIsTTY: true });
    assert.equal(explicit.code, 0, explicit.stderr);
    assert.ok(explicit.stdout.length > 0);
  });

  it('an input of unknown size shows bytes and rate, without a total, bar or ETA', async () => {
    const data = pattern(9 * 1024 * 1024, 4);
    const r = await ok(['encrypt', '-', '--key', 'alias/pc', '-o', 'stdin.enc'], { home, stdin: data, stderrIsTTY: true });
    assert.match(r.stderr, /encrypt \d+(\.\d)? (B|KiB|MiB) \| [\d.]+ (B|KiB|MiB|GiB)\/s/);
    assert.doesNotMatch(r.stderr, /ETA|\[|\/ \?/);
  });

  it('stdout errors are one line `Name: message` (ENOSPC into /dev/full, EPIPE into a closed pipe)', async () => {
    writeFileSync(join(home, 'big.bin'), pattern(4 * 1024 * 1024, 5));
    await ok(['encrypt', 'big.bin', '--key', 'alias/pc', '-o', 'big.enc'], opts());
    const run = (stdout: number | 'pipe', closeAtOnce: boolean) => new Promise<{ code: number | null; stderr: string }>((res) => {
      const child = spawn(process.execPath, [BIN, 'decrypt', 'big.enc', '-o', '-'], {
        cwd: home, env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', stdout, 'pipe'],
      });
      if (closeAtOnce) child.stdout!.destroy();
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('close', (code) => res({ code, stderr }));
    });
    const full = openSync('/dev/full', 'w');
    try {
      const r = await run(full, false);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^ENOSPC: no space left on device.*stdout.*\n$/);
    } finally {
      closeSync(full);
    }
    const p = await run('pipe', true);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /^EPIPE: .*stdout.*\n$/);
  });
});
