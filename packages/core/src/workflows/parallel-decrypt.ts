/**
 * Decrypting a stored snapshot on a second core (perf-notes: "worker threads across cores are the
 * levers to get past ~1 GB/s"; docs/PERFORMANCE.md "Workflows"). A full re-key is decrypt +
 * encrypt of every byte; running the decryption in a worker thread while the main thread encrypts
 * and writes brings the copy close to the speed of plain encryption. The data key is unwrapped
 * here, through KMS (audited), and handed to the worker in memory only.
 */
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KmsError } from '../errors.js';
import type { SnapshotMeta } from './artifact-types.js';
import type { DecryptWorkerData, DecryptWorkerMessage } from './decrypt-worker.js';

/**
 * How the worker thread starts: it runs this module's sibling from the same tree as its caller,
 * never another build. In the package that is the compiled decrypt-worker.js. When this module was
 * itself loaded from its TypeScript source (only the tests do that, through mocha's `--import tsx/esm`,
 * whose hooks Node 20 does not carry into worker threads), the thread registers tsx's require hook
 * and runs the sibling decrypt-worker.ts.
 */
function workerScript(): { readonly script: URL | string; readonly eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { script: new URL('./decrypt-worker.js', import.meta.url), eval: false };
  const require = createRequire(import.meta.url);
  const loader = JSON.stringify(require.resolve('tsx/cjs/api'));
  const source = JSON.stringify(fileURLToPath(new URL('./decrypt-worker.ts', import.meta.url)));
  return { script: `require(${loader}).register(); require(${source});`, eval: true };
}

/** Snapshots at least this large are decrypted in a worker (below, the thread start-up dominates). */
export const PARALLEL_DECRYPT_MIN_BYTES = 64 << 20;

/** The plaintext of `meta` (stored under `root`) as a stream, decrypted in a worker thread. */
export function decryptInWorker(root: string, meta: SnapshotMeta, dataKey: Uint8Array, context: Record<string, string>): Readable {
  const workerData: DecryptWorkerData = { root, meta, dataKey, context };
  const { script, eval: isEval } = workerScript();
  const worker = new Worker(script, { workerData, eval: isEval });
  let pendingAcks = 0;
  let finished = false;
  const out = new Readable({
    read() {
      while (pendingAcks > 0) {
        pendingAcks -= 1;
        worker.postMessage('ack');
      }
    },
    destroy(err, cb) {
      if (!finished) void worker.terminate();
      cb(err);
    },
  });
  worker.on('message', (m: DecryptWorkerMessage) => {
    if (m.type === 'chunk') {
      if (out.push(m.chunk)) worker.postMessage('ack');
      else pendingAcks += 1;
    } else if (m.type === 'end') {
      finished = true;
      out.push(null);
    } else {
      finished = true;
      out.destroy(m.name.endsWith('Exception') ? new KmsError(m.name, m.message) : Object.assign(new Error(m.message), { name: m.name }));
    }
  });
  worker.on('error', (e) => out.destroy(e));
  worker.on('exit', (code) => {
    if (!finished && code !== 0) out.destroy(new Error(`the decrypt worker exited with code ${code}`));
  });
  return out;
}
