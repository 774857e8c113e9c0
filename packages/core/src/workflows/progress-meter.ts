/**
 * A pass-through Transform that counts the bytes flowing through a workflow's pipeline and reports
 * them to a ProgressListener (at most once per chunk; chunks are ~1 MiB file reads).
 */
import { Transform, type TransformCallback } from 'node:stream';
import type { ProgressListener } from './workflow-context.js';

export class ProgressMeter extends Transform {
  bytes = 0;
  readonly #listener: ProgressListener | undefined;
  readonly #total: number;

  constructor(listener: ProgressListener | undefined, total = 0) {
    super();
    this.#listener = listener;
    this.#total = total;
  }

  override _transform(chunk: Uint8Array, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.#listener?.(this.bytes, this.#total);
    cb(null, chunk);
  }
}
