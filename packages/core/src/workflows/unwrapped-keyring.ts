/**
 * A decrypt-only keyring over a data key that was already unwrapped through KMS (by a KmsKeyring,
 * audited, in the main thread), so a worker thread can authenticate the header and decrypt the
 * body without a KMS of its own (parallel-decrypt.ts). It hands out copies and is wiped with `wipe()`.
 */
import { ValidationException } from '../errors.js';
import type { EncryptResult, Keyring } from '../keyrings/keyring.js';

export class UnwrappedKeyring implements Keyring {
  readonly #dataKey: Uint8Array;

  constructor(dataKey: Uint8Array) {
    if (!(dataKey instanceof Uint8Array) || dataKey.length !== 32) throw new ValidationException('UnwrappedKeyring: the data key must be 32 bytes');
    this.#dataKey = new Uint8Array(dataKey);
  }

  async onEncrypt(): Promise<EncryptResult> {
    throw new ValidationException('UnwrappedKeyring only decrypts');
  }

  async onDecrypt(): Promise<Uint8Array> {
    return new Uint8Array(this.#dataKey);
  }

  wipe(): void {
    this.#dataKey.fill(0);
  }
}
