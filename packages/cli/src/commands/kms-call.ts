/**
 * Calls one AWS KMS operation (AWS KMS "Actions") on this invocation's KMS — the embedded one as
 * the CLI's caller, or a remote one as its AWS credentials. The keys, alias, policy and grant
 * commands are thin: parse flags → one `callKms` → print.
 */
import type { CliContext } from '../cli-context.js';
import { operationMethod } from '../aws-json/invoke.js';
import type { KmsOperationName } from '../aws-json/operations.js';

export async function callKms<T = Record<string, unknown>>(ctx: CliContext, operation: KmsOperationName, request: object): Promise<T> {
  const backend = await ctx.kms();
  const method = operationMethod(backend.kms, operation);
  return (await method(request, backend.caller)) as T;
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
