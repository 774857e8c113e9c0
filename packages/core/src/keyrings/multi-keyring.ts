/**
 * Multi-keyring (docs/FORMAT.md §8; the AWS Encryption SDK multi-keyring): on encrypt the generator
 * (or the first child) makes the data key and every keyring wraps it, so each EDK unwraps to the
 * same key; on decrypt the keyrings are asked in order and the first data key returned wins; when
 * none returns one, the most relevant error of the members is thrown (keyring-errors.ts).
 */
import { equalBytes } from '../crypto/constant-time.js';
import { KMSInternalException, ValidationException } from '../errors.js';
import type { DecryptRequest, EncryptedDataKey, EncryptRequest, EncryptResult, Keyring } from './keyring.js';
import { mostRelevantError } from './keyring-errors.js';

export interface MultiKeyringOptions {
  generator?: Keyring;
  children?: Keyring[];
}

export class MultiKeyring implements Keyring {
  readonly generator: Keyring | undefined;
  readonly children: readonly Keyring[];

  constructor(opts: MultiKeyringOptions) {
    const children = opts?.children ?? [];
    if (!Array.isArray(children)) throw new ValidationException('MultiKeyring "children" must be an array of keyrings');
    if (!opts?.generator && children.length === 0) throw new ValidationException('MultiKeyring needs a generator or at least one child');
    for (const k of [opts.generator, ...children]) {
      if (k !== undefined && (typeof k.onEncrypt !== 'function' || typeof k.onDecrypt !== 'function')) {
        throw new ValidationException('MultiKeyring members must implement onEncrypt and onDecrypt');
      }
    }
    this.generator = opts.generator;
    this.children = Object.freeze([...children]);
  }

  async onEncrypt(request: EncryptRequest): Promise<EncryptResult> {
    const all = this.generator ? [this.generator, ...this.children] : [...this.children];
    const first = await all[0]!.onEncrypt(request);
    const dataKey = first.dataKey;
    const encryptedDataKeys: EncryptedDataKey[] = [...first.encryptedDataKeys];
    for (const k of all.slice(1)) encryptedDataKeys.push(...(await wrapWith(k, request, dataKey)));
    return { dataKey, encryptedDataKeys };
  }

  /**
   * Asks each keyring in order. Returns the first data key; when none returns one, rethrows the most
   * relevant error the keyrings raised (keyring-errors.ts), or returns `undefined` when none owned an EDK.
   */
  async onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined> {
    const all = this.generator ? [this.generator, ...this.children] : [...this.children];
    const failures: unknown[] = [];
    for (const k of all) {
      try {
        const key = await k.onDecrypt(request);
        if (key !== undefined) return key;
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw mostRelevantError(failures);
    return undefined;
  }
}

/**
 * Has `keyring` wrap a copy of `dataKey`; its EDKs must wrap that same key (or that member could
 * never decrypt the message). The copies of the data key are wiped afterwards.
 */
async function wrapWith(keyring: Keyring, request: EncryptRequest, dataKey: Uint8Array): Promise<readonly EncryptedDataKey[]> {
  const given = new Uint8Array(dataKey);
  let result: EncryptResult | undefined;
  try {
    result = await keyring.onEncrypt({ ...request, dataKey: given });
    if (!(result?.dataKey instanceof Uint8Array) || !equalBytes(result.dataKey, dataKey)) {
      throw new KMSInternalException('a MultiKeyring member replaced the data key it was given');
    }
    return result.encryptedDataKeys;
  } finally {
    given.fill(0);
    if (result?.dataKey instanceof Uint8Array && result.dataKey !== dataKey) result.dataKey.fill(0);
  }
}
