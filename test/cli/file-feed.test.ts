/**
 * The CLI's file feed (packages/cli/src/util/file-feed.ts): a file reaches the first stream of a
 * command's chain whole and in order from two reused read buffers, a buffer is never read into
 * before the Writable's callback for the chunk it held, and a failing or aborted target stops it.
 * Then a multi-chunk encrypt/decrypt round trip through the CLI, which feeds files this way.
 */
import { strict as assert } from 'node:assert';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { feedFile } from '../../packages/cli/src/util/file-feed.js';
import { ok, pattern, tempHome } from './helpers.js';

describe('cli file feed', function () {
  this.timeout(60_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => ({ dir, cleanup } = await tempHome('envelope-feed-')));
  after(() => cleanup());

  it('delivers the whole file in order and never reuses a buffer before its write callback', async () => {
    const data = pattern(10_007, 3);
    await writeFile(join(dir, 'in'), data);
    const seen: Buffer[] = [];
    let counted = 0;
    const target = new Writable({
      write(chunk: Buffer, _e, cb) {
        const copy = Buffer.from(chunk);
        seen.push(copy);
        // Call back later; by then the feed has read ahead into its other buffer, not this one.
        setTimeout(() => {
          assert.deepEqual(chunk, copy, 'the chunk changed before its write callback');
          cb();
        }, 2);
      },
    });
    const finished = new Promise((res) => target.once('finish', res));
    await feedFile(join(dir, 'in'), target, { chunkSize: 1000, onBytes: (n) => (counted += n) });
    await finished;
    assert.deepEqual(Buffer.concat(seen), data);
    assert.equal(seen.length, 11);
    assert.equal(counted, data.length);
  });

  it('ends the target for an empty file', async () => {
    await writeFile(join(dir, 'empty'), '');
    let writes = 0;
    const target = new Writable({ write: (_c, _e, cb) => (writes++, cb()) });
    const finished = new Promise((res) => target.once('finish', res));
    await feedFile(join(dir, 'empty'), target);
    await finished;
    assert.equal(writes, 0);
  });

  it('rejects with the target\'s error and stops reading', async () => {
    await writeFile(join(dir, 'in2'), pattern(50_000, 4));
    let writes = 0;
    const target = new Writable({
      write(_c, _e, cb) {
        writes++;
        cb(writes === 2 ? new Error('disk full') : null);
      },
    });
    target.on('error', () => undefined);
    await assert.rejects(feedFile(join(dir, 'in2'), target, { chunkSize: 1000 }), /disk full/);
    assert.ok(writes <= 3, `stopped after the failure (${writes} writes)`);
  });

  it('stops when the signal aborts', async () => {
    await writeFile(join(dir, 'in3'), pattern(50_000, 5));
    const controller = new AbortController();
    let writes = 0;
    const target = new Writable({
      write(_c, _e, cb) {
        if (++writes === 3) controller.abort(new Error('interrupted by SIGINT'));
        cb();
      },
    });
    await assert.rejects(feedFile(join(dir, 'in3'), target, { chunkSize: 1000, signal: controller.signal }), /interrupted/);
    assert.ok(writes < 50);
  });

  it('the CLI round-trips a file of several read chunks (2 buffers reused many times)', async () => {
    await ok(['key', 'create', '--alias', 'alias/feed'], { home: dir });
    const data = pattern(5 * 1024 * 1024 + 12_345, 6);
    await writeFile(join(dir, 'big.bin'), data);
    const enc = await ok(['--json', 'encrypt', 'big.bin', '--key', 'alias/feed', '--frame-size', '48K'], { home: dir });
    assert.equal(enc.json<{ PlaintextBytes: number }>().PlaintextBytes, data.length);
    await ok(['decrypt', 'big.bin.enc', '-o', 'back.bin'], { home: dir });
    assert.deepEqual(await readFile(join(dir, 'back.bin')), data);
  });
});

describe('cli young-generation GC on demand', () => {
  it('collects dead young ArrayBuffers that V8 would otherwise keep until 32 MiB of them pile up', async () => {
    const { collectYoungGarbage } = await import('../../packages/cli/src/util/young-gc.js');
    collectYoungGarbage();
    await new Promise((r) => setTimeout(r, 20));
    const before = process.memoryUsage().arrayBuffers;
    // 16 MiB, held while measured (a scavenge during the loop must not free them early), then dead at once.
    const held: Buffer[] = [];
    for (let i = 0; i < 16; i++) held.push(Buffer.allocUnsafeSlow(1 << 20).fill(i));
    const filled = process.memoryUsage().arrayBuffers;
    assert.ok(filled - before >= 15 * (1 << 20), `the buffers count while alive (${filled - before})`);
    held.length = 0;
    collectYoungGarbage();
    // Freeing the backing stores may finish on a background thread after the scavenge.
    let after = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 50 && after - before > 4 * (1 << 20); i++) {
      await new Promise((r) => setTimeout(r, 10));
      after = process.memoryUsage().arrayBuffers;
    }
    assert.ok(after - before < 4 * (1 << 20), `dead buffers collected (${((after - before) / 1048576).toFixed(1)} MiB left)`);
  });
});

describe('cli workflow progress', () => {
  it('draws a bar from (done, total) reports on a TTY only', async () => {
    const { workflowProgress } = await import('../../packages/cli/src/commands/workflow-context.js');
    const err: Buffer[] = [];
    const stderr = new Writable({ write: (c: Buffer, _e, cb) => (err.push(Buffer.from(c)), cb()) });
    const ctx = (tty: boolean) => ({ io: { stderr, stderrIsTTY: tty }, opts: { quiet: false } }) as never;
    const quiet = workflowProgress(ctx(false), 'copy');
    quiet.onProgress(5 << 20, 9 << 20);
    quiet.stop();
    assert.equal(Buffer.concat(err).toString(), '');
    const p = workflowProgress(ctx(true), 'copy');
    p.onProgress(1 << 20, 9 << 20);
    p.onProgress(9 << 20, 9 << 20);
    p.stop();
    assert.match(Buffer.concat(err).toString(), /copy \[.*\] .*MiB \/ 9\.0 MiB/);
  });
});
