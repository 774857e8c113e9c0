/**
 * The tree model shared by every store (docs/CONFIG.md "Stores"): a parsed config file exposes its
 * leaves in document order — each with its path (mapping keys only) and whether it is a comment —
 * plus its `sops` metadata as a plain object. The engine (sops-file.ts) encrypts, decrypts and
 * MACs leaves without knowing the file format; the store keeps everything else of the file
 * (order, comments, quoting, indentation, blank lines) as it was.
 */
import type { LeafValue } from './values.js';

export type ConfigFormat = 'yaml' | 'json' | 'dotenv' | 'ini' | 'binary';
export const CONFIG_FORMATS: readonly ConfigFormat[] = ['yaml', 'json', 'dotenv', 'ini', 'binary'];

/** The metadata as a store wrote it (opaque outside the store). */
export interface MetadataSnapshot {
  readonly format: ConfigFormat;
  readonly data: unknown;
}

/** One step of a path given by the user (`["a"][0]`): a mapping key or a list index. */
export type PathStep = string | number;

export interface Leaf {
  /** Mapping keys from the root (list indices are not part of it); a comment has its container's path. */
  readonly path: readonly string[];
  readonly comment: boolean;
  /** Other container paths a comment may have been encrypted under by another writer (tried on decrypt). */
  readonly altPaths?: readonly (readonly string[])[];
  /**
   * Where the leaf sits, for SOPS's comment rules (comment-rules.ts): for each level from the root,
   * the index of the item holding it among its container's non-comment items (nulls and empty
   * collections included); for a comment, its last entry is the number of such items before it.
   * Stores whose leaves are told apart by their paths alone (no lists, no nulls) leave it out.
   */
  readonly scope?: readonly number[];
  get(): LeafValue;
  /** Replaces the value; `encrypted` says whether `v` is an `ENC[…]` string (so a store can keep styles). */
  set(v: LeafValue, encrypted: boolean): void;
}

export interface ConfigDocument {
  readonly format: ConfigFormat;
  /** The leaves outside the metadata, in document order. */
  leaves(): Leaf[];
  /** The `sops` metadata (unflattened for dotenv/INI), or undefined when the file has none. */
  getMetadata(): Record<string, unknown> | undefined;
  /** Writes the metadata, changing only entries whose value differs (minimal diffs). */
  setMetadata(meta: Record<string, unknown>): void;
  /** Removes the metadata and returns it as it was written, for `restoreMetadata` (minimal diffs). */
  removeMetadata(): MetadataSnapshot;
  /** Puts back metadata removed from the encrypted version of this file (before `setMetadata` merges into it). */
  restoreMetadata(snapshot: MetadataSnapshot): void;
  /** The file's bytes. */
  serialize(): Uint8Array;
  /** The data as plain JS (objects, arrays, strings, numbers, booleans, null). */
  toJS(): unknown;
  /** The value at `path` (plain JS), or throws NotFound-style ValidationException. */
  extract(path: readonly PathStep[]): unknown;
  /** Sets the value at `path` (creating mappings as needed). */
  setPath(path: readonly PathStep[], value: unknown): void;
  /** Removes the value at `path`; false when it was absent. */
  unsetPath(path: readonly PathStep[]): boolean;
}

/** `["a"]["b"][0]` → ['a', 'b', 0] (SOPS's --extract syntax). */
export function parsePathExpression(expr: string): PathStep[] {
  const out: PathStep[] = [];
  const re = /\[\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(-?\d+))\s*\]/y;
  let pos = 0;
  const s = expr.trim();
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) throw new RangeError(`"path" expected the form ["key"][0]…, got ${JSON.stringify(expr)}`);
    out.push(m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2] !== undefined ? m[2] : Number(m[3]));
    pos = re.lastIndex;
  }
  if (out.length === 0) throw new RangeError('"path" must name at least one key');
  return out;
}

export function pathLabel(path: readonly PathStep[]): string {
  return path.map((p) => `[${JSON.stringify(p)}]`).join('');
}

/** null, [], {} or '' — entries older SOPS versions wrote for unused key sources (kept on rewrite). */
export function isEmptyData(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}

/** Deep equality of plain data, ignoring key order (bigints compared by value). */
export function sameData(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && Number.isInteger(v)) return `${v}n`;
    if (Array.isArray(v)) return v.map(canon);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])]));
    return v;
  };
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
