/**
 * A RandomAccessSource over a file (docs/FORMAT.md §5.2 random access): positional reads through
 * one open file handle. Node-only adapter.
 */
import { open } from 'node:fs/promises';
import type { RandomAccessSource } from './random-access.js';

/** Opens `path` for random access; call `close()` when done. */
export async function fileSource(path: string): Promise<RandomAccessSource> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return {
      size,
      async read(offset, length) {
        const want = Math.max(0, Math.min(length, size - offset));
        const buf = Buffer.allocUnsafe(want);
        let got = 0;
        while (got < want) {
          const { bytesRead } = await handle.read(buf, got, want - got, offset + got);
          if (bytesRead === 0) break;
          got += bytesRead;
        }
        return new Uint8Array(buf.buffer, buf.byteOffset, got);
      },
      close: () => handle.close(),
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}
