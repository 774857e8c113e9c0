/**
 * Worker-thread side of parallel-decrypt.ts: reads a stored snapshot message, decrypts it with the
 * data key it was handed (UnwrappedKeyring; the header tag and every frame are still
 * authenticated) and posts the plaintext to the main thread in ~1 MiB batches, at most
 * `MAX_IN_FLIGHT` unacknowledged, so memory stays bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream } from '../stream/node-streams.js';
import { ArtifactStore } from './artifact-store.js';
import type { SnapshotMeta } from './artifact-types.js';
import { UnwrappedKeyring } from './unwrapped-keyring.js';

export interface DecryptWorkerData {
  readonly root: string;
  readonly meta: SnapshotMeta;
  readonly dataKey: Uint8Array;
  readonly context: Record<string, string>;
}

export type DecryptWorkerMessage =
  | { readonly type: 'chunk'; readonly chunk: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'error'; readonly name: string; readonly message: string };

const BATCH = 1 << 20;
const MAX_IN_FLIGHT = 4;

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as DecryptWorkerData;
  const keyring = new UnwrappedKeyring(data.dataKey);
  data.dataKey.fill(0);
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  port.on('message', () => {
    inFlight -= 1;
    const w = waiting;
    waiting = undefined;
    w?.();
  });
  let parts: Uint8Array[] = [];
  let size = 0;
  const flush = (cb: () => void) => {
    // Not zero-filled (every byte is overwritten) and not pooled: the chunk owns its whole
    // ArrayBuffer, which is transferred, not copied, to the main thread.
    const chunk = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const p of parts) {
      chunk.set(p, at);
      at += p.length;
    }
    parts = [];
    size = 0;
    port.postMessage({ type: 'chunk', chunk } satisfies DecryptWorkerMessage, [chunk.buffer]);
    inFlight += 1;
    if (inFlight < MAX_IN_FLIGHT) cb();
    else waiting = cb;
  };
  const sink = new Writable({
    write(chunk: Uint8Array, _enc, cb) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= BATCH) flush(() => cb());
      else cb();
    },
    final(cb) {
      if (size > 0) flush(() => cb());
      else cb();
    },
  });
  const store = new ArtifactStore({
    root: data.root,
    random: () => {
      throw new Error('the decrypt worker creates no ids');
    },
  });
  try {
    await pipeline(store.openMessage(data.meta), createDecryptStream({ keyring, context: data.context }), sink);
    port.postMessage({ type: 'end' } satisfies DecryptWorkerMessage);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ type: 'error', name: err.name, message: err.message } satisfies DecryptWorkerMessage);
  } finally {
    keyring.wipe();
    // Messages already posted are still delivered; closing lets the thread exit.
    port.close();
  }
}

// No top-level await: the tests load this module from source through tsx's require hook. main()
// reports its own failures; anything else is an uncaught rejection, which ends the thread with 'error'.
void main();
