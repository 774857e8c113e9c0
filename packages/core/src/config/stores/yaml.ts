/**
 * YAML store over the `yaml` package's Document API, so a round trip keeps comments, key order,
 * quoting, flow/block style and blank lines (docs/CONFIG.md "YAML"). Leaves follow SOPS's YAML
 * store: every scalar except null is a leaf at the path of its mapping keys; each comment line is
 * a comment leaf at the path of the mapping or list it sits in. Aliases are expanded (SOPS's tree
 * has no anchors); multi-document files carry the metadata in every document and read it from the
 * first. An encrypted string keeps its plaintext's quoting style (`"ENC[…]"`), which SOPS reads
 * like any string, so decrypting restores the style.
 */
import {
  Document, Scalar, YAMLMap, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments,
  type Node as YamlNode, type Pair, type ToStringOptions,
} from 'yaml';
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, Leaf, MetadataSnapshot, PathStep } from '../document.js';
import { isEmptyData, pathLabel, sameData } from '../document.js';
import {
  boolValue, commentValue, floatValue, intValue, jsValueOf, strValue, textOf, type LeafValue,
} from '../values.js';

const PARSE_OPTIONS = { intAsBigInt: true, uniqueKeys: false, keepSourceTokens: false, prettyErrors: false } as const;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

interface Style {
  indent: number;
  indentSeq: boolean;
  flowPadding: boolean;
}

/** Indentation of the source: the first nested mapping's step, and whether `- ` items are indented under their key. */
function detectStyle(src: string): Style {
  const lines = src.split('\n');
  let indent = 0;
  let indentSeq: boolean | undefined;
  for (let i = 0; i + 1 < lines.length; i++) {
    const l = lines[i]!;
    if (!/^\s*[^#\s-][^#]*:\s*(#.*)?$/.test(l)) continue;
    const base = l.length - l.trimStart().length;
    let j = i + 1;
    while (j < lines.length && /^\s*(#.*)?$/.test(lines[j]!)) j++;
    const next = lines[j];
    if (next === undefined) break;
    const ni = next.length - next.trimStart().length;
    if (next.trimStart().startsWith('- ') || next.trim() === '-') {
      indentSeq ??= ni > base;
      if (ni > base && indent === 0) indent = ni - base;
    } else if (ni > base && indent === 0) {
      indent = ni - base;
    }
    if (indent !== 0 && indentSeq !== undefined) break;
  }
  return { indent: indent || 4, indentSeq: indentSeq ?? true, flowPadding: !/[[{][^\s\]}]/.test(src) || /[[{] /.test(src) };
}

function parseError(e: { code: string; pos?: [number, number] }, src: string): never {
  let at = '';
  if (e.pos) {
    const before = src.slice(0, e.pos[0]);
    at = ` at line ${before.split('\n').length}, column ${e.pos[0] - before.lastIndexOf('\n')}`;
  }
  const what = e.code === 'DUPLICATE_KEY' ? 'duplicate mapping key' : `invalid YAML (${e.code})`;
  throw new ValidationException(`${what}${at}`);
}

function scalarLeafValue(s: Scalar): LeafValue | undefined {
  const v = s.value;
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return strValue(v);
  if (typeof v === 'bigint') return intValue(v);
  if (typeof v === 'number') return floatValue(v); // ints parse as bigint (intAsBigInt)
  if (typeof v === 'boolean') return boolValue(v);
  if (v instanceof Date) return { type: 'time', bytes: new TextEncoder().encode(v.toISOString().replace('.000Z', 'Z')) };
  return strValue(String(v));
}

function applyLeafValue(s: Scalar, v: LeafValue, encrypted: boolean): void {
  const wasString = typeof s.value === 'string';
  delete s.format;
  delete s.minFractionDigits;
  if (encrypted) {
    s.value = textOf(v);
    if (!wasString) s.type = Scalar.PLAIN;
    return;
  }
  const js = jsValueOf(v);
  switch (v.type) {
    case 'int':
      s.value = BigInt(textOf(v));
      break;
    case 'float':
      s.value = js;
      if (Number.isFinite(js as number) && !/[.e]/.test(String(js))) s.minFractionDigits = 1;
      break;
    default:
      s.value = v.type === 'bytes' ? textOf(v) : js;
  }
  if (typeof s.value !== 'string') s.type = Scalar.PLAIN;
}

/** Comment lines of a node's `commentBefore` or `comment`, each a leaf; writes re-join the lines. */
function commentLeaves(
  node: { commentBefore?: string | null; comment?: string | null },
  prop: 'commentBefore' | 'comment',
  path: readonly string[],
  altPaths: (readonly string[])[],
  out: Leaf[],
  scope: readonly number[],
): void {
  const text = node[prop];
  if (typeof text !== 'string' || text === '') return;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    out.push({
      path,
      comment: true,
      altPaths,
      scope,
      get: () => commentValue(lines[i]!),
      set: (v) => {
        lines[i] = textOf(v);
        node[prop] = lines.join('\n');
      },
    });
  });
}

function keyOf(pair: Pair, path: readonly string[]): string {
  const k = pair.key;
  if (typeof k === 'string') return k;
  if (isScalar(k) && typeof k.value === 'string') return k.value;
  if (isScalar(k) && (typeof k.value === 'bigint' || typeof k.value === 'number' || typeof k.value === 'boolean')) {
    throw new ValidationException(`mapping key ${String(k.value)} under ${pathLabel(path)} is not a string (only string keys are supported)`);
  }
  throw new ValidationException(`a mapping key under ${pathLabel(path)} is not a string (only string keys are supported)`);
}

/**
 * The leaves under `node` in document order. `scope` is the place of `node`'s items (document.ts
 * `Leaf.scope`); comments come in SOPS's order: a value's line comment before the value.
 */
function walk(node: unknown, path: readonly string[], parentPath: readonly string[] | undefined, out: Leaf[], scope: readonly number[]): void {
  if (isMap(node) || isSeq(node)) {
    const alts = parentPath ? [parentPath] : [];
    const items = node.items as unknown[];
    commentLeaves(node, 'commentBefore', path, alts, out, [...scope, 0]);
    items.forEach((item, index) => {
      const at = [...scope, index];
      if (isPair(item)) {
        const key = keyOf(item, path);
        if (isScalar(item.key)) {
          commentLeaves(item.key, 'commentBefore', path, [], out, at);
          commentLeaves(item.key, 'comment', path, [], out, at);
        }
        const child = [...path, key];
        const v = item.value;
        if (isScalar(v)) {
          commentLeaves(v, 'commentBefore', path, [child], out, at);
          commentLeaves(v, 'comment', path, [child], out, at);
          pushScalar(v, child, out, at);
        } else if (isCollection(v)) {
          walk(v, child, path, out, at);
        }
      } else if (isScalar(item)) {
        commentLeaves(item, 'commentBefore', path, [], out, at);
        commentLeaves(item, 'comment', path, [], out, at);
        pushScalar(item, path, out, at);
      } else {
        walk(item, path, path, out, at);
      }
    });
    commentLeaves(node, 'comment', path, alts, out, [...scope, items.length]);
  }
}

function pushScalar(s: Scalar, path: readonly string[], out: Leaf[], scope: readonly number[]): void {
  if (scalarLeafValue(s) === undefined) return;
  out.push({
    path,
    comment: false,
    scope,
    get: () => scalarLeafValue(s)!,
    set: (v, encrypted) => applyLeafValue(s, v, encrypted),
  });
}

/** Duplicate mapping keys are an error (checked with a Set: the yaml package's own check is quadratic). */
function assertUniqueKeys(n: unknown, src: string): void {
  if (isMap(n)) {
    const seen = new Set<unknown>();
    for (const p of n.items) {
      const k = isScalar(p.key) ? p.key.value : p.key;
      if (typeof k !== 'object' || k === null) {
        if (seen.has(k)) parseError({ code: 'DUPLICATE_KEY', ...(isScalar(p.key) && p.key.range ? { pos: [p.key.range[0], p.key.range[1]] as [number, number] } : {}) }, src);
        seen.add(k);
      }
      assertUniqueKeys(p.value, src);
    }
  } else if (isSeq(n)) for (const it of n.items) assertUniqueKeys(it, src);
}

/** Replaces alias nodes with copies of their anchored nodes, then drops anchors (SOPS expands aliases). */
function expandAliases(doc: Document): void {
  const resolve = (n: unknown): unknown => {
    if (isAlias(n)) {
      const target = n.resolve(doc);
      if (target === undefined) throw new ValidationException(`YAML alias *${n.source} has no anchor`);
      return resolve(target.clone());
    }
    if (isMap(n) || isSeq(n)) {
      n.items = (n.items as unknown[]).map((it) => {
        if (isPair(it)) {
          it.value = resolve(it.value) as YamlNode;
          return it;
        }
        return resolve(it);
      }) as never;
    }
    return n;
  };
  const strip = (n: unknown): void => {
    if (isMap(n) || isSeq(n) || isScalar(n)) delete (n as { anchor?: string }).anchor;
    if (isMap(n)) for (const p of n.items) strip(p.value);
    if (isSeq(n)) for (const it of n.items) strip(it);
  };
  if (doc.contents !== null) {
    doc.contents = resolve(doc.contents) as YamlNode;
    strip(doc.contents);
  }
}

function plainJs(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(plainJs);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainJs(x)]));
  }
  return v;
}

export class YamlDocument implements ConfigDocument {
  readonly format = 'yaml' as const;
  private readonly docs: Document[];
  private readonly style: Style;

  constructor(docs: Document[], style: Style) {
    this.docs = docs;
    this.style = style;
  }

  static parse(text: string): YamlDocument {
    const docs = parseAllDocuments(text, PARSE_OPTIONS);
    if (!Array.isArray(docs)) return new YamlDocument([new Document({}, PARSE_OPTIONS)], detectStyle(text)); // empty stream
    for (const d of docs) {
      if (d.errors.length > 0) parseError(d.errors[0] as never, text);
      if (d.contents !== null && !isMap(d.contents)) {
        if (isScalar(d.contents) && d.contents.value === null) continue;
        throw new ValidationException(isSeq(d.contents) ? 'YAML documents that are sequences are not supported (the top level must be a mapping)' : 'YAML documents that are single values are not supported (the top level must be a mapping)');
      }
      assertUniqueKeys(d.contents, text);
      expandAliases(d);
    }
    return new YamlDocument(docs, detectStyle(text));
  }

  /** A new document from plain JS (block style, as SOPS writes). */
  static fromJS(value: Record<string, unknown>): YamlDocument {
    const bigints = (v: unknown): unknown =>
      typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : Array.isArray(v) ? v.map(bigints) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, bigints(x)])) : v;
    return new YamlDocument([new Document(bigints(value), PARSE_OPTIONS)], { indent: 4, indentSeq: true, flowPadding: true });
  }

  private maps(): YAMLMap[] {
    return this.docs.map((d) => {
      if (!isMap(d.contents)) d.contents = new YAMLMap();
      return d.contents as YAMLMap;
    });
  }

  leaves(): Leaf[] {
    const out: Leaf[] = [];
    for (const [di, d] of this.docs.entries()) {
      // Each YAML document is a tree of its own (SOPS's branches): the first scope entry tells them apart.
      commentLeaves(d, 'commentBefore', [], [], out, [di, 0]);
      const m = isMap(d.contents) ? d.contents : undefined;
      const data = m?.items.filter((p) => !(isScalar(p.key) && p.key.value === 'sops')) ?? [];
      if (m !== undefined) {
        const saved = m.items;
        m.items = data;
        try {
          walk(m, [], undefined, out, [di]);
        } finally {
          m.items = saved;
        }
      }
      commentLeaves(d, 'comment', [], [], out, [di, data.length]);
    }
    return out;
  }

  getMetadata(): Record<string, unknown> | undefined {
    const first = this.docs[0];
    if (!first || !isMap(first.contents)) return undefined;
    const n = first.contents.get('sops', true);
    if (n === undefined) return undefined;
    if (!isMap(n)) throw new ValidationException('the "sops" entry is not a mapping');
    return plainJs(n.toJS(first)) as Record<string, unknown>;
  }

  setMetadata(meta: Record<string, unknown>): void {
    for (const [i, m] of this.maps().entries()) {
      const doc = this.docs[i]!;
      let node: unknown = m.get('sops', true);
      if (!isMap(node)) {
        m.delete('sops');
        node = new YAMLMap();
        m.add(doc.createPair('sops', node));
      }
      const sm = node as YAMLMap;
      for (const p of [...sm.items]) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        const empty = isEmptyData(isScalar(p.value) ? p.value.value : (p.value as { toJS?: (d: Document) => unknown } | null)?.toJS?.(doc));
        if (!(k in meta) && !empty) sm.delete(p.key);
      }
      for (const [k, v] of Object.entries(meta)) {
        const cur = sm.get(k, true) as YamlNode | undefined;
        if (cur !== undefined && sameData((cur as { toJS?: (d: Document) => unknown }).toJS?.(doc) ?? cur, v)) continue;
        const created = doc.createNode(v) as YamlNode;
        quoteTimestamps(created);
        sm.set(doc.createNode(k), created);
      }
    }
  }

  removeMetadata(): MetadataSnapshot {
    let node: unknown;
    for (const d of this.docs) {
      if (!isMap(d.contents)) continue;
      node ??= d.contents.get('sops', true);
      d.contents.delete('sops');
    }
    return { format: 'yaml', data: node };
  }

  restoreMetadata(s: MetadataSnapshot): void {
    if (s.format !== 'yaml' || !isMap(s.data)) return;
    for (const [i, m] of this.maps().entries()) {
      m.delete('sops');
      m.add(this.docs[i]!.createPair('sops', (s.data as YAMLMap).clone()));
    }
  }

  serialize(): Uint8Array {
    const opts: ToStringOptions = {
      indent: this.style.indent,
      indentSeq: this.style.indentSeq,
      lineWidth: 0,
      minContentWidth: 0,
      flowCollectionPadding: this.style.flowPadding,
    };
    const text = this.docs.map((d) => d.toString(opts)).join('');
    return new TextEncoder().encode(text);
  }

  toJS(): unknown {
    const all = this.docs.map((d) => plainJs(d.toJS()) ?? {});
    return all.length === 1 ? all[0] : all;
  }

  private nodeAt(path: readonly PathStep[]): unknown {
    let n: unknown = this.docs[0]?.contents;
    for (const step of path) {
      if (typeof step === 'number' && isSeq(n)) n = n.items[step];
      else if (typeof step === 'string' && isMap(n)) n = n.get(step, true);
      else n = undefined;
      if (n === undefined) throw new ValidationException(`no value at ${pathLabel(path)}`);
    }
    return n;
  }

  extract(path: readonly PathStep[]): unknown {
    const n = this.nodeAt(path);
    return plainJs(isScalar(n) ? n.value : (n as { toJS(d: Document): unknown }).toJS(this.docs[0]!));
  }

  setPath(path: readonly PathStep[], value: unknown): void {
    const doc = this.docs[0] ?? new Document({});
    if (!isMap(doc.contents)) doc.contents = new YAMLMap();
    const existing = (() => {
      try {
        return this.nodeAt(path);
      } catch {
        return undefined;
      }
    })();
    if (isScalar(existing) && (value === null || typeof value !== 'object')) {
      const was = typeof existing.value === 'string';
      existing.value = typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
      delete existing.format;
      if (!(was && typeof value === 'string')) existing.type = Scalar.PLAIN;
      return;
    }
    const node = doc.createNode(typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value);
    doc.setIn(path as PathStep[], node);
  }

  unsetPath(path: readonly PathStep[]): boolean {
    const doc = this.docs[0];
    if (doc === undefined || !doc.hasIn(path as PathStep[])) return false;
    return doc.deleteIn(path as PathStep[]);
  }
}

function quoteTimestamps(n: unknown): void {
  if (isScalar(n) && typeof n.value === 'string' && RFC3339.test(n.value)) n.type = Scalar.QUOTE_DOUBLE;
  else if (isMap(n)) for (const p of n.items) quoteTimestamps(p.value);
  else if (isSeq(n)) for (const it of n.items) quoteTimestamps(it);
}

