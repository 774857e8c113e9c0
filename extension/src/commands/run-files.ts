/**
 * Runs one file job per path under a single cancellable progress notification, sized by bytes
 * (issue #6: "long work runs with a progress notification that can be cancelled"). Stops at the
 * first failure or on cancel; each job writes atomically, so nothing partial remains.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { JobOptions } from '../file-crypto.js';
import type { Ui } from '../ui.js';

export async function runFileJobs(
  ui: Ui,
  title: string,
  paths: readonly string[],
  job: (path: string, opts: Required<Pick<JobOptions, 'signal' | 'onProgress'>>) => Promise<void>,
): Promise<string[]> {
  const sizes = await Promise.all(paths.map((p) => stat(p).then((s) => Math.max(1, s.size))));
  const total = sizes.reduce((a, b) => a + b, 0);
  const done: string[] = [];
  await ui.withProgress(title, async (progress, signal) => {
    let reportedPct = 0;
    let before = 0;
    for (const [i, path] of paths.entries()) {
      signal.throwIfAborted();
      const name = basename(path);
      progress.report({ message: paths.length > 1 ? `${name} (${i + 1}/${paths.length})` : name });
      await job(path, {
        signal,
        onProgress: (bytes) => {
          const pct = ((before + Math.min(bytes, sizes[i]!)) / total) * 100;
          if (pct - reportedPct >= 1) {
            progress.report({ increment: pct - reportedPct });
            reportedPct = pct;
          }
        },
      });
      before += sizes[i]!;
      done.push(path);
    }
  });
  return done;
}

/** True when `path` exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
}
