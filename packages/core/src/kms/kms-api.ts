/**
 * The one KMS interface (docs/KMS.md "One KMS interface, two implementations"): every AWS KMS
 * operation the embedded `Kms` implements, one method each, named and shaped as in the AWS KMS
 * API Reference ("Actions"), with an optional caller. Two implementations:
 * - the embedded `Kms` (kms.ts): the caller argument is who acts;
 * - `RemoteKms` (remote-kms.ts): an AWS-compatible endpoint (`envelope serve`, AWS KMS) through
 *   @aws-sdk/client-kms; who acts is decided by its AWS credentials, the caller argument is ignored.
 * Keyrings (keyrings/keyring-for.ts), the CLI and the extension take a `KmsApi`, so which KMS is
 * used is decided once, where it is opened.
 */
import { Kms } from './kms.js';

/** The AWS operation names among `Kms`'s methods (the AWS-managed-key helper is not an AWS operation). */
export type KmsOperationName = Exclude<Extract<keyof Kms, Capitalize<string>>, 'GetOrCreateAwsManagedKey'>;

/** Any KMS: the AWS operations plus the region calls are made in by default. */
export type KmsApi = Pick<Kms, KmsOperationName> & { readonly region: string };

/** The operations of `KmsApi`, in the order `Kms` declares them. */
export const KMS_API_OPERATIONS: readonly KmsOperationName[] = Object.getOwnPropertyNames(Kms.prototype).filter(
  (name): name is KmsOperationName => /^[A-Z]/.test(name) && name !== 'GetOrCreateAwsManagedKey',
);
