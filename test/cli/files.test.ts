/**
 * `envelope encrypt | decrypt | inspect | reencrypt` (docs/CLI.md "Files"), run in-process against
 * a temp keystore: default names, stdin/stdout, --force, --context, --range, several keys, rewrap,
 * and "no output file remains after a failure".
 */
import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, ok, pattern, tempHome } from './helpers.js';

describe('envelope files: encrypt / decrypt / inspect / reencrypt', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let keyA: string;
  let keyB: string;
  const opts = () => ({ home });

  before(async () => {
    ({ dir: home, cleanup } = await tempHome());
    keyA = (await ok(['--json', 'key', 'create', '--alias', 'alias/files-a', '--description', 'files A'], opts())).json<{ KeyMetadata: { KeyId: string; Arn: string } }>().KeyMetadata.Arn;
    keyB = (await ok(['--json', 'key', 'create', '--alias', 'alias/files-b'], opts())).json<{ KeyMetadata: { KeyId: string; Arn: string } }>().KeyMetadata.Arn;
  });
  after(() => cleanup());

  it('round-trips a file with default names (<in>.enc, then .enc stripped)', async () => {
    const data = pattern(200_000);
    await writeFile(join(home, 'report.bin'), data);
    const enc = await ok(['--json', 'encrypt', 'report.bin', '--key', 'alias/files-a', '--context', 'purpose=test', '--frame-size', '64K'], opts());
    assert.equal(enc.json<{ Output: string }>().Output, join(home, 'report.bin.enc'));
    const ct = await readFile(join(home, 'report.bin.enc'));
    assert.ok(ct.length > data.length);
    assert.equal(ct.indexOf(data.subarray(0, 64)), -1, 'plaintext must not appear in the ciphertext');
    await ok(['decrypt', 'report.bin.enc', '-o', 'report.out'], opts());
    assert.deepEqual(await readFile(join(home, 'report.out')), data);
  });

  it('refuses to overwrite an existing output without --force (exit 2), and overwrites with it', async () => {
    await writeFile(join(home, 'x.txt'), 'hello');
    await ok(['encrypt', 'x.txt', '--key', keyA], opts());
    const r = await cli(['decrypt', 'x.txt.enc'], opts());
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^UsageError: .*already exists; pass --force/);
    assert.equal(await readFile(join(home, 'x.txt'), 'utf8'), 'hello');
    await writeFile(join(home, 'x.txt'), 'changed');
    await ok(['decrypt', 'x.txt.enc', '--force'], opts());
    assert.equal(await readFile(join(home, 'x.txt'), 'utf8'), 'hello');
  });

  it('streams stdin to stdout with -', async () => {
    const data = pattern(70_000, 7);
    const enc = await ok(['encrypt', '-', '--key', 'alias/files-a', '-o', '-'], { home, stdin: data });
    assert.equal(enc.stderr, '');
    const dec = await ok(['decrypt', '-', '-o', '-'], { home, stdin: enc.stdout });
    assert.deepEqual(dec.stdout, data);
  });

  it('decrypt --context must match the message context; a failed decrypt leaves no output', async () => {
    await writeFile(join(home, 'ctx.txt'), 'context bound');
    await ok(['encrypt', 'ctx.txt', '--key', keyA, '-c', 'team=ops', '-c', 'env=prod', '-o', 'ctx.enc'], opts());
    const bad = await cli(['decrypt', 'ctx.enc', '-o', 'ctx.out', '-c', 'team=dev', '-c', 'env=prod'], opts());
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^InvalidCiphertextException: /);
    assert.ok(!bad.stderr.includes('context bound'));
    await assert.rejects(stat(join(home, 'ctx.out')), { code: 'ENOENT' });
    assert.deepEqual((await readdir(home)).filter((f) => f.endsWith('.tmp')), []);
    await ok(['decrypt', 'ctx.enc', '-o', 'ctx.out', '-c', 'env=prod', '-c', 'team=ops'], opts());
    assert.equal(await readFile(join(home, 'ctx.out'), 'utf8'), 'context bound');
  });

  it('a tampered file fails with InvalidCiphertextException and leaves no partial output', async () => {
    const data = pattern(300_000, 3);
    await writeFile(join(home, 'big.bin'), data);
    await ok(['encrypt', 'big.bin', '--key', keyA, '--frame-size', '4096', '-o', 'big.enc'], opts());
    const ct = await readFile(join(home, 'big.enc'));
    const at = ct.length - 5000;
    ct.writeUInt8((ct.readUInt8(at) ^ 1) & 0xff, at);
    await writeFile(join(home, 'big-bad.enc'), ct);
    const r = await cli(['decrypt', 'big-bad.enc', '-o', 'big-bad.out'], opts());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^InvalidCiphertextException/);
    await assert.rejects(stat(join(home, 'big-bad.out')), { code: 'ENOENT' });
    assert.deepEqual((await readdir(home)).filter((f) => f.endsWith('.tmp')), []);
  });

  it('--range decrypts only the requested plaintext bytes', async () => {
    const data = pattern(50_000, 11);
    await writeFile(join(home, 'r.bin'), data);
    await ok(['encrypt', 'r.bin', '--key', keyA, '--frame-size', '4096', '-o', 'r.enc'], opts());
    const r = await ok(['decrypt', 'r.enc', '--range', '4000:12345', '-o', '-'], opts());
    assert.deepEqual(r.stdout, data.subarray(4000, 12345));
    const tail = await ok(['decrypt', 'r.enc', '--range', '49990:', '-o', '-'], opts());
    assert.deepEqual(tail.stdout, data.subarray(49990));
    const bad = await cli(['decrypt', 'r.enc', '--range', 'abc', '-o', '-'], opts());
    assert.equal(bad.code, 2);
  });

  it('inspect prints the header without any key: context, key ids, frame size, sizes', async () => {
    await writeFile(join(home, 'i.bin'), pattern(10_000));
    await ok(['encrypt', 'i.bin', '--key', keyA, '--key', keyB, '-c', 'app=inspect', '--frame-size', '4096'], opts());
    const r = await ok(['--json', 'inspect', 'i.bin.enc'], opts());
    const d = r.json<{ context: Record<string, string>; encryptedDataKeys: { keyId: string; providerInfo: string }[]; frameLength: number; plaintextLength: number }>();
    assert.deepEqual(d.context, { app: 'inspect' });
    assert.deepEqual(d.encryptedDataKeys.map((e) => e.keyId), [keyA, keyB]);
    assert.equal(d.frameLength, 4096);
    assert.equal(d.plaintextLength, 10_000);
    const text = await ok(['inspect', 'i.bin.enc'], opts());
    assert.match(text.out, /frameLength: 4096/);
  });

  it('several --key: either key alone decrypts', async () => {
    await writeFile(join(home, 'multi.txt'), 'two keys');
    await ok(['encrypt', 'multi.txt', '--key', 'alias/files-a', '--key', 'alias/files-b', '-o', 'multi.enc'], opts());
    await ok(['key', 'disable', 'alias/files-a'], opts());
    try {
      const r = await ok(['decrypt', 'multi.enc', '-o', '-'], opts());
      assert.equal(r.out, 'two keys');
    } finally {
      await ok(['key', 'enable', 'alias/files-a'], opts());
    }
  });

  it('decrypt --key restricts unwrapping to the given keys (strict mode)', async () => {
    await writeFile(join(home, 'strict.txt'), 'strict');
    await ok(['encrypt', 'strict.txt', '--key', keyA, '-o', 'strict.enc'], opts());
    assert.equal((await ok(['decrypt', 'strict.enc', '-o', '-', '--key', keyA], opts())).out, 'strict');
    const other = await cli(['decrypt', 'strict.enc', '-o', 'strict.out', '--key', keyB], opts());
    assert.equal(other.code, 1);
    await assert.rejects(stat(join(home, 'strict.out')), { code: 'ENOENT' });
  });

  it('reencrypt --rewrap changes only the header; the body bytes are identical', async () => {
    const data = pattern(100_000, 5);
    await writeFile(join(home, 'w.bin'), data);
    await ok(['encrypt', 'w.bin', '--key', keyA, '-o', 'w.enc'], opts());
    const before = await readFile(join(home, 'w.enc'));
    const hb = (await ok(['--json', 'inspect', 'w.enc'], opts())).json<{ headerLength: number; messageId: string }>();
    await ok(['reencrypt', 'w.enc', '--key', keyB, '--rewrap', '-o', 'w2.enc'], opts());
    const after = await readFile(join(home, 'w2.enc'));
    const ha = (await ok(['--json', 'inspect', 'w2.enc'], opts())).json<{ headerLength: number; messageId: string; encryptedDataKeys: { keyId: string }[] }>();
    assert.equal(ha.messageId, hb.messageId);
    assert.deepEqual(ha.encryptedDataKeys.map((e) => e.keyId), [keyB]);
    assert.deepEqual(after.subarray(ha.headerLength), before.subarray(hb.headerLength));
    await ok(['key', 'disable', keyA], opts());
    try {
      assert.deepEqual((await ok(['decrypt', 'w2.enc', '-o', '-'], opts())).stdout, data);
      assert.equal((await cli(['decrypt', 'w.enc', '-o', '-'], opts())).code, 1);
    } finally {
      await ok(['key', 'enable', keyA], opts());
    }
  });

  it('reencrypt without --rewrap streams a new data key and body, in place by default', async () => {
    const data = pattern(90_000, 9);
    await writeFile(join(home, 'n.bin'), data);
    await ok(['encrypt', 'n.bin', '--key', keyA, '-c', 'k=v', '-o', 'n.enc'], opts());
    const hb = (await ok(['--json', 'inspect', 'n.enc'], opts())).json<{ messageId: string }>();
    await ok(['reencrypt', 'n.enc', '--key', 'alias/files-b'], opts());
    const ha = (await ok(['--json', 'inspect', 'n.enc'], opts())).json<{ messageId: string; context: Record<string, string>; encryptedDataKeys: { keyId: string }[] }>();
    assert.notEqual(ha.messageId, hb.messageId);
    assert.deepEqual(ha.context, { k: 'v' });
    assert.deepEqual(ha.encryptedDataKeys.map((e) => e.keyId), [keyB]);
    assert.deepEqual((await ok(['decrypt', 'n.enc', '-o', '-', '-c', 'k=v'], opts())).stdout, data);
  });

  it('usage errors exit 2 with one line; unknown keys exit 1 with the AWS name', async () => {
    await writeFile(join(home, 'u.txt'), 'u');
    const noKey = await cli(['encrypt', 'u.txt'], opts());
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /^UsageError: .*--key/);
    const badCtx = await cli(['encrypt', 'u.txt', '--key', keyA, '-c', 'novalue'], opts());
    assert.equal(badCtx.code, 2);
    const missing = await cli(['encrypt', 'u.txt', '--key', 'alias/does-not-exist', '-o', 'u.enc'], opts());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^NotFoundException: /);
    assert.equal(missing.stderr.trim().split('\n').length, 1, 'one line, no stack');
    await assert.rejects(stat(join(home, 'u.enc')), { code: 'ENOENT' });
    const noFile = await cli(['encrypt', 'nope.txt', '--key', keyA], opts());
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^InputNotFoundException: the input file .*nope\.txt does not exist\n$/, 'one line, typed');
  });
});

describe('envelope files: progress bar', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-progress-'));
    await ok(['key', 'create', '--alias', 'alias/p'], { home });
    await writeFile(join(home, 'big.bin'), pattern(9 * 1024 * 1024, 2));
  });
  after(() => cleanup());

  it('draws on stderr only when stderr is a TTY and --quiet is off', async () => {
    const tty = await ok(['encrypt', 'big.bin', '--key', 'alias/p', '-o', 'a.enc'], { home, stderrIsTTY: true });
    assert.match(tty.stderr, /encrypt \[.*\] .*MiB \/ 9\.0 MiB/);
    const piped = await ok(['encrypt', 'big.bin', '--key', 'alias/p', '-o', 'b.enc'], { home, stderrIsTTY: false });
    assert.doesNotMatch(piped.stderr, /\[/);
    const quiet = await ok(['--quiet', 'encrypt', 'big.bin', '--key', 'alias/p', '-o', 'c.enc'], { home, stderrIsTTY: true });
    assert.equal(quiet.stderr, '');
  });
});
