/**
 * Web Streams (`TransformStream`) variants for browsers and VS Code for the web (docs/FORMAT.md §5,
 * §6). Imports nothing Node-specific at the top: the default backend is @noble/ciphers; both backends
 * are loaded on first use; randomness comes from Web Crypto unless `random` is injected.
 */
import type { AeadBackend } from '../crypto/aead.js';
import { webRandom } from '../crypto/web-random.js';
import { ValidationException } from '../errors.js';
import { startEncryption } from './encrypt-session.js';
import type { FrameSealer } from './frame-sealer.js';
import { MessageDecoder } from './message-decoder.js';
import type { BackendChoice, DecryptOptions, EncryptOptions } from './options.js';

async function resolveWebBackend(choice: BackendChoice | undefined): Promise<AeadBackend> {
  if (choice === undefined || choice === 'noble') return (await import('../crypto/noble-aead.js')).nobleAead;
  if (choice === 'node') {
    // A computed specifier keeps bundlers from pulling node:crypto into a browser bundle.
    const nodeBackend: string = '../crypto/node-aead.js';
    return ((await import(nodeBackend)) as typeof import('../crypto/node-aead.js')).nodeAead;
  }
  if (typeof choice === 'object' && typeof choice.seal === 'function') return choice;
  throw new ValidationException(`backend must be 'node' or 'noble', got ${String(choice)}`);
}

function enqueueAll(controller: TransformStreamDefaultController<Uint8Array>, out: Uint8Array[]): void {
  for (const o of out) controller.enqueue(o);
}

/** A TransformStream that encrypts its input into one Envelope message. */
export function createWebEncryptStream(opts: EncryptOptions): TransformStream<Uint8Array, Uint8Array> {
  let sealer: FrameSealer;
  return new TransformStream<Uint8Array, Uint8Array>({
    async start(controller) {
      const session = await startEncryption(opts, await resolveWebBackend(opts?.backend), opts?.random ?? webRandom);
      sealer = session.sealer;
      controller.enqueue(session.headerBytes);
    },
    transform(chunk, controller) {
      const out: Uint8Array[] = [];
      sealer.write(chunk, out);
      enqueueAll(controller, out);
    },
    flush(controller) {
      const out: Uint8Array[] = [];
      sealer.end(out);
      enqueueAll(controller, out);
    },
  });
}

/** A TransformStream that decrypts one Envelope message; `opts.onHeader` sees the authenticated header. */
export function createWebDecryptStream(opts: DecryptOptions): TransformStream<Uint8Array, Uint8Array> {
  let decoder: MessageDecoder;
  return new TransformStream<Uint8Array, Uint8Array>({
    async start() {
      decoder = new MessageDecoder(opts, await resolveWebBackend(opts?.backend), (h) => opts.onHeader?.(h));
    },
    async transform(chunk, controller) {
      const out: Uint8Array[] = [];
      const wait = decoder.write(chunk, out);
      if (wait) await wait;
      enqueueAll(controller, out);
    },
    flush(controller) {
      const out: Uint8Array[] = [];
      decoder.end(out);
      enqueueAll(controller, out);
    },
  });
}
