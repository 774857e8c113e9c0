/**
 * AwsKmsKeyring: data keys generated and wrapped by AWS KMS — the real service or any endpoint
 * speaking its API, such as `envelope serve` — through @aws-sdk/client-kms v3 (AWS Encryption SDK
 * "AWS KMS keyring" and "AWS KMS discovery keyring"; docs/FORMAT.md §4 for the EDK fields).
 *
 * - onEncrypt: GenerateDataKey under the generator key (or Encrypt an existing data key), then
 *   Encrypt the same data key under every additional key. EDK: providerId "aws-kms", keyId = the
 *   key ARN KMS returned, providerInfo = "", ciphertext = the CiphertextBlob.
 * - onDecrypt: strict mode tries only EDKs whose key ARN is one of the configured keys; discovery
 *   mode tries any "aws-kms" EDK that passes the discovery filter (allowed accounts, partition,
 *   key ARNs). Decrypt is called with KeyId = the EDK's ARN and the message context, and the
 *   response's KeyId must match. The message's encryption context is always passed as the KMS
 *   EncryptionContext, so it is bound to the wrapped key. When no EDK unwraps, the most relevant
 *   error is thrown (keyring-errors.ts: AccessDeniedException first, "not this key" last).
 */
import type { KMSClient } from '@aws-sdk/client-kms';
import { KmsError, ValidationException } from '../errors.js';
import { kmsErrorFromSdk as errorFromSdk, loadKmsSdk } from '../kms/remote-kms.js';
import type { DecryptRequest, EncryptRequest, EncryptResult, EncryptedDataKey, Keyring } from './keyring.js';
import { mostRelevantError } from './keyring-errors.js';

export const AWS_KMS_PROVIDER_ID = 'aws-kms';

/** Data keys are 32 bytes (AES-256) for every Envelope suite. */
const DATA_KEY_BYTES = 32;

/** Limits which keys a discovery keyring may ask KMS to decrypt with. */
export interface DiscoveryFilter {
  /** Only keys owned by these accounts. */
  readonly accountIds?: readonly string[];
  /** Only keys in this partition (default: any). */
  readonly partition?: string;
  /** Only these exact key ARNs. */
  readonly keyArns?: readonly string[];
}

export interface AwsKmsKeyringOptions {
  /**
   * The client to use for every key, or a function returning the client for a region (taken from
   * the key ARN; `undefined` for a bare key id or alias). Default: `new KMSClient({ region })`.
   */
  readonly client?: KMSClient | ((region: string | undefined) => KMSClient);
  /** Generates the data key on encrypt. Key id, ARN, alias name or alias ARN. */
  readonly generatorKeyId?: string;
  /** Additional keys the data key is also wrapped under. */
  readonly keyIds?: readonly string[];
  /**
   * Discovery mode: decrypt with whichever key an "aws-kms" EDK names (subject to `discoveryFilter`).
   * A discovery keyring cannot encrypt.
   */
  readonly discovery?: boolean;
  readonly discoveryFilter?: DiscoveryFilter;
  readonly grantTokens?: readonly string[];
}

interface ParsedArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly resource: string;
}

/** Parses `arn:<partition>:kms:<region>:<account>:key/<id>` (or alias/…); undefined otherwise. */
export function parseKmsArn(arn: string): ParsedArn | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'kms') return undefined;
  const [, partition, , region, accountId] = parts as [string, string, string, string, string];
  const resource = parts.slice(5).join(':');
  if (partition === '' || region === '' || accountId === '' || resource === '') return undefined;
  return { partition, region, accountId, resource };
}

function toBytes(v: Uint8Array | undefined, what: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new KmsError('KMSInternalException', `AWS KMS returned no ${what}`, 500);
  return v;
}

export class AwsKmsKeyring implements Keyring {
  readonly generatorKeyId: string | undefined;
  readonly keyIds: readonly string[];
  readonly discovery: boolean;
  readonly discoveryFilter: DiscoveryFilter | undefined;
  private readonly grantTokens: string[] | undefined;
  private readonly clientFor: (region: string | undefined) => KMSClient | Promise<KMSClient>;

  constructor(opts: AwsKmsKeyringOptions) {
    this.discovery = opts.discovery === true;
    this.generatorKeyId = opts.generatorKeyId;
    this.keyIds = [...(opts.keyIds ?? [])];
    this.discoveryFilter = opts.discoveryFilter;
    this.grantTokens = opts.grantTokens ? [...opts.grantTokens] : undefined;
    if (this.discovery && (this.generatorKeyId !== undefined || this.keyIds.length > 0)) {
      throw new ValidationException('AwsKmsKeyring: a discovery keyring takes no generatorKeyId or keyIds');
    }
    if (!this.discovery && this.generatorKeyId === undefined && this.keyIds.length === 0) {
      throw new ValidationException('AwsKmsKeyring: give generatorKeyId and/or keyIds, or discovery: true');
    }
    if (!this.discovery && opts.discoveryFilter !== undefined) {
      throw new ValidationException('AwsKmsKeyring: discoveryFilter needs discovery: true');
    }
    for (const id of [...(this.generatorKeyId ? [this.generatorKeyId] : []), ...this.keyIds]) {
      if (typeof id !== 'string' || id === '') throw new ValidationException('AwsKmsKeyring: key ids must be non-empty strings');
    }
    const given = opts.client;
    const cache = new Map<string, KMSClient>();
    // The SDK is imported on first use (loading the core does not load it), so a client is not
    // recognized by its class: a function maps regions to clients, anything else is the client.
    this.clientFor =
      typeof given === 'function'
        ? given
        : given !== undefined
          ? () => given
          : async (region) => {
              const k = region ?? '';
              let c = cache.get(k);
              if (c === undefined) {
                const { KMSClient: Client } = await loadKmsSdk();
                c = new Client(region !== undefined ? { region } : {});
                cache.set(k, c);
              }
              return c;
            };
  }

  private client(keyId: string): KMSClient | Promise<KMSClient> {
    return this.clientFor(parseKmsArn(keyId)?.region);
  }

  private async wrap(keyId: string, dataKey: Uint8Array, context: Readonly<Record<string, string>>): Promise<EncryptedDataKey> {
    try {
      const { EncryptCommand } = await loadKmsSdk();
      const res = await (await this.client(keyId)).send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: dataKey,
          EncryptionContext: { ...context },
          ...(this.grantTokens ? { GrantTokens: this.grantTokens } : {}),
        }),
      );
      if (typeof res.KeyId !== 'string' || parseKmsArn(res.KeyId) === undefined) {
        throw new KmsError('KMSInternalException', 'AWS KMS Encrypt returned no key ARN', 500);
      }
      return { providerId: AWS_KMS_PROVIDER_ID, keyId: res.KeyId, providerInfo: '', ciphertext: toBytes(res.CiphertextBlob, 'CiphertextBlob') };
    } catch (e) {
      throw errorFromSdk(e);
    }
  }

  async onEncrypt(request: EncryptRequest): Promise<EncryptResult> {
    if (this.discovery) throw new ValidationException('AwsKmsKeyring: a discovery keyring cannot encrypt');
    const edks: EncryptedDataKey[] = [];
    let dataKey = request.dataKey;
    let rest = this.keyIds;
    const generated = dataKey === undefined;
    if (dataKey === undefined) {
      if (this.generatorKeyId === undefined) {
        throw new ValidationException('AwsKmsKeyring: no generatorKeyId and no data key from an earlier keyring');
      }
      try {
        const { GenerateDataKeyCommand } = await loadKmsSdk();
        const res = await (await this.client(this.generatorKeyId)).send(
          new GenerateDataKeyCommand({
            KeyId: this.generatorKeyId,
            NumberOfBytes: DATA_KEY_BYTES,
            EncryptionContext: { ...request.context },
            ...(this.grantTokens ? { GrantTokens: this.grantTokens } : {}),
          }),
        );
        dataKey = toBytes(res.Plaintext, 'Plaintext');
        if (dataKey.length !== DATA_KEY_BYTES) {
          throw new KmsError('KMSInternalException', `AWS KMS returned a ${dataKey.length}-byte data key, expected ${DATA_KEY_BYTES}`, 500);
        }
        if (typeof res.KeyId !== 'string' || parseKmsArn(res.KeyId) === undefined) {
          throw new KmsError('KMSInternalException', 'AWS KMS GenerateDataKey returned no key ARN', 500);
        }
        edks.push({ providerId: AWS_KMS_PROVIDER_ID, keyId: res.KeyId, providerInfo: '', ciphertext: toBytes(res.CiphertextBlob, 'CiphertextBlob') });
      } catch (e) {
        dataKey?.fill(0);
        throw errorFromSdk(e);
      }
    } else if (this.generatorKeyId !== undefined) {
      rest = [this.generatorKeyId, ...this.keyIds];
    }
    try {
      for (const keyId of rest) edks.push(await this.wrap(keyId, dataKey, request.context));
    } catch (e) {
      // Best effort (STYLE.md §9): a data key generated here that nobody will receive is wiped.
      if (generated) dataKey.fill(0);
      throw e;
    }
    return { dataKey, encryptedDataKeys: edks };
  }

  /** Whether this keyring may ask KMS to decrypt `edk`. */
  private mayDecrypt(edk: EncryptedDataKey): boolean {
    if (edk.providerId !== AWS_KMS_PROVIDER_ID) return false;
    const arn = parseKmsArn(edk.keyId);
    if (arn === undefined || !arn.resource.startsWith('key/')) return false;
    if (!this.discovery) {
      // Strict mode: only the configured keys, compared as ARNs (AWS ESDK rule: no aliases here).
      return edk.keyId === this.generatorKeyId || this.keyIds.includes(edk.keyId);
    }
    const f = this.discoveryFilter;
    if (f === undefined) return true;
    if (f.partition !== undefined && arn.partition !== f.partition) return false;
    if (f.accountIds !== undefined && !f.accountIds.includes(arn.accountId)) return false;
    if (f.keyArns !== undefined && !f.keyArns.includes(edk.keyId)) return false;
    return true;
  }

  async onDecrypt(request: DecryptRequest): Promise<Uint8Array | undefined> {
    const failures: Error[] = [];
    for (const edk of request.encryptedDataKeys) {
      if (!this.mayDecrypt(edk)) continue;
      try {
        const { DecryptCommand } = await loadKmsSdk();
        const res = await (await this.client(edk.keyId)).send(
          new DecryptCommand({
            KeyId: edk.keyId,
            CiphertextBlob: edk.ciphertext,
            EncryptionContext: { ...request.context },
            ...(this.grantTokens ? { GrantTokens: this.grantTokens } : {}),
          }),
        );
        if (res.KeyId !== edk.keyId) {
          res.Plaintext?.fill(0);
          throw new KmsError('IncorrectKeyException', `AWS KMS decrypted with ${String(res.KeyId)}, not the requested ${edk.keyId}`);
        }
        const plaintext = toBytes(res.Plaintext, 'Plaintext');
        if (plaintext.length !== DATA_KEY_BYTES) {
          plaintext.fill(0);
          throw new KmsError('InvalidCiphertextException', `unwrapped data key is ${plaintext.length} bytes, expected ${DATA_KEY_BYTES}`);
        }
        return plaintext;
      } catch (e) {
        failures.push(errorFromSdk(e));
      }
    }
    const error = mostRelevantError(failures);
    if (error !== undefined) throw error;
    return undefined;
  }
}
