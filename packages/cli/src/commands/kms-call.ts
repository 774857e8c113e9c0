/**
 * Calls one local Kms operation as the CLI's caller (AWS KMS "Actions"). The keys, alias, policy
 * and grant commands are thin: parse flags → one `callKms` → print.
 */
import type { CliContext } from '../cli-context.js';
import { operationMethod } from '../aws-json/invoke.js';
import type { KmsOperationName } from '../aws-json/operations.js';

export async function callKms<T = Record<string, unknown>>(ctx: CliContext, operation: KmsOperationName, request: object): Promise<T> {
  const services = await ctx.open();
  const method = operationMethod(services.kms, operation);
  return (await method(request, services.caller)) as T;
}

/** Calls a paginated List* operation until the last page and concatenates `field`. */
export async function callKmsAll<T>(ctx: CliContext, operation: KmsOperationName, request: object, field: string): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  for (let page = 0; page < 10_000; page += 1) {
    const res = await callKms<Record<string, unknown>>(ctx, operation, { ...request, ...(marker !== undefined ? { Marker: marker } : {}) });
    out.push(...((res[field] as T[] | undefined) ?? []));
    if (res['Truncated'] !== true || typeof res['NextMarker'] !== 'string') break;
    marker = res['NextMarker'];
  }
  return out;
}
