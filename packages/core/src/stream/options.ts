/**
 * Options of the encrypt/decrypt APIs (docs/FORMAT.md §7 for the limits) and their validation.
 * Platform-neutral: the Node and Web entry points resolve the backend and randomness themselves.
 */
import { ValidationException } from '../errors.js';
import type { Random } from '../defaults.js';
import type { AeadBackend } from '../crypto/aead.js';
import type { Keyring } from '../keyrings/keyring.js';
import { DEFAULT_LIMITS, type HeaderLimits, type MessageHeader } from '../format/header.js';
import { DEFAULT_FRAME_LENGTH, MAX_FRAME_LENGTH, MIN_FRAME_LENGTH } from '../format/suite.js';

/** 'node' (node:crypto, default in Node), 'noble' (@noble/ciphers, portable) or a custom backend. */
export type BackendChoice = 'node' | 'noble' | AeadBackend;

export interface EncryptOptions {
  keyring: Keyring;
  context?: Record<string, string>;
  /** Plaintext bytes per frame, 4096..16777216; default 65536. */
  frameLength?: number;
  backend?: BackendChoice;
  /** Refuse to write more EDKs than this (default 10). */
  maxEncryptedDataKeys?: number;
  /** Refuse a context larger than this many UTF-8 bytes (default 8192). */
  maxContextSize?: number;
  /**
   * Refuse to write a header larger than this many bytes (default 65536, the readers' default), so
   * a message is never written that a default reader would reject.
   */
  maxHeaderSize?: number;
  /** CSPRNG for the message id (default: the system CSPRNG). */
  random?: Random;
  /** Test vectors only: a fixed 32-byte message id. Never reuse one with the same data key. */
  messageId?: Uint8Array;
  /** Test vectors only: a fixed 32-byte data key handed to the keyring instead of a fresh one. */
  dataKey?: Uint8Array;
}

export interface DecryptOptions {
  keyring: Keyring;
  /** When given, the message's context must equal it exactly. */
  context?: Record<string, string>;
  backend?: BackendChoice;
  maxEncryptedDataKeys?: number;
  maxHeaderSize?: number;
  maxContextSize?: number;
  /** Called once the header is authenticated, before any plaintext (Web streams; Node streams also emit 'header'). */
  onHeader?: (header: MessageHeader) => void;
}

/** Throws ValidationException unless `opts` is an options object (`what`: "encrypt", "decrypt", …). */
export function assertOptions(opts: unknown, what: string): asserts opts is object {
  if (!opts || typeof opts !== 'object') throw new ValidationException(`${what} options are required`);
}

export function assertKeyring(keyring: unknown): asserts keyring is Keyring {
  const k = keyring as Partial<Keyring> | undefined;
  if (!k || typeof k.onEncrypt !== 'function' || typeof k.onDecrypt !== 'function') {
    throw new ValidationException('"keyring" must implement onEncrypt and onDecrypt');
  }
}

export function resolveFrameLength(frameLength: number | undefined): number {
  const f = frameLength ?? DEFAULT_FRAME_LENGTH;
  if (!Number.isSafeInteger(f) || f < MIN_FRAME_LENGTH || f > MAX_FRAME_LENGTH) {
    throw new ValidationException(`frameLength must be an integer between ${MIN_FRAME_LENGTH} and ${MAX_FRAME_LENGTH}, got ${String(frameLength)}`);
  }
  return f;
}

/** Reader limits from options (defaults in FORMAT.md §7). */
export function resolveLimits(opts: Partial<HeaderLimits>): HeaderLimits {
  return {
    maxEncryptedDataKeys: positive(opts.maxEncryptedDataKeys, DEFAULT_LIMITS.maxEncryptedDataKeys, 'maxEncryptedDataKeys'),
    maxHeaderSize: positive(opts.maxHeaderSize, DEFAULT_LIMITS.maxHeaderSize, 'maxHeaderSize'),
    maxContextSize: positive(opts.maxContextSize, DEFAULT_LIMITS.maxContextSize, 'maxContextSize'),
  };
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < 1) throw new ValidationException(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}
