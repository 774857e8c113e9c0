/**
 * The CLI's error taxonomy (STYLE.md §5, after changesets' three classes) and its one mapping to
 * exit codes: KmsError → `Name: message`, exit 1; UsageError → exit 2; anything else is a bug
 * (KMSInternalException-like), printed with a stack trace.
 */
// The error classes alone: the CLI reports errors without loading the rest of the core.
import { KmsError } from '@envelope/core/errors';

/** Bad command-line input (unknown flag, malformed `k=v`, missing file). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A runtime problem of the CLI's own (not from the KMS), reported as one line `Name: message`, exit 1. */
export class CliRuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The problem was already reported; just exit with `code`. */
export class ExitError extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.name = 'ExitError';
    this.code = code;
  }
}

export const EXIT_OK = 0;
export const EXIT_SERVICE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface ReportedError {
  readonly code: number;
  /** What goes to stderr (one line unless a stack is warranted). */
  readonly text: string;
}

/** Node system errors that are the user's input problem (missing file, a directory, no access). */
const USER_FS_CODES = new Set(['ENOENT', 'EISDIR', 'ENOTDIR', 'EACCES', 'EPERM', 'EEXIST', 'ENOSPC', 'EROFS', 'EPIPE', 'EDQUOT', 'EFBIG', 'EIO', 'ENXIO', 'ELOOP']);

/** Maps any thrown value to an exit code and the text for stderr. Never includes plaintext. */
export function reportError(e: unknown, debug: boolean): ReportedError {
  if (e instanceof ExitError) return { code: e.code, text: '' };
  if (e instanceof UsageError) return { code: EXIT_USAGE, text: `UsageError: ${e.message}\n` };
  if (e instanceof CliRuntimeError) return { code: EXIT_SERVICE, text: `${e.name}: ${e.message}\n${debug ? `${e.stack ?? ''}\n` : ''}` };
  if (e instanceof KmsError) {
    const stack = debug || e.name === 'KMSInternalException' ? `${e.stack ?? ''}\n` : '';
    return { code: EXIT_SERVICE, text: `${e.name}: ${e.message}\n${stack}` };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  if (err.name === 'AbortError' || code === 'ABORT_ERR') {
    return { code: EXIT_INTERRUPTED, text: 'Interrupted: stopped by a signal; no output file was written (temp files removed).\n' };
  }
  if (code !== undefined && USER_FS_CODES.has(code)) {
    // Node's own messages already start with the code ("ENOENT: no such file or directory, …").
    const message = err.message.startsWith(`${code}: `) ? err.message.slice(code.length + 2) : err.message;
    return { code: EXIT_SERVICE, text: `${code}: ${message}\n${debug ? `${err.stack ?? ''}\n` : ''}` };
  }
  // A plain TypeError/RangeError from boundary assertions is bad input, not a crash.
  if (err instanceof TypeError || err instanceof RangeError) {
    return { code: EXIT_USAGE, text: `ValidationException: ${err.message}\n${debug ? `${err.stack ?? ''}\n` : ''}` };
  }
  return {
    code: EXIT_SERVICE,
    text: `KMSInternalException: ${err.message}\n${err.stack ?? ''}\nThis is a bug in envelope; please report it with the command you ran.\n`,
  };
}
