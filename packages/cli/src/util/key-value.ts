/**
 * `k=v` flag values: `--context purpose=backup --context team=ops` becomes an encryption context
 * (AWS KMS "Encryption context": string keys and values). The first `=` splits; values may
 * contain `=`; keys must be non-empty and unique.
 */
import { UsageError } from '../errors.js';

/** Commander option parser that collects repeated `--flag value` into an array. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses repeated `k=v` strings into a record, rejecting malformed or duplicate keys. */
export function parseKeyValues(pairs: readonly string[] | undefined, flag: string): Record<string, string> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag} expects key=value, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new UsageError(`${flag}: key "${key}" given twice`);
    out[key] = pair.slice(eq + 1);
  }
  return out;
}
