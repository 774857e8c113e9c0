/**
 * Backend selection for Node entry points: 'node' (node:crypto, default) or 'noble'
 * (docs/FORMAT.md §1; perf-notes: node:crypto is the hot path). Node-only file.
 */
import type { AeadBackend } from '../crypto/aead.js';
import { nobleAead } from '../crypto/noble-aead.js';
import { nodeAead } from '../crypto/node-aead.js';
import { ValidationException } from '../errors.js';
import type { BackendChoice } from './options.js';

export function resolveNodeBackend(choice: BackendChoice | undefined): AeadBackend {
  if (choice === undefined || choice === 'node') return nodeAead;
  if (choice === 'noble') return nobleAead;
  if (typeof choice === 'object' && typeof choice.seal === 'function') return choice;
  throw new ValidationException(`backend must be 'node' or 'noble', got ${String(choice)}`);
}
