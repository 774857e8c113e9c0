/**
 * Reading a request body for `envelope serve` without letting unauthenticated clients spend the
 * server's memory: a per-request byte limit (413 at once), a deadline for the whole body (a slow
 * client is a client timeout, 408, not a server fault), and one budget of bytes buffered for
 * bodies whose signature is not yet verified, shared by all connections (over it the request is
 * throttled with AWS's ThrottlingException, which the SDKs retry).
 */
import type { IncomingMessage } from 'node:http';

/** A failure while receiving the body, named and numbered as the client should see it. */
export class BodyReadError extends Error {
  readonly httpStatus: number;
  constructor(name: string, message: string, httpStatus: number) {
    super(message);
    this.name = name;
    this.httpStatus = httpStatus;
  }
}

/** The shared budget of bytes held for requests not yet authenticated. */
export class UnauthenticatedBytes {
  private held = 0;
  constructor(readonly max: number) {}
  /** Takes n bytes of the budget; false (and nothing taken) when that would exceed it. */
  take(n: number): boolean {
    if (this.held + n > this.max) return false;
    this.held += n;
    return true;
  }
  give(n: number): void {
    this.held = Math.max(0, this.held - n);
  }
  get inUse(): number {
    return this.held;
  }
}

export interface ReadBody {
  readonly bytes: Uint8Array;
  /** Returns the body's bytes to the unauthenticated budget (once its signature is checked). */
  release(): void;
}

export interface ReadBodyOptions {
  readonly limit: number;
  readonly timeoutMs: number;
  readonly budget: UnauthenticatedBytes;
}

const throttled = () => new BodyReadError('ThrottlingException', 'Rate exceeded: too many request bytes awaiting authentication', 400);

export function readBody(req: IncomingMessage, opts: ReadBodyOptions): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, value?: ReadBody) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      if (err) {
        opts.budget.give(size);
        chunks.length = 0;
        req.pause();
        reject(err);
      } else resolve(value as ReadBody);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > opts.limit) {
        finish(new BodyReadError('RequestEntityTooLargeException', `Request body exceeds the ${opts.limit}-byte limit`, 413));
        return;
      }
      if (!opts.budget.take(chunk.length)) {
        finish(throttled());
        return;
      }
      size += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      const bytes = new Uint8Array(Buffer.concat(chunks, size));
      let released = false;
      const held = size;
      finish(undefined, {
        bytes,
        release() {
          if (!released) opts.budget.give(held);
          released = true;
        },
      });
    };
    const onError = () => finish(new BodyReadError('RequestAbortedException', 'The client closed the connection before sending the whole request body', 400));
    const onAborted = onError;
    const onClose = () => {
      if (!req.complete) onError();
    };
    const timer = setTimeout(
      () => finish(new BodyReadError('RequestTimeoutException', `Your socket connection to the server was not read from or written to within the timeout period (${opts.timeoutMs} ms).`, 408)),
      opts.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    req.on('close', onClose);
  });
}
