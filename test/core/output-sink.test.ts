/**
 * The file output sink (packages/core/src/fsio/output-file.ts): queued chunks go to the file with
 * writev(2) as they are (no concatenation), in order, and a short write resumes where the kernel
 * stopped.
 */
import { strict as assert } from 'node:assert';
import { mkdtemp, open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleWritable } from '../../packages/core/src/fsio/output-file.js';

function chunks(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.alloc(1 + (i * 7919) % 5000, i % 251));
}

describe('file output sink: handleWritable', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'envelope-atomic-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes many queued chunks (more than IOV_MAX at once) in order', async () => {
    const data = chunks(3000);
    const handle = await open(join(dir, 'out'), 'wx');
    try {
      // Corked, the Writable queues every chunk and hands all 3000 to one writev call.
      const sink = handleWritable(handle, 'the test output');
      sink.cork();
      for (const c of data) sink.write(c);
      sink.uncork();
      await new Promise<void>((res, rej) => sink.end(() => res()).once('error', rej));
    } finally {
      await handle.close();
    }
    assert.deepEqual(await readFile(join(dir, 'out')), Buffer.concat(data));
  });

  it('resumes after short writev and write calls', async () => {
    const written: Buffer[] = [];
    let calls = 0;
    // A handle whose every call writes at most 3 bytes of what it was given.
    const fake = {
      async writev(buffers: Uint8Array[]) {
        calls++;
        const all = Buffer.concat(buffers);
        written.push(all.subarray(0, Math.min(3, all.length)));
        return { bytesWritten: Math.min(3, all.length), buffers };
      },
      async write(buf: Uint8Array, off: number, len: number) {
        calls++;
        const n = Math.min(3, len);
        written.push(Buffer.from(buf.subarray(off, off + n)));
        return { bytesWritten: n, buffer: buf };
      },
    } as unknown as FileHandle;
    const data = chunks(40);
    const sink = handleWritable(fake, 'the test output');
    sink.cork();
    for (const c of data) sink.write(c);
    sink.uncork();
    await new Promise<void>((res, rej) => sink.end(() => res()).once('error', rej));
    assert.deepEqual(Buffer.concat(written), Buffer.concat(data));
    assert.ok(calls > 40, 'the short writes were resumed');
  });
});
