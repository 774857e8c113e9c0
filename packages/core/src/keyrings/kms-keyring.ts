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
 *   decrypted through the replica in this keyring's region. When no EDK unwraps, the most relevant
 *   Kms error of the EDKs it owns is thrown (AccessDeniedException, then key state errors, ...;
 *   "not this key" last), so a denial is not hidden behind the stream's IncorrectKeyException.
 */
import { InvalidCiphertextException, KmsError, ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { parseBlobHeader } from '../kms/ciphertext-blob.js';
import { keyArn, parseKeyRef } from '../kms/identifiers.js';
import type { Kms } from '../kms/kms.js';
import type { DecryptRequest, EncryptRequest, EncryptResult, EncryptedDataKey, Keyring } from './keyring.js';
import { mostRelevantError } from './keyring-errors.js';

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
  private resolved: Promise<{ arns: Set<string>; errors: Error[] }> | undefined;

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

  /**
   * The configured keys as ARNs. Key ARNs and key ids name their key without a call (a key id in
   * the caller's account and region), so a key the caller may not describe — or use — is still
   * owned and its Decrypt error reaches the caller; aliases are resolved once through DescribeKey,
   * and why one could not be (other than not existing) is kept in `errors`.
   */
  private configuredArns(): Promise<{ arns: Set<string>; errors: Error[] }> {
    this.resolved ??= (async () => {
      const arns = new Set<string>();
      const errors: Error[] = [];
      for (const id of this.keyIds) {
        const ref = parseKeyRef(id, 'keyIds');
        if (ref.kind === 'keyArn') {
          arns.add(ref.arn);
          continue;
        }
        if (ref.kind === 'keyId') {
          arns.add(keyArn(this.region, this.caller.accountId, ref.keyId));
          continue;
        }
        try {
          arns.add((await this.kms.DescribeKey({ KeyId: id }, this.caller)).KeyMetadata.Arn);
        } catch (e) {
          if (!(e instanceof KmsError)) throw e;
          // An alias that does not exist owns nothing; any other failure is worth reporting.
          if (e.name !== 'NotFoundException') errors.push(e);
        }
      }
      return { arns, errors };
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
      const { arns } = await this.configuredArns();
      return arns.has(arn) || arns.has(edk.keyId) ? { arn, region } : undefined;
    }
    const f = this.filter;
    if (f?.accountIds && !f.accountIds.includes(ref.accountId)) return undefined;
    if (f?.keyArns && !f.keyArns.includes(edk.keyId) && !f.keyArns.includes(arn)) return undefined;
    return { arn, region };
  }

  async onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined> {
    const failures: Error[] = [];
    for (const edk of request.encryptedDataKeys) {
      const altered = alteredEntry(edk);
      if (altered) {
        failures.push(altered);
        continue;
      }
      const target = await this.target(edk);
      if (target === undefined) continue;
      try {
        const res = await this.kms.Decrypt(
          { KeyId: target.arn, CiphertextBlob: edk.ciphertext, EncryptionContext: { ...request.context }, ...this.tokens() },
          { ...this.caller, region: target.region },
        );
        if (res.Plaintext.length !== DATA_KEY_BYTES) {
          res.Plaintext.fill(0);
          throw new InvalidCiphertextException(`unwrapped data key is ${res.Plaintext.length} bytes, expected ${DATA_KEY_BYTES}`);
        }
        return res.Plaintext;
      } catch (e) {
        // The wrapped key did not open: its bytes, or the encryption context it is bound to, changed.
        failures.push((e as Error)?.name === 'InvalidCiphertextException'
          ? new InvalidCiphertextException(`the header failed authentication: the data key wrapped under ${target.arn} does not open with the message's encryption context (the header was altered)`)
          : e as Error);
      }
    }
    // Nothing owned: an alias this keyring could not resolve (e.g. access denied) may be why.
    if (failures.length === 0 && !this.discovery) failures.push(...(await this.configuredArns()).errors);
    const error = mostRelevantError(failures);
    if (error !== undefined) throw error;
    return undefined;
  }
}

/**
 * An "envelope-kms" entry whose key ARN disagrees with the key its wrapped blob names (or whose blob
 * is not one at all) was altered: InvalidCiphertextException, before any key is looked up.
 */
function alteredEntry(edk: EncryptedDataKey): KmsError | undefined {
  if (edk.providerId !== KMS_PROVIDER_ID) return undefined;
  const bad = () => new InvalidCiphertextException(`the header failed authentication: its data key entry for ${JSON.stringify(edk.keyId)} was altered`);
  let ref;
  let blob;
  try {
    ref = parseKeyRef(edk.keyId);
    blob = parseBlobHeader(edk.ciphertext).header;
  } catch {
    return bad();
  }
  if (ref.kind !== 'keyArn' || ref.accountId !== blob.accountId || ref.keyId !== blob.keyId) return bad();
  return undefined;
}
