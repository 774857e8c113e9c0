/**
 * A FIFO of byte chunks (docs/FORMAT.md §6 rule 9: a streaming reader holds at most one frame plus
 * one byte). `take` hands out sub-views of the queued chunks without copying, so a frame's bytes go
 * to the cipher exactly as they arrived. `detach` copies whatever is still queued when the caller
 * returns control to the producer, which may then reuse its buffers (Node's write contract).
 */
import { concatBytes } from '../crypto/aead.js';

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** How many chunks at the end of `chunks` are still the producer's buffers. */
  private borrowed = 0;

  get length(): number {
    return this.size;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    this.borrowed++;
  }

  /** Replaces the producer's buffers still queued by private copies (only those not copied yet). */
  detach(): void {
    const from = this.chunks.length - this.borrowed;
    for (let i = from; i < this.chunks.length; i++) this.chunks[i] = new Uint8Array(this.chunks[i]!);
    this.borrowed = 0;
  }

  /** Removes the first `n` bytes and returns them as views of the queued chunks. */
  take(n: number): Uint8Array[] {
    if (n > this.size) throw new RangeError(`cannot take ${n} bytes from a queue of ${this.size}`);
    const out: Uint8Array[] = [];
    let need = n;
    while (need > 0) {
      const head = this.chunks[0]!;
      if (head.length <= need) {
        out.push(head);
        this.chunks.shift();
        need -= head.length;
      } else {
        out.push(head.subarray(0, need));
        this.chunks[0] = head.subarray(need);
        need = 0;
      }
    }
    this.size -= n;
    this.borrowed = Math.min(this.borrowed, this.chunks.length);
    return out;
  }

  /** Removes the first `n` bytes as one contiguous array (copies only when they span chunks). */
  takeBytes(n: number): Uint8Array {
    return concatBytes(this.take(n));
  }

  /** A contiguous copy of the first `n` bytes, leaving the queue unchanged. */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(Math.min(n, this.size));
    let at = 0;
    for (const c of this.chunks) {
      if (at >= out.length) break;
      const part = c.subarray(0, out.length - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
