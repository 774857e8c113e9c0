/**
 * Raw AES-256-GCM keyring (docs/FORMAT.md §8; modelled on the AWS Encryption SDK raw AES keyring):
 * wraps the data key under a caller-held 32-byte wrapping key with a fresh 12-byte IV, binding the
 * suite, the key's namespace and name, and the encryption context as AAD. Portable: AES-GCM through
 * Web Crypto (`globalThis.crypto.subtle`: browsers, VS Code for the web, Node), so a Node process
 * that wraps with it never loads the pure-JS cipher (docs/PERFORMANCE.md, "Peak memory").
 */
import type { Random } from '../defaults.js';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import { webRandom } from '../crypto/web-random.js';
import { abytes } from '../format/assert.js';
import { encodeCanonical } from '../format/canonical-msgpack.js';
import { canonicalContext, isWellFormed } from '../format/context.js';
import { DATA_KEY_LENGTH, GCM_NONCE_LENGTH, MAX_KEY_ID_BYTES, MAX_PROVIDER_ID_BYTES } from '../format/suite.js';
import type { DecryptRequest, EncryptedDataKey, EncryptRequest, EncryptResult, Keyring } from './keyring.js';

const AAD_LABEL = 'ENVELOPE-RAW-AES-V1';
const utf8 = new TextEncoder();
const WRAPPED_LENGTH = GCM_NONCE_LENGTH + DATA_KEY_LENGTH + 16;
/**
 * The KMS keyrings' provider ids (AWS_KMS_PROVIDER_ID, KMS_PROVIDER_ID; the keyring tests check they
 * agree). Not imported, to keep this file free of the AWS SDK. A raw key under one of them would
 * pass its EDKs off as KMS-wrapped (AWS Encryption SDK: a raw AES keyring MUST NOT accept "aws-kms").
 */
const RESERVED_NAMESPACES: readonly string[] = ['aws-kms', 'envelope-kms'];

/** Web Crypto's parameter type (views over a plain ArrayBuffer); our bytes always are. */
const view = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;

export interface RawAesKeyringOptions {
  /** Stored as the EDK's keyId. */
  keyName: string;
  /** Stored as the EDK's providerId (e.g. "raw-aes" or your application's name). */
  keyNamespace: string;
  /** The 32-byte AES-256 wrapping key. Copied; the caller keeps ownership of its buffer. */
  wrappingKey: Uint8Array;
  /** CSPRNG for data keys and IVs (default: Web Crypto getRandomValues). */
  random?: Random;
}

export class RawAesKeyring implements Keyring {
  readonly keyName: string;
  readonly keyNamespace: string;
  /** The wrapping key as a non-extractable Web Crypto key; the raw bytes are wiped once imported. */
  readonly #wrappingKey: Promise<CryptoKey>;
  readonly #random: Random;

  constructor(opts: RawAesKeyringOptions) {
    if (!opts || typeof opts !== 'object') throw new ValidationException('RawAesKeyring options are required');
    if (typeof opts.keyName !== 'string' || typeof opts.keyNamespace !== 'string' || opts.keyNamespace.length === 0) {
      throw new ValidationException('RawAesKeyring needs a string keyName and a non-empty keyNamespace');
    }
    for (const [field, value, max] of [['keyNamespace', opts.keyNamespace, MAX_PROVIDER_ID_BYTES], ['keyName', opts.keyName, MAX_KEY_ID_BYTES]] as const) {
      // They become the EDK's providerId and keyId (FORMAT.md §3.2): fail here rather than on the first encrypt.
      if (!isWellFormed(value) || utf8.encode(value).length > max) {
        throw new ValidationException(`RawAesKeyring ${field} must be valid Unicode of at most ${max} UTF-8 bytes`);
      }
    }
    if (RESERVED_NAMESPACES.includes(opts.keyNamespace)) {
      throw new ValidationException(`RawAesKeyring keyNamespace "${opts.keyNamespace}" is reserved for the KMS keyrings`);
    }
    abytes(opts.wrappingKey, 32, 'wrappingKey');
    this.keyName = opts.keyName;
    this.keyNamespace = opts.keyNamespace;
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) throw new ValidationException('RawAesKeyring needs Web Crypto (crypto.subtle): Node 20+, or a browser page served over HTTPS');
    const raw = new Uint8Array(opts.wrappingKey);
    this.#wrappingKey = subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt'])
      .finally(() => raw.fill(0));
    this.#wrappingKey.catch(() => undefined); // surfaced by the first onEncrypt/onDecrypt that awaits it
    this.#random = opts.random ?? webRandom;
  }

  async onEncrypt(request: EncryptRequest): Promise<EncryptResult> {
    const dataKey = request.dataKey ? new Uint8Array(request.dataKey) : this.#random(DATA_KEY_LENGTH);
    abytes(dataKey, DATA_KEY_LENGTH, 'dataKey');
    const iv = this.#random(GCM_NONCE_LENGTH);
    abytes(iv, GCM_NONCE_LENGTH, 'iv');
    const params = { name: 'AES-GCM', iv: view(iv), additionalData: view(this.aad(request.suiteId, request.context)), tagLength: 128 };
    const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt(params, await this.#wrappingKey, view(dataKey)));
    const ciphertext = new Uint8Array(WRAPPED_LENGTH);
    ciphertext.set(iv, 0);
    ciphertext.set(sealed, GCM_NONCE_LENGTH);
    const edk: EncryptedDataKey = { providerId: this.keyNamespace, keyId: this.keyName, providerInfo: '', ciphertext };
    return { dataKey, encryptedDataKeys: [edk] };
  }

  /**
   * Unwraps the first EDK of this namespace/name that authenticates. Returns `undefined` when none is
   * ours; throws InvalidCiphertextException when ours exist but none authenticates (wrong wrapping
   * key material, or an altered context or EDK).
   */
  async onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined> {
    let owned = 0;
    let aad: Uint8Array | undefined;
    for (const edk of request.encryptedDataKeys) {
      if (edk.providerId !== this.keyNamespace || edk.keyId !== this.keyName) continue;
      owned++;
      if (edk.ciphertext.length !== WRAPPED_LENGTH) continue;
      aad ??= this.aad(request.suiteId, request.context);
      try {
        const iv = edk.ciphertext.subarray(0, GCM_NONCE_LENGTH);
        const params = { name: 'AES-GCM', iv: view(iv), additionalData: view(aad), tagLength: 128 };
        return new Uint8Array(await globalThis.crypto.subtle.decrypt(params, await this.#wrappingKey, view(edk.ciphertext.subarray(GCM_NONCE_LENGTH))));
      } catch {
        // Try the next EDK of ours, if any.
      }
    }
    if (owned === 0) return undefined;
    throw new InvalidCiphertextException(
      `raw AES key "${this.keyNamespace}/${this.keyName}" could not unwrap the data key: wrong wrapping key, or the encryption context or encrypted data key was altered`,
    );
  }

  private aad(suiteId: number, context: Readonly<Record<string, string>>): Uint8Array {
    return encodeCanonical([AAD_LABEL, suiteId, this.keyNamespace, this.keyName, canonicalContext(context, Number.MAX_SAFE_INTEGER)]);
  }
}
