/**
 * JSON store (docs/CONFIG.md "JSON"): an ordered tree from a small strict parser (duplicate keys
 * rejected, a top-level object required), written back with the source's indentation unit and
 * key order. Numbers follow SOPS's JSON store: an integer literal that fits in 64 bits is an int,
 * anything else a float. Floats with an integral value are written with `.0` so that a round trip
 * keeps their type.
 */
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, Leaf, MetadataSnapshot, PathStep } from '../document.js';
import { isEmptyData, pathLabel, sameData } from '../document.js';
import { boolValue, floatValue, intValue, jsValueOf, strValue, textOf, type LeafValue } from '../values.js';

export type JsonNode =
  | { kind: 'object'; entries: [string, JsonNode][] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class Parser {
  pos = 0;
  constructor(readonly s: string) {}
  fail(what: string): never {
    const before = this.s.slice(0, this.pos);
    const line = before.split('\n').length;
    const col = this.pos - before.lastIndexOf('\n');
    throw new ValidationException(`invalid JSON: ${what} at line ${line}, column ${col}`);
  }
  ws(): void {
    while (this.pos < this.s.length && ' \t\n\r'.includes(this.s[this.pos]!)) this.pos++;
  }
  value(depth: number): JsonNode {
    if (depth > 512) this.fail('nesting too deep');
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return { kind: 'string', value: this.string() };
    if (this.s.startsWith('true', this.pos)) return (this.pos += 4), { kind: 'bool', value: true };
    if (this.s.startsWith('false', this.pos)) return (this.pos += 5), { kind: 'bool', value: false };
    if (this.s.startsWith('null', this.pos)) return (this.pos += 4), { kind: 'null' };
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (r === null || r[0] === '' ) this.fail('unexpected character');
    this.pos += r[0].length;
    return { kind: 'number', text: r[0] };
  }
  string(): string {
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (r === null) this.fail('invalid string');
    this.pos += r[0].length;
    return JSON.parse(r[0]) as string;
  }
  object(depth: number): JsonNode {
    this.pos++;
    const entries: [string, JsonNode][] = [];
    const seen = new Set<string>();
    this.ws();
    if (this.s[this.pos] === '}') return this.pos++, { kind: 'object', entries };
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('expected an object key');
      const at = this.pos;
      const k = this.string();
      if (seen.has(k)) {
        this.pos = at;
        this.fail(`duplicate key ${JSON.stringify(k)}`);
      }
      seen.add(k);
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      entries.push([k, this.value(depth + 1)]);
      this.ws();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] === '}') return this.pos++, { kind: 'object', entries };
      else this.fail('expected "," or "}"');
    }
  }
  array(depth: number): JsonNode {
    this.pos++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.pos] === ']') return this.pos++, { kind: 'array', items };
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] === ']') return this.pos++, { kind: 'array', items };
      else this.fail('expected "," or "]"');
    }
  }
}

export function parseJson(text: string): JsonNode {
  const p = new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const v = p.value(0);
  p.ws();
  if (p.pos !== p.s.length) p.fail('unexpected data after the top-level value');
  return v;
}

export function numberLeaf(text: string): LeafValue {
  if (/^-?\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= INT64_MIN && n <= INT64_MAX) return intValue(n);
  }
  return floatValue(Number(text));
}

function nodeLeafValue(n: JsonNode): LeafValue | undefined {
  switch (n.kind) {
    case 'string':
      return strValue(n.value);
    case 'number':
      return numberLeaf(n.text);
    case 'bool':
      return boolValue(n.value);
    default:
      return undefined;
  }
}

function nodeFromLeaf(v: LeafValue): JsonNode {
  switch (v.type) {
    case 'int':
      return { kind: 'number', text: textOf(v) };
    case 'float': {
      const f = jsValueOf(v) as number;
      if (!Number.isFinite(f)) return { kind: 'string', value: textOf(v) };
      const t = JSON.stringify(f);
      return { kind: 'number', text: /[.e]/.test(t) ? t : `${t}.0` };
    }
    case 'bool':
      return { kind: 'bool', value: textOf(v) === 'True' };
    default:
      return { kind: 'string', value: textOf(v) };
  }
}

export function fromJs(v: unknown): JsonNode {
  if (v === null || v === undefined) return { kind: 'null' };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (typeof v === 'bigint') return { kind: 'number', text: v.toString() };
  if (typeof v === 'number') return Number.isFinite(v) ? { kind: 'number', text: JSON.stringify(v) } : { kind: 'null' };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (Array.isArray(v)) return { kind: 'array', items: v.map(fromJs) };
  if (typeof v === 'object') return { kind: 'object', entries: Object.entries(v as object).map(([k, x]) => [k, fromJs(x)]) };
  return { kind: 'string', value: String(v) };
}

export function toJs(n: JsonNode): unknown {
  switch (n.kind) {
    case 'object':
      return Object.fromEntries(n.entries.map(([k, v]) => [k, toJs(v)]));
    case 'array':
      return n.items.map(toJs);
    case 'string':
      return n.value;
    case 'number': {
      const l = numberLeaf(n.text);
      return jsValueOf(l);
    }
    case 'bool':
      return n.value;
    case 'null':
      return null;
  }
}

export function stringify(n: JsonNode, indent: string, level = 0): string {
  const pad = indent.repeat(level + 1);
  const close = indent.repeat(level);
  const nl = indent === '' ? '' : '\n';
  const sep = indent === '' ? ',' : ',\n';
  switch (n.kind) {
    case 'object':
      if (n.entries.length === 0) return '{}';
      return `{${nl}${n.entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${stringify(v, indent, level + 1)}`).join(sep)}${nl}${close}}`;
    case 'array':
      if (n.items.length === 0) return '[]';
      return `[${nl}${n.items.map((v) => `${pad}${stringify(v, indent, level + 1)}`).join(sep)}${nl}${close}]`;
    case 'string':
      return JSON.stringify(n.value);
    case 'number':
      return n.text;
    case 'bool':
      return String(n.value);
    case 'null':
      return 'null';
  }
}

function detectIndent(text: string): string {
  const m = /^[{[]\s*\n([ \t]+)\S/.exec(text.trimStart());
  return m ? m[1]! : '\t';
}

function walk(n: JsonNode, path: readonly string[], set: (v: JsonNode) => void, out: Leaf[]): void {
  if (n.kind === 'object') {
    n.entries.forEach((e) => walk(e[1], [...path, e[0]], (v) => (e[1] = v), out));
  } else if (n.kind === 'array') {
    n.items.forEach((it, i) => walk(it, path, (v) => (n.items[i] = v), out));
  } else {
    let cur: JsonNode = n;
    if (nodeLeafValue(cur) === undefined) return;
    out.push({
      path,
      comment: false,
      get: () => nodeLeafValue(cur)!,
      set: (v, encrypted) => {
        cur = encrypted ? { kind: 'string', value: textOf(v) } : nodeFromLeaf(v);
        set(cur);
      },
    });
  }
}

/** Navigation shared by the JSON-tree stores. */
export function nodeAt(root: JsonNode, path: readonly PathStep[]): JsonNode {
  let n: JsonNode | undefined = root;
  for (const step of path) {
    if (n?.kind === 'object' && typeof step === 'string') n = n.entries.find((e) => e[0] === step)?.[1];
    else if (n?.kind === 'array' && typeof step === 'number') n = n.items[step];
    else n = undefined;
    if (n === undefined) throw new ValidationException(`no value at ${pathLabel(path)}`);
  }
  return n;
}

export class JsonDocument implements ConfigDocument {
  readonly format = 'json' as const;
  constructor(
    private readonly root: Extract<JsonNode, { kind: 'object' }>,
    private readonly indent: string,
    private readonly trailingNewline: boolean,
  ) {}

  static parse(text: string): JsonDocument {
    if (text.trim() === '') return new JsonDocument({ kind: 'object', entries: [] }, '\t', true);
    const root = parseJson(text);
    if (root.kind !== 'object') throw new ValidationException('only JSON files with a top-level object are supported (wrap the value in {"data": …})');
    return new JsonDocument(root, detectIndent(text), text.endsWith('\n'));
  }

  leaves(): Leaf[] {
    const out: Leaf[] = [];
    for (const e of this.root.entries) if (e[0] !== 'sops') walk(e[1], [e[0]], (v) => (e[1] = v), out);
    return out;
  }

  getMetadata(): Record<string, unknown> | undefined {
    const e = this.root.entries.find((x) => x[0] === 'sops');
    if (e === undefined) return undefined;
    if (e[1].kind !== 'object') throw new ValidationException('the "sops" entry is not an object');
    return toJs(e[1]) as Record<string, unknown>;
  }

  setMetadata(meta: Record<string, unknown>): void {
    let e = this.root.entries.find((x) => x[0] === 'sops');
    if (e === undefined || e[1].kind !== 'object') {
      this.root.entries = this.root.entries.filter((x) => x[0] !== 'sops');
      e = ['sops', { kind: 'object', entries: [] }];
      this.root.entries.push(e);
    }
    const m = e[1] as Extract<JsonNode, { kind: 'object' }>;
    m.entries = m.entries.filter(([k, v]) => k in meta || isEmptyData(toJs(v)));
    for (const [k, v] of Object.entries(meta)) {
      const cur = m.entries.find((x) => x[0] === k);
      if (cur !== undefined) {
        if (!sameData(toJs(cur[1]), v)) cur[1] = fromJs(v);
      } else m.entries.push([k, fromJs(v)]);
    }
  }

  removeMetadata(): MetadataSnapshot {
    const e = this.root.entries.find((x) => x[0] === 'sops');
    this.root.entries = this.root.entries.filter((x) => x[0] !== 'sops');
    return { format: 'json', data: e?.[1] };
  }

  restoreMetadata(s: MetadataSnapshot): void {
    if (s.data === undefined) return;
    this.root.entries = this.root.entries.filter((x) => x[0] !== 'sops');
    this.root.entries.push(['sops', structuredClone(s.data as JsonNode)]);
  }

  serialize(): Uint8Array {
    return new TextEncoder().encode(stringify(this.root, this.indent) + (this.trailingNewline ? '\n' : ''));
  }

  toJS(): unknown {
    return toJs(this.root);
  }

  extract(path: readonly PathStep[]): unknown {
    return toJs(nodeAt(this.root, path));
  }

  setPath(path: readonly PathStep[], value: unknown): void {
    let n: JsonNode = this.root;
    path.forEach((step, i) => {
      const last = i === path.length - 1;
      if (n.kind === 'object' && typeof step === 'string') {
        let e = n.entries.find((x) => x[0] === step);
        if (e === undefined) {
          e = [step, { kind: 'object', entries: [] }];
          n.entries.push(e);
        }
        if (last) e[1] = fromJs(value);
        n = e[1];
      } else if (n.kind === 'array' && typeof step === 'number' && step >= 0 && step <= n.items.length) {
        if (last) n.items[step] = fromJs(value);
        n = n.items[step] ??= { kind: 'object', entries: [] };
      } else {
        throw new ValidationException(`cannot set ${pathLabel(path)}: step ${i + 1} does not match the file's structure`);
      }
    });
  }

  unsetPath(path: readonly PathStep[]): boolean {
    const parent = (() => {
      try {
        return nodeAt(this.root, path.slice(0, -1));
      } catch {
        return undefined;
      }
    })();
    const step = path[path.length - 1];
    if (parent?.kind === 'object' && typeof step === 'string') {
      const before = parent.entries.length;
      parent.entries = parent.entries.filter((x) => x[0] !== step);
      return parent.entries.length !== before;
    }
    if (parent?.kind === 'array' && typeof step === 'number' && step < parent.items.length) {
      parent.items.splice(step, 1);
      return true;
    }
    return false;
  }
}
