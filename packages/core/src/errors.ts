/**
 * Errors named like AWS KMS exceptions (AWS KMS API Reference, "Common Errors" and each
 * operation's "Errors" section). One base class, `KmsError`; each subclass's `name` is the AWS
 * exception name and carries the HTTP status AWS returns for it. Messages never contain plaintext
 * or key material.
 */

export class KmsError extends Error {
  /** HTTP status AWS KMS returns for this error. */
  readonly httpStatus: number;
  /** True for errors caused by the caller's input or permissions (4xx); false for service faults. */
  readonly fault: 'client' | 'server';
  constructor(name: string, message: string, httpStatus = 400, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.httpStatus = httpStatus;
    this.fault = httpStatus >= 500 ? 'server' : 'client';
  }
}

function kmsError(name: string, httpStatus: number) {
  const cls = class extends KmsError {
    constructor(message: string, options?: { cause?: unknown }) {
      super(name, message, httpStatus, options);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const NotFoundException = kmsError('NotFoundException', 400);
export const DisabledException = kmsError('DisabledException', 400);
export const KMSInvalidStateException = kmsError('KMSInvalidStateException', 400);
export const InvalidCiphertextException = kmsError('InvalidCiphertextException', 400);
export const IncorrectKeyException = kmsError('IncorrectKeyException', 400);
export const InvalidKeyUsageException = kmsError('InvalidKeyUsageException', 400);
export const AccessDeniedException = kmsError('AccessDeniedException', 400);
export const InvalidGrantTokenException = kmsError('InvalidGrantTokenException', 400);
export const InvalidGrantIdException = kmsError('InvalidGrantIdException', 400);
export const LimitExceededException = kmsError('LimitExceededException', 400);
export const ValidationException = kmsError('ValidationException', 400);
export const AlreadyExistsException = kmsError('AlreadyExistsException', 400);
export const InvalidAliasNameException = kmsError('InvalidAliasNameException', 400);
export const InvalidArnException = kmsError('InvalidArnException', 400);
export const InvalidMarkerException = kmsError('InvalidMarkerException', 400);
export const MalformedPolicyDocumentException = kmsError('MalformedPolicyDocumentException', 400);
export const UnsupportedOperationException = kmsError('UnsupportedOperationException', 400);
export const TagException = kmsError('TagException', 400);
export const KMSInvalidSignatureException = kmsError('KMSInvalidSignatureException', 400);
export const KMSInvalidMacException = kmsError('KMSInvalidMacException', 400);
export const InvalidImportTokenException = kmsError('InvalidImportTokenException', 400);
export const IncorrectKeyMaterialException = kmsError('IncorrectKeyMaterialException', 400);
export const ExpiredImportTokenException = kmsError('ExpiredImportTokenException', 400);
export const DryRunOperationException = kmsError('DryRunOperationException', 412);
export const ThrottlingException = kmsError('ThrottlingException', 400);
export const KMSInternalException = kmsError('KMSInternalException', 500);
/** The local keystore could not be opened or written (wrong root key, corrupt file, lock timeout). */
export const KeystoreException = kmsError('KeystoreException', 500);
/** IAM: the user, role, access key or policy already exists (IAM API Reference, EntityAlreadyExists). */
export const EntityAlreadyExistsException = kmsError('EntityAlreadyExistsException', 409);
/** IAM: the named user, role, access key, policy or profile does not exist (IAM NoSuchEntity). */
export const NoSuchEntityException = kmsError('NoSuchEntityException', 404);
/** IAM: the entity still has attached resources (access keys, policies) (IAM DeleteConflict). */
export const DeleteConflictException = kmsError('DeleteConflictException', 409);

/** STS: temporary credentials used after their expiration (AWS ExpiredTokenException / ExpiredToken). */
export const ExpiredTokenException = kmsError('ExpiredTokenException', 400);

/** True when `e` is a KmsError with the given AWS name. */
export function isKmsError(e: unknown, name?: string): e is KmsError {
  return e instanceof KmsError && (name === undefined || e.name === name);
}
