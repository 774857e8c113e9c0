/**
 * The keyring for a `KmsApi` (kms/kms-api.ts), chosen by the implementation once, here:
 * - the embedded `Kms` → `KmsKeyring` (EDK provider "envelope-kms"), acting as `caller`;
 * - `RemoteKms` → `AwsKmsKeyring` (EDK provider "aws-kms") over the RemoteKms's clients: data keys
 *   are generated and wrapped by the remote KMS, and each EDK is unwrapped through a client for the
 *   region its key ARN names (same endpoint and credentials); a keyring given keys decrypts only
 *   EDKs of those keys, named by ARN, alias or key id.
 */
import { KmsError, ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import type { KmsApi } from '../kms/kms-api.js';
import { Kms } from '../kms/kms.js';
import { RemoteKms } from '../kms/remote-kms.js';
import { AwsKmsKeyring, parseKmsArn } from './aws-kms-keyring.js';
import type { Keyring } from './keyring.js';
import { KmsKeyring } from './kms-keyring.js';

export interface KeyringForOptions {
  /** The first generates the data key; every other one also wraps it. Id, ARN, alias or alias ARN. */
  readonly keyIds?: readonly string[];
  /** Unwrap with whichever key an EDK of this KMS's provider names; cannot encrypt. */
  readonly discovery?: boolean;
  /** Who calls the embedded Kms (a RemoteKms acts as its credentials). */
  readonly caller?: CallContext;
  readonly grantTokens?: readonly string[];
}

export function keyringFor(kms: KmsApi, opts: KeyringForOptions): Keyring {
  const keyIds = [...(opts.keyIds ?? [])];
  const discovery = opts.discovery === true;
  const tokens = opts.grantTokens ? { grantTokens: [...opts.grantTokens] } : {};
  if (kms instanceof RemoteKms) {
    const client = (region: string | undefined) => kms.clientFor(region);
    if (discovery) return new AwsKmsKeyring({ client, discovery: true, ...tokens });
    const encryptor = new AwsKmsKeyring({ client, ...(keyIds[0] !== undefined ? { generatorKeyId: keyIds[0] } : {}), keyIds: keyIds.slice(1), ...tokens });
    // AwsKmsKeyring decrypts only with key ARNs (the AWS Encryption SDK's rule); the keys given by
    // alias or key id are resolved to their ARNs through the remote's DescribeKey, once.
    let arns: Promise<string[]> | undefined;
    const keyArns = () => (arns ??= resolveKeyArns(kms, keyIds));
    return {
      onEncrypt: (request) => encryptor.onEncrypt(request),
      onDecrypt: async (request) => new AwsKmsKeyring({ client, discovery: true, discoveryFilter: { keyArns: await keyArns() }, ...tokens }).onDecrypt(request),
    };
  }
  if (kms instanceof Kms) {
    return new KmsKeyring({ kms, ...(discovery ? { discovery: true } : { keyIds }), ...(opts.caller ? { caller: opts.caller } : {}), ...tokens });
  }
  throw new ValidationException('keyringFor: the KMS is neither the embedded Kms nor a RemoteKms');
}

/** Key ARNs as given; aliases and key ids through DescribeKey (one that does not exist names no key). */
async function resolveKeyArns(kms: RemoteKms, keyIds: readonly string[]): Promise<string[]> {
  const arns: string[] = [];
  for (const id of keyIds) {
    if (parseKmsArn(id)?.resource.startsWith('key/') === true) {
      arns.push(id);
      continue;
    }
    try {
      arns.push((await kms.DescribeKey({ KeyId: id })).KeyMetadata.Arn);
    } catch (e) {
      if (!(e instanceof KmsError && e.name === 'NotFoundException')) throw e;
    }
  }
  return arns;
}
