/**
 * A young-generation (minor) GC on demand, for the CLI's long byte pipelines. Every cipher output
 * is a fresh ArrayBuffer (node:crypto has no "update into this buffer"), and V8 collects dead
 * ArrayBuffers of its young generation only once their backing stores add up to twice its default
 * maximum semi-space (32 MiB on 64-bit; a constant, not changed by --max-semi-space-size). A file
 * encrypt therefore carried up to ~32 MiB of dead cipher outputs at any time: about a quarter of
 * its peak RSS. Collecting every few MiB of input keeps that to a few MiB; a scavenge that finds
 * almost everything dead is cheap. (docs/PERFORMANCE.md, "Files".)
 *
 * `gc` is not exposed to scripts by default: the flag is set at run time and the function taken
 * from a fresh context (the main context was created before the flag). Without it, this is a no-op.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'minor' | 'major' }) => void;
let gc: Gc | null | undefined;

function resolveGc(): Gc | null {
  const exposed = (globalThis as { gc?: Gc }).gc;
  if (typeof exposed === 'function') return exposed;
  try {
    setFlagsFromString('--expose-gc');
    const fn = runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as Gc) : null;
  } catch {
    return null;
  }
}

/** Runs a minor GC (a scavenge of the young generation), when the runtime allows it. */
export function collectYoungGarbage(): void {
  gc ??= resolveGc();
  gc?.({ type: 'minor' });
}
