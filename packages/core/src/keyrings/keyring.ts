/**
 * The Keyring interface: how a message's data key is generated, wrapped and unwrapped.
 * Modelled on the AWS Encryption SDK's keyrings (onEncrypt / onDecrypt). docs/FORMAT.md §4.
 */

/** A data key wrapped by one key provider, stored in the message header. */
export interface EncryptedDataKey {
  /** Who can unwrap it, e.g. "raw-aes", "envelope-kms", "aws-kms". UTF-8, at most 255 bytes. */
  readonly providerId: string;
  /** Which key (for KMS providers the key ARN; a version may be carried in providerInfo). */
  readonly keyId: string;
  /** Provider-specific information (e.g. key version). UTF-8, may be empty. */
  readonly providerInfo: string;
  /** The wrapped data key. */
  readonly ciphertext: Uint8Array;
}

export interface EncryptRequest {
  /** The algorithm suite id of the message (format/suite.ts). */
  readonly suiteId: number;
  /** The message's encryption context; keyrings MUST bind it (e.g. as AAD). */
  readonly context: Readonly<Record<string, string>>;
  /** Present when an earlier keyring already generated the data key. */
  readonly dataKey?: Uint8Array;
}

export interface EncryptResult {
  /** The plaintext data key (32 bytes). */
  readonly dataKey: Uint8Array;
  /** One or more wrappings of it. */
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
}

export interface DecryptRequest {
  readonly suiteId: number;
  readonly context: Readonly<Record<string, string>>;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
}

export interface Keyring {
  /** Generate a data key (when `dataKey` is absent) and wrap it; returns the key and its wrappings. */
  onEncrypt(request: EncryptRequest): Promise<EncryptResult>;
  /**
   * Unwrap the first data key this keyring can; returns `undefined` when it owns none of them.
   * Throws a KmsError when a key it owns fails to unwrap for a reason the caller must see
   * (e.g. AccessDeniedException, DisabledException); when several fail, the most relevant one
   * (keyring-errors.ts `mostRelevantError`).
   */
  onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined>;
}
