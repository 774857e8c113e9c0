/**
 * Frame encryption (docs/FORMAT.md §5): cuts plaintext into full frames of `frameLength` bytes
 * sealed as non-final, and on `end` seals the remainder (0..frameLength−1 bytes, possibly empty)
 * as the final frame. Holds at most one frame of plaintext; pure apart from the AEAD backend.
 */
import { LimitExceededException, ValidationException } from '../errors.js';
import type { AeadBackend, AeadKey } from '../crypto/aead.js';
import { abytes } from '../format/assert.js';
import { FrameCounter } from '../format/frame.js';
import { MAX_FRAMES } from '../format/suite.js';
import { ByteQueue } from './byte-queue.js';

export class FrameSealer {
  /** After a write less than one frame of plaintext stays queued. */
  private readonly queue: ByteQueue;
  private readonly frames: FrameCounter;
  private done = false;

  constructor(
    private readonly backend: AeadBackend,
    private readonly key: AeadKey,
    messageId: Uint8Array,
    readonly frameLength: number,
  ) {
    this.frames = new FrameCounter(messageId);
    this.queue = new ByteQueue(frameLength);
  }

  /** Adds plaintext; appends the ciphertext of every completed frame to `out`. */
  write(chunk: Uint8Array, out: Uint8Array[]): void {
    if (this.done) throw new ValidationException('write after the end of the encrypted message');
    abytes(chunk, undefined, 'chunk');
    this.queue.push(chunk);
    while (this.queue.length >= this.frameLength) this.seal([this.queue.takeContiguous(this.frameLength)], false, out);
    this.queue.detach();
  }

  /** Seals the final frame and appends it to `out`; the sealer is then finished. */
  end(out: Uint8Array[]): void {
    if (this.done) return;
    this.seal(this.queue.take(this.queue.length), true, out);
    this.done = true;
    this.key.destroy();
    this.queue.wipe(); // the stash held plaintext
  }

  private seal(plaintext: Uint8Array[], final: boolean, out: Uint8Array[]): void {
    const f = this.frames;
    if (!f.hasRoom) throw new LimitExceededException(`a message holds at most ${MAX_FRAMES} frames`);
    f.prepare(final);
    for (const piece of this.backend.seal(this.key, f.nonce, f.aad, plaintext)) out.push(piece);
    f.seq++;
  }
}
