/**
 * Invokes one AWS KMS operation on the local Kms from its AWS JSON 1.1 request body and returns
 * the AWS JSON response body. Shared by `envelope serve` and `envelope kms <Operation>` so both
 * speak exactly the same shapes.
 */
import { UnsupportedOperationException } from '@envelope/core/errors';
import { isKmsOperation, type KmsOperationName } from './operations.js';
import { fromWire, requireObject, toWire } from './shapes.js';

/** An error for an operation name AWS does not define (HTTP 400 UnknownOperationException). */
export class UnknownOperationError extends Error {
  constructor(operation: string) {
    super(operation === '' ? 'Missing X-Amz-Target operation' : `Unknown operation ${operation}`);
    this.name = 'UnknownOperationException';
  }
}

/** Anything with Kms-style methods named after AWS operations. */
export type KmsLike = object;

type OperationMethod = (request: unknown, caller?: unknown) => Promise<unknown>;

/** Finds the Kms method for an operation, or throws the AWS error for an unknown/unsupported one. */
export function operationMethod(kms: KmsLike, operation: string): OperationMethod {
  if (!isKmsOperation(operation)) throw new UnknownOperationError(operation);
  const fn = (kms as Record<KmsOperationName, unknown>)[operation];
  if (typeof fn !== 'function') {
    throw new UnsupportedOperationException(`${operation} is not supported by the local envelope KMS`);
  }
  return (fn as OperationMethod).bind(kms);
}

/** Runs `operation` with a wire (AWS JSON) request and returns the wire response. */
export async function invokeWire(kms: KmsLike, operation: string, wireRequest: unknown, caller: unknown): Promise<unknown> {
  const method = operationMethod(kms, operation);
  const request = fromWire(requireObject(wireRequest, `${operation} request`));
  const response = await method(request, caller);
  return toWire(response ?? {});
}
