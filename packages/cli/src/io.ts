/**
 * The CLI's explicit inputs and outputs (STYLE.md §5 "one process edge"): commands never touch
 * `process` directly; main.ts builds a `CliIo` from the real process, tests build one in memory.
 */
import type { Readable, Writable } from 'node:stream';
import type { Clock, Random } from '@envelope/core';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /** True when stderr is an interactive terminal (progress bars are drawn only then). */
  readonly stderrIsTTY?: boolean;
  /** True when stdout is an interactive terminal (ciphertext is then written there only with an explicit `-o -`). */
  readonly stdoutIsTTY?: boolean;
  /** Injected for deterministic tests; defaults to the system clock/CSPRNG. */
  readonly clock?: Clock;
  readonly random?: Random;
  /**
   * Aborted when the process receives SIGINT/SIGTERM: long commands stop, remove their temp
   * outputs, and `envelope serve` shuts down gracefully.
   */
  readonly signal?: AbortSignal;
  /** This process's id (`envelope serve --pid-file`); main.ts passes process.pid. */
  readonly pid?: number;
  /** Called by `envelope serve` once it listens (tests read the port from here). */
  readonly onListening?: (address: { host: string; port: number }) => void;
}

/** Writes a string to a stream and waits until it is flushed (or the stream errors). */
export function writeText(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (err) => (err ? reject(err) : resolve()));
  });
}
