/**
 * Frame decryption (docs/FORMAT.md §5, §6 rule 9): a frame of exactly frameLength+16 bytes is a
 * full (non-final) frame only once a further byte has arrived; at end of input the remaining bytes
 * must form the final frame. A frame's plaintext is released only after its tag verifies.
 */
import { InvalidCiphertextException } from '../errors.js';
import type { AeadBackend, AeadKey } from '../crypto/aead.js';
import { FrameCounter } from '../format/frame.js';
import { GCM_TAG_LENGTH, MAX_FRAMES } from '../format/suite.js';
import { ByteQueue } from './byte-queue.js';

export class FrameOpener {
  private readonly queue: ByteQueue;
  private readonly frames: FrameCounter;
  private readonly fullFrame: number;
  private state: 'open' | 'done' | 'failed' = 'open';

  constructor(
    private readonly backend: AeadBackend,
    private readonly key: AeadKey,
    messageId: Uint8Array,
    readonly frameLength: number,
  ) {
    this.frames = new FrameCounter(messageId);
    this.fullFrame = frameLength + GCM_TAG_LENGTH;
    // After a write at most one full frame stays queued (a full frame waits for one more byte).
    this.queue = new ByteQueue(this.fullFrame);
  }

  /** Adds ciphertext; appends the plaintext of every verified full frame to `out`. */
  write(chunk: Uint8Array, out: Uint8Array[]): void {
    this.assertOpen();
    this.queue.push(chunk);
    while (this.queue.length > this.fullFrame) this.open(this.frameLength, false, out);
    this.queue.detach();
  }

  /** End of input: verifies the final frame and appends its plaintext to `out`. */
  end(out: Uint8Array[]): void {
    this.assertOpen();
    const m = this.queue.length;
    if (m < GCM_TAG_LENGTH || m >= this.fullFrame) {
      this.fail();
      throw new InvalidCiphertextException(
        `message is truncated: input ended without a final frame (after frame ${this.frames.seq}, ${m} trailing bytes)`,
      );
    }
    this.open(m - GCM_TAG_LENGTH, true, out);
    this.state = 'done';
    this.key.destroy();
    this.queue.wipe();
  }

  private open(length: number, final: boolean, out: Uint8Array[]): void {
    const f = this.frames;
    if (!f.hasRoom) {
      this.fail();
      throw new InvalidCiphertextException(`message has more than ${MAX_FRAMES} frames`);
    }
    const ciphertext = [this.queue.takeContiguous(length)];
    const tag = this.queue.takeBytes(GCM_TAG_LENGTH);
    f.prepare(final);
    const plaintext = this.backend.open(this.key, f.nonce, f.aad, ciphertext, tag);
    if (plaintext === undefined) {
      this.fail();
      throw new InvalidCiphertextException(
        `frame ${f.seq} failed authentication: the message was altered, truncated, reordered or spliced from another message`,
      );
    }
    for (const p of plaintext) out.push(p);
    f.seq++;
  }

  private assertOpen(): void {
    if (this.state === 'failed') throw new InvalidCiphertextException('the message already failed authentication');
    if (this.state === 'done') throw new InvalidCiphertextException('unexpected bytes after the final frame');
  }

  private fail(): void {
    this.state = 'failed';
    this.key.destroy();
    this.queue.wipe();
  }
}
