/**
 * `envelope kms <Operation> --input-json <json|@file>` — any AWS KMS operation with its AWS JSON
 * request (blobs base64, timestamps epoch seconds), printing the AWS JSON response. The same
 * conversion table as `envelope serve`.
 */
import type { CliContext } from '../cli-context.js';
import { invokeWire } from '../aws-json/invoke.js';
import { ShapeError } from '../aws-json/shapes.js';
import { KMS_OPERATIONS } from '../aws-json/operations.js';
import { UsageError } from '../errors.js';
import { readJsonArg } from '../util/value-arg.js';
import { writeText } from '../io.js';

export async function kmsRaw(ctx: CliContext, operation: string, inputJson: string | undefined): Promise<void> {
  if (!(KMS_OPERATIONS as readonly string[]).includes(operation)) {
    throw new UsageError(`unknown operation "${operation}"; one of: ${KMS_OPERATIONS.join(', ')}`);
  }
  const request = inputJson === undefined ? {} : await readJsonArg(inputJson, ctx.io, '--input-json');
  const backend = await ctx.kms();
  let response: unknown;
  try {
    response = await invokeWire(backend.kms, operation, request, backend.caller);
  } catch (e) {
    if (e instanceof ShapeError) throw new UsageError(`--input-json: ${e.message}`);
    throw e;
  }
  await writeText(ctx.io.stdout, `${JSON.stringify(response, null, 2)}\n`);
}
