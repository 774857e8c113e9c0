/**
 * A wrap-only keyring for `--rewrap` copies (AWS KMS API Reference, "ReEncrypt"): instead of
 * wrapping the data key itself, it asks KMS to re-encrypt the source message's wrapped data key
 * from the source key to the destination key, so the new wrapping is produced inside KMS and both
 * accounts' audit logs show a ReEncrypt. rewrapHeader still unwraps the data key once (with
 * Decrypt) because the header tag that authenticates the new header is keyed by the data key.
 */
import { KMSInternalException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { parseBlobHeader } from '../kms/ciphertext-blob.js';
import type { Kms } from '../kms/kms.js';
import type { EncryptedDataKey, EncryptRequest, EncryptResult, Keyring } from '../keyrings/keyring.js';

export interface ReEncryptKeyringOptions {
  readonly kms: Kms;
  readonly caller: CallContext;
  /** The source message's wrapped data key (a KMS ciphertext blob). */
  readonly sourceEdk: EncryptedDataKey;
  /** The key that wrapped it (in the region `kms` serves for `caller`: the key or its replica). */
  readonly sourceKeyId: string;
  readonly destinationKeyId: string;
  readonly grantTokens?: readonly string[];
}

export class ReEncryptKeyring implements Keyring {
  readonly #o: ReEncryptKeyringOptions;

  constructor(options: ReEncryptKeyringOptions) {
    this.#o = options;
  }

  async onEncrypt(request: EncryptRequest): Promise<EncryptResult> {
    if (!request.dataKey) throw new KMSInternalException('ReEncryptKeyring only re-wraps an existing data key');
    const o = this.#o;
    const res = await o.kms.ReEncrypt(
      {
        CiphertextBlob: o.sourceEdk.ciphertext,
        SourceKeyId: o.sourceKeyId,
        SourceEncryptionContext: { ...request.context },
        DestinationKeyId: o.destinationKeyId,
        DestinationEncryptionContext: { ...request.context },
        ...(o.grantTokens && o.grantTokens.length > 0 ? { GrantTokens: [...o.grantTokens] } : {}),
      },
      o.caller,
    );
    const edk: EncryptedDataKey = {
      providerId: o.sourceEdk.providerId,
      keyId: res.KeyId,
      // As KmsKeyring writes it: the key version that wrapped the data key.
      providerInfo: parseBlobHeader(res.CiphertextBlob).header.versionId,
      ciphertext: res.CiphertextBlob,
    };
    return { dataKey: request.dataKey, encryptedDataKeys: [edk] };
  }

  async onDecrypt(): Promise<undefined> {
    return undefined;
  }
}
