/**
 * Backend selection for Node entry points: 'node' (node:crypto, default) or 'noble'
 * (docs/FORMAT.md §1; perf-notes: node:crypto is the hot path). Node-only file.
 * The portable backend is loaded only when asked for: @noble/ciphers and @noble/hashes add about
 * 6 MiB to a Node process's resident memory that the node:crypto path never needs
 * (docs/PERFORMANCE.md, "Peak memory").
 */
import type { AeadBackend } from '../crypto/aead.js';
import { nodeAead } from '../crypto/node-aead.js';
import { ValidationException } from '../errors.js';
import type { BackendChoice } from './options.js';

/** Validates `choice` at once; 'noble' resolves after its module has loaded. */
export function resolveNodeBackend(choice: BackendChoice | undefined): AeadBackend | Promise<AeadBackend> {
  if (choice === undefined || choice === 'node') return nodeAead;
  if (choice === 'noble') return import('../crypto/noble-aead.js').then((m) => m.nobleAead);
  if (typeof choice === 'object' && typeof choice.seal === 'function') return choice;
  throw new ValidationException(`backend must be 'node' or 'noble', got ${String(choice)}`);
}
