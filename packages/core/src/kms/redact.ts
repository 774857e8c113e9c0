/**
 * What an audit event may carry (STYLE.md §9): request parameters without any binary field
 * (Plaintext, CiphertextBlob, Message, ImportToken, ...) and without grant tokens; response
 * identifiers only.
 */
// By name as well as by type: a secret passed with the wrong type (a string) fails validation and is audited.
const NEVER = new Set(['Plaintext', 'GrantTokens', 'GrantToken', 'PrivateKeyPlaintext', 'SharedSecret', 'Message', 'ImportToken', 'EncryptedKeyMaterial']);

export function redactRequest(req: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof req !== 'object' || req === null) return out;
  for (const [k, v] of Object.entries(req)) {
    if (NEVER.has(k) || v instanceof Uint8Array || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

export function responseIds(res: unknown): Record<string, unknown> | undefined {
  if (typeof res !== 'object' || res === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res)) {
    if (NEVER.has(k) || v instanceof Uint8Array) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) out[k] = v;
  }
  const md = (res as { KeyMetadata?: { KeyId?: string; Arn?: string } }).KeyMetadata;
  if (md) out.KeyMetadata = { KeyId: md.KeyId, Arn: md.Arn };
  return Object.keys(out).length ? out : undefined;
}
