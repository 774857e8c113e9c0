/**
 * A FIFO of byte chunks (docs/FORMAT.md §6 rule 9: a streaming reader holds at most one frame plus
 * one byte). `take` hands out sub-views of the queued chunks without copying; `takeContiguous`
 * hands out one view, copying only a frame that spans chunks. `detach` copies whatever is still
 * queued when the caller returns control to the producer, which may then reuse its buffers (Node's
 * write contract).
 * With a `stashCapacity` (a frame stream's bound on what stays queued and on a frame), those copies
 * go into one of two buffers allocated once and used in turn, instead of a fresh allocation per
 * input chunk: a file read in 64 KiB chunks against 64 KiB + 16-byte frames splits almost every
 * frame, and fresh copies plus two cipher outputs per frame added garbage and odd-sized
 * allocations for V8 and malloc to deal with (docs/PERFORMANCE.md, "Peak memory"). Whoever takes
 * views must be done with them before the next `detach` or `takeContiguous`.
 */
import { concatBytes } from '../crypto/aead.js';

export class ByteQueue {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** How many chunks at the end of `chunks` are still the producer's buffers. */
  private borrowed = 0;
  /** The two reusable stash buffers (allocated on first need) and which one holds the queue now. */
  private stashes: [Uint8Array, Uint8Array] | undefined;
  private current = 0;

  /** `stashCapacity`: the most bytes ever left queued at a `detach` (0: always copy per chunk). */
  constructor(private readonly stashCapacity = 0) {}

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
    if (this.borrowed === 0) return;
    if (this.size <= this.stashCapacity) {
      // The queue becomes one view of a stash buffer holding all of it (earlier stashed bytes too).
      this.chunks = [this.gather(this.size)];
      this.borrowed = 0;
      return;
    }
    const from = this.chunks.length - this.borrowed;
    for (let i = from; i < this.chunks.length; i++) this.chunks[i] = new Uint8Array(this.chunks[i]!);
    this.borrowed = 0;
  }

  /**
   * Removes the first `n` bytes as one contiguous view: of the head chunk when they lie in it,
   * else of a stash buffer they are gathered into (a fresh copy when `n` exceeds the stash). One
   * piece per frame gives the cipher one call and one output buffer of the frame's size.
   */
  takeContiguous(n: number): Uint8Array {
    if (n > this.size) throw new RangeError(`cannot take ${n} bytes from a queue of ${this.size}`);
    const head = this.chunks[0];
    if (head !== undefined && head.length >= n) return this.take(n)[0] ?? new Uint8Array(0);
    if (n > this.stashCapacity) return concatBytes(this.take(n));
    const out = this.gather(n);
    this.size -= n;
    this.borrowed = Math.min(this.borrowed, this.chunks.length);
    return out;
  }

  /**
   * Moves the first `n` bytes out of `chunks` into the stash buffer not in use (so the copy never
   * reads what it writes) and returns the view of them; does not change `size`.
   */
  private gather(n: number): Uint8Array {
    this.stashes ??= [new Uint8Array(this.stashCapacity), new Uint8Array(this.stashCapacity)];
    this.current ^= 1;
    const into = this.stashes[this.current]!;
    let at = 0;
    while (at < n) {
      const c = this.chunks[0]!;
      const part = Math.min(c.length, n - at);
      into.set(part === c.length ? c : c.subarray(0, part), at);
      at += part;
      if (part === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(part);
    }
    return into.subarray(0, n);
  }

  /** Zeroes the stash buffers (they held message bytes) and empties the queue. */
  wipe(): void {
    this.stashes?.[0].fill(0);
    this.stashes?.[1].fill(0);
    this.chunks = [];
    this.size = 0;
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
