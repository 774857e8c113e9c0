/**
 * A JSON.parse failure described without the input. V8's SyntaxError messages quote an excerpt of
 * the text ("Unexpected token 'c', "…c2VjcmV0…" is not valid JSON"), and a KMS request body or an
 * --input-json value can hold a base64 Plaintext: only the position may be echoed.
 */
export function describeJsonSyntaxError(e: unknown): string {
  const message = e instanceof Error ? e.message : '';
  if (/unexpected end of json input/i.test(message)) return 'unexpected end of input';
  const position = /at position (\d+)/.exec(message)?.[1];
  return position !== undefined ? `syntax error at position ${position}` : 'syntax error';
}
