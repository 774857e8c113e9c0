/**
 * Progress on stderr for long file work (bytes, rate, ETA) with cli-progress — drawn only when
 * stderr is a TTY and --quiet is off, so pipes and scripts never see it (nor load it).
 */
import { createRequire } from 'node:module';
import { Transform, type Writable } from 'node:stream';
import type CliProgress from 'cli-progress';

/**
 * cli-progress (CommonJS) is loaded on the first bar actually drawn: scripts and pipes never draw
 * one. Imported alone it costs ~7 MiB of RSS and ~40 ms of CPU; inside the CLI, which loads much
 * more, the saving was within the run-to-run noise (±3 MiB) on 2026-12-03.
 */
const loadCliProgress = (): typeof CliProgress => createRequire(import.meta.url)('cli-progress') as typeof CliProgress;

export interface ProgressOptions {
  readonly enabled: boolean;
  readonly stream: Writable;
  /** Total bytes expected (input size), when known. */
  readonly total?: number;
  readonly label: string;
}

export interface Progress {
  /** A pass-through Transform that counts the bytes flowing through it. */
  readonly meter: Transform;
  /** Counts bytes that reach the work another way (a file feed) than through `meter`. */
  advance(bytes: number): void;
  /** Stops drawing (call on success and on failure). */
  stop(): void;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Creates a byte meter; draws a bar only when `enabled`. */
export function createProgress(opts: ProgressOptions): Progress {
  if (!opts.enabled) {
    return {
      meter: new Transform({
        transform(chunk: Buffer, _e, cb) {
          cb(null, chunk);
        },
      }),
      advance() {},
      stop() {},
    };
  }
  let seen = 0;
  const total = opts.total ?? 0;
  const cliProgress = loadCliProgress();
  const bar = new cliProgress.SingleBar(
    {
      stream: opts.stream as unknown as NodeJS.WritableStream,
      // Unknown size (stdin): bytes and rate only — no bar, total or ETA that would be made up.
      format: opts.total ? `${opts.label} [{bar}] {done} / {size} | {rate}/s | ETA {eta_formatted}` : `${opts.label} {done} | {rate}/s`,
      hideCursor: false,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 8,
      // The caller decides (stderr is a TTY and not --quiet); draw whenever enabled.
      noTTYOutput: true,
      notTTYSchedule: 250,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total || 1, 0, { done: formatBytes(0), size: total ? formatBytes(total) : '?', rate: formatBytes(0) });
  let stopped = false;
  const advance = (bytes: number) => {
    seen += bytes;
    const secs = Math.max((performance.now() - started) / 1000, 0.001);
    if (!total) bar.setTotal(seen + 1); // never "complete" while more may come
    bar.update(seen, { done: formatBytes(seen), rate: formatBytes(seen / secs) });
  };
  return {
    meter: new Transform({
      transform(chunk: Buffer, _e, cb) {
        advance(chunk.length);
        cb(null, chunk);
      },
    }),
    advance,
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
