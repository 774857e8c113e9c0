/**
 * Incremental message reader shared by the Node and Web decrypt streams (docs/FORMAT.md §6):
 * buffers until the header is complete (limits checked from the preamble before buffering more),
 * authenticates it through the keyring (the only asynchronous step), then decrypts frames
 * synchronously. Returns a promise only while the header is being opened.
 */
import { InvalidCiphertextException } from '../errors.js';
import type { AeadBackend } from '../crypto/aead.js';
import { abytes } from '../format/assert.js';
import { parseHeader, peekHeaderLength, type HeaderLimits, type MessageHeader } from '../format/header.js';
import { PREAMBLE_LENGTH } from '../format/suite.js';
import { ByteQueue } from './byte-queue.js';
import { openMessage } from './decrypt-session.js';
import type { FrameOpener } from './frame-opener.js';
import { assertKeyring, assertOptions, resolveLimits, type DecryptOptions } from './options.js';

export class MessageDecoder {
  private readonly pending = new ByteQueue();
  private readonly limits: HeaderLimits;
  private headerLength: number | undefined;
  private opener: FrameOpener | undefined;
  header: MessageHeader | undefined;

  constructor(
    private readonly opts: DecryptOptions,
    /** A promise while a lazily loaded backend is still loading (node-backend.ts). */
    private readonly backend: AeadBackend | Promise<AeadBackend>,
    private readonly onHeader: (header: MessageHeader) => void,
  ) {
    assertOptions(opts, 'decrypt');
    assertKeyring(opts.keyring);
    this.limits = resolveLimits(opts);
  }

  /** Feeds ciphertext; plaintext of verified frames is appended to `out`. */
  write(chunk: Uint8Array, out: Uint8Array[]): Promise<void> | undefined {
    abytes(chunk, undefined, 'chunk');
    if (this.opener) {
      this.opener.write(chunk, out);
      return undefined;
    }
    this.pending.push(chunk);
    if (this.headerLength === undefined) {
      this.headerLength = peekHeaderLength(this.pending.peek(PREAMBLE_LENGTH), this.limits);
    }
    if (this.headerLength === undefined || this.pending.length < this.headerLength) {
      this.pending.detach();
      return undefined;
    }
    const header = parseHeader(this.pending.takeBytes(this.headerLength), this.limits)!;
    const opening = this.backend instanceof Promise
      ? this.backend.then((b) => openMessage(header, this.opts.keyring, this.opts.context, b))
      : openMessage(header, this.opts.keyring, this.opts.context, this.backend);
    return opening.then((opener) => {
      this.header = header;
      this.onHeader(header);
      this.opener = opener;
      for (const rest of this.pending.take(this.pending.length)) opener.write(rest, out);
    });
  }

  /** End of input: verifies the final frame. */
  end(out: Uint8Array[]): void {
    if (!this.opener) {
      throw new InvalidCiphertextException(
        this.pending.length === 0 ? 'empty input: not an Envelope message' : 'message is truncated inside its header',
      );
    }
    this.opener.end(out);
  }
}
