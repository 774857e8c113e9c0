/**
 * Frame nonce and AAD (docs/FORMAT.md §5):
 *   nonce_i = uint88(i) || final_i          (12 bytes)
 *   aad_i   = messageId || uint64(i) || final_i   (41 bytes)
 * Sequence numbers are < 2^32, so only the low four bytes of each counter are ever non-zero.
 */
import { GCM_NONCE_LENGTH, MAX_FRAMES, MESSAGE_ID_LENGTH } from './suite.js';

const FRAME_AAD_LENGTH = MESSAGE_ID_LENGTH + 8 + 1;

/** Writes nonce_i into `out` (12 bytes, reused across frames by the callers). */
function writeFrameNonce(out: Uint8Array, seq: number, final: boolean): Uint8Array {
  checkSeq(seq);
  out.fill(0, 0, GCM_NONCE_LENGTH);
  writeUint32(out, 7, seq);
  out[11] = final ? 1 : 0;
  return out;
}

/** Writes aad_i into `out` (41 bytes; the message id part is written once by `frameAadTemplate`). */
function writeFrameAad(out: Uint8Array, seq: number, final: boolean): Uint8Array {
  checkSeq(seq);
  out.fill(0, MESSAGE_ID_LENGTH, MESSAGE_ID_LENGTH + 4);
  writeUint32(out, MESSAGE_ID_LENGTH + 4, seq);
  out[MESSAGE_ID_LENGTH + 8] = final ? 1 : 0;
  return out;
}

/** A 41-byte AAD buffer with the message id filled in. */
function frameAadTemplate(messageId: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_AAD_LENGTH);
  out.set(messageId, 0);
  return out;
}

function checkSeq(seq: number): void {
  if (!Number.isInteger(seq) || seq < 0 || seq >= MAX_FRAMES) throw new RangeError(`frame sequence number ${seq} out of range`);
}

function writeUint32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

/** Per-message frame state: the reused nonce and AAD buffers and the next sequence number. */
export class FrameCounter {
  readonly nonce = new Uint8Array(GCM_NONCE_LENGTH);
  readonly aad: Uint8Array;
  seq = 0;

  constructor(messageId: Uint8Array) {
    this.aad = frameAadTemplate(messageId);
  }

  /** True when another frame may still be written (FORMAT.md §5: at most 2^32 frames). */
  get hasRoom(): boolean {
    return this.seq < MAX_FRAMES;
  }

  /** Fills nonce and AAD for frame `seq` with the given final flag. */
  prepare(final: boolean, seq = this.seq): void {
    writeFrameNonce(this.nonce, seq, final);
    writeFrameAad(this.aad, seq, final);
  }
}
