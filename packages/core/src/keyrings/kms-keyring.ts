/**
 * KmsKeyring: the message format's data keys wrapped by the local Kms (docs/KMS.md "KmsKeyring";
 * docs/FORMAT.md §4 for the EDK fields; modelled on the AWS Encryption SDK's AWS KMS keyrings).
 *
 * - onEncrypt: GenerateDataKey (32 bytes) under the generator key (the first of `keyIds`), then
 *   Encrypt the same data key under every other key. EDK: providerId "envelope-kms", keyId = the
 *   key ARN, providerInfo = the key version (KeyMaterialId) used, ciphertext = the CiphertextBlob.
 * - onDecrypt: Decrypt each "envelope-kms" EDK this keyring may use — in strict mode only EDKs of
 *   the configured keys (aliases and key ids resolved to ARNs), in discovery mode any EDK passing
 *   the filter — with the message's context as EncryptionContext. Multi-Region keys (mrk-) are
 *   decrypted through the replica in this keyring's region.
 */
import { KmsError, ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { parseBlobHeader } from '../kms/ciphertext-blob.js';
import { keyArn, parseKeyRef } from '../kms/identifiers.js';
import type { Kms } from '../kms/kms.js';
import type { DecryptRequest, EncryptRequest, EncryptResult, EncryptedDataKey, Keyring } from './keyring.js';

export const KMS_PROVIDER_ID = 'envelope-kms';
const DATA_KEY_BYTES = 32;

export interface KmsKeyringOptions {
  readonly kms: Kms;
  /** The first generates the data key; every other one also wraps it. Id, ARN, alias or alias ARN. */
  readonly keyIds?: readonly string[];
  /** Decrypt with whichever key an "envelope-kms" EDK names (subject to the filter); cannot encrypt. */
  readonly discovery?: boolean;
  readonly discoveryFilter?: { readonly accountIds?: readonly string[]; readonly keyArns?: readonly string[] };
  /** Who calls Kms (default: the Kms's default caller). */
  readonly caller?: CallContext;
  readonly grantTokens?: readonly string[];
}

export class KmsKeyring implements Keyring {
  readonly keyIds: readonly string[];
  readonly discovery: boolean;
  private readonly kms: Kms;
  private readonly caller: CallContext;
  private readonly filter: KmsKeyringOptions['discoveryFilter'];
  private readonly grantTokens: string[] | undefined;
  private resolved: Promise<Set<string>> | undefined;

  constructor(opts: KmsKeyringOptions) {
    if (!opts || !opts.kms) throw new ValidationException('KmsKeyring: "kms" is required');
    this.kms = opts.kms;
    this.keyIds = [...(opts.keyIds ?? [])];
    this.discovery = opts.discovery === true;
    this.caller = opts.caller ?? opts.kms.defaultCaller;
    this.filter = opts.discoveryFilter;
    this.grantTokens = opts.grantTokens ? [...opts.grantTokens] : undefined;
    if (this.discovery && this.keyIds.length > 0) throw new ValidationException('KmsKeyring: a discovery keyring takes no keyIds');
    if (!this.discovery && this.keyIds.length === 0) throw new ValidationException('KmsKeyring: give keyIds, or discovery: true');
    if (!this.discovery && opts.discoveryFilter) throw new ValidationException('KmsKeyring: discoveryFilter needs discovery: true');
    for (const id of this.keyIds) parseKeyRef(id, 'keyIds');
  }

  private get region(): string {
    return this.caller.region ?? this.kms.region;
  }

  private edk(keyId: string, blob: Uint8Array): EncryptedDataKey {
    return { providerId: KMS_PROVIDER_ID, keyId, providerInfo: parseBlobHeader(blob).header.versionId, ciphertext: blob };
  }

  async onEncrypt(request: EncryptRequest): Promise<EncryptResult> {
    if (this.discovery) throw new ValidationException('KmsKeyring: a discovery keyring cannot encrypt');
    const context = { ...request.context };
    const edks: EncryptedDataKey[] = [];
    let dataKey = request.dataKey;
    let rest = this.keyIds;
    if (dataKey === undefined) {
      const [generator, ...others] = this.keyIds as [string, ...string[]];
      const res = await this.kms.GenerateDataKey(
        { KeyId: generator, NumberOfBytes: DATA_KEY_BYTES, EncryptionContext: context, ...this.tokens() },
        this.caller,
      );
      dataKey = res.Plaintext;
      edks.push(this.edk(res.KeyId, res.CiphertextBlob));
      rest = others;
    }
    for (const keyId of rest) {
      const res = await this.kms.Encrypt({ KeyId: keyId, Plaintext: dataKey, EncryptionContext: context, ...this.tokens() }, this.caller);
      edks.push(this.edk(res.KeyId, res.CiphertextBlob));
    }
    return { dataKey, encryptedDataKeys: edks };
  }

  private tokens(): { GrantTokens?: string[] } {
    return this.grantTokens ? { GrantTokens: this.grantTokens } : {};
  }

  /** The configured keys as ARNs (aliases and ids resolved once through DescribeKey). */
  private configuredArns(): Promise<Set<string>> {
    this.resolved ??= (async () => {
      const arns = new Set<string>();
      for (const id of this.keyIds) {
        try {
          arns.add((await this.kms.DescribeKey({ KeyId: id }, this.caller)).KeyMetadata.Arn);
        } catch (e) {
          if (!(e instanceof KmsError)) throw e;
          // A key that cannot be described cannot decrypt either; leave it out.
        }
      }
      return arns;
    })();
    return this.resolved;
  }

  /** The ARN (and its region) to call Decrypt with, or undefined when this keyring may not use the EDK. */
  private async target(edk: EncryptedDataKey): Promise<{ arn: string; region: string } | undefined> {
    if (edk.providerId !== KMS_PROVIDER_ID) return undefined;
    let ref;
    try {
      ref = parseKeyRef(edk.keyId);
    } catch {
      return undefined;
    }
    if (ref.kind !== 'keyArn') return undefined;
    // Multi-Region keys: use the related key in this keyring's region.
    const mrkHere = ref.keyId.startsWith('mrk-') && ref.region !== this.region;
    const arn = mrkHere ? keyArn(this.region, ref.accountId, ref.keyId) : edk.keyId;
    const region = mrkHere ? this.region : ref.region;
    if (!this.discovery) {
      const allowed = await this.configuredArns();
      return allowed.has(arn) || allowed.has(edk.keyId) ? { arn, region } : undefined;
    }
    const f = this.filter;
    if (f?.accountIds && !f.accountIds.includes(ref.accountId)) return undefined;
    if (f?.keyArns && !f.keyArns.includes(edk.keyId) && !f.keyArns.includes(arn)) return undefined;
    return { arn, region };
  }

  async onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined> {
    let lastError: Error | undefined;
    for (const edk of request.encryptedDataKeys) {
      const target = await this.target(edk);
      if (target === undefined) continue;
      try {
        const res = await this.kms.Decrypt(
          { KeyId: target.arn, CiphertextBlob: edk.ciphertext, EncryptionContext: { ...request.context }, ...this.tokens() },
          { ...this.caller, region: target.region },
        );
        if (res.Plaintext.length !== DATA_KEY_BYTES) {
          throw new KmsError('InvalidCiphertextException', `unwrapped data key is ${res.Plaintext.length} bytes, expected ${DATA_KEY_BYTES}`);
        }
        return res.Plaintext;
      } catch (e) {
        lastError = e as Error;
      }
    }
    if (lastError !== undefined) throw lastError;
    return undefined;
  }
}
