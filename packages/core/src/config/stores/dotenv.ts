/**
 * dotenv store (docs/CONFIG.md "dotenv"): `KEY=value` lines (a literal `\n` in a value is a
 * newline), `#` comment lines, blank lines kept. Every value is a string. The metadata is
 * flattened into `sops_…` keys. Lines are kept in place, so unchanged lines stay byte-identical.
 */
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, Leaf, MetadataSnapshot, PathStep } from '../document.js';
import { pathLabel } from '../document.js';
import { commentValue, strValue, textOf } from '../values.js';
import { flatten, unflatten } from './flatten.js';

type Line = { kind: 'blank'; raw: string } | { kind: 'comment'; text: string } | { kind: 'kv'; key: string; value: string };

const PREFIX = 'sops_';

export class DotenvDocument implements ConfigDocument {
  readonly format = 'dotenv' as const;
  constructor(private lines: Line[], private readonly trailingNewline: boolean) {}

  static parse(text: string): DotenvDocument {
    const raw = text.split('\n');
    const trailing = text.endsWith('\n');
    if (trailing) raw.pop();
    const seen = new Set<string>();
    const lines = raw.map((l, i): Line => {
      if (l.trim() === '') return { kind: 'blank', raw: l };
      if (l.startsWith('#')) return { kind: 'comment', text: l.slice(1) };
      const eq = l.indexOf('=');
      if (eq <= 0) throw new ValidationException(`invalid dotenv line ${i + 1}: expected KEY=value`);
      const key = l.slice(0, eq);
      if (seen.has(key)) throw new ValidationException(`duplicate key "${key}" at line ${i + 1}`);
      seen.add(key);
      return { kind: 'kv', key, value: l.slice(eq + 1).replaceAll('\\n', '\n') };
    });
    return new DotenvDocument(lines, trailing || text === '');
  }

  leaves(): Leaf[] {
    const out: Leaf[] = [];
    for (const line of this.lines) {
      if (line.kind === 'comment') {
        out.push({ path: [], comment: true, get: () => commentValue(line.text), set: (v) => (line.text = textOf(v)) });
      } else if (line.kind === 'kv' && !line.key.startsWith(PREFIX)) {
        out.push({ path: [line.key], comment: false, get: () => strValue(line.value), set: (v) => (line.value = textOf(v)) });
      }
    }
    return out;
  }

  getMetadata(): Record<string, unknown> | undefined {
    const entries = this.lines.flatMap((l) => (l.kind === 'kv' && l.key.startsWith(PREFIX) ? [[l.key.slice(PREFIX.length), l.value] as [string, string]] : []));
    return entries.length === 0 ? undefined : unflatten(entries);
  }

  setMetadata(meta: Record<string, unknown>): void {
    const want = new Map(flatten(meta, PREFIX));
    const kept: Line[] = [];
    for (const l of this.lines) {
      if (l.kind === 'kv' && l.key.startsWith(PREFIX)) {
        if (!want.has(l.key)) continue;
        l.value = want.get(l.key)!;
        want.delete(l.key);
      }
      kept.push(l);
    }
    for (const [key, value] of want) kept.push({ kind: 'kv', key, value });
    this.lines = kept;
  }

  removeMetadata(): MetadataSnapshot {
    const meta = this.lines.filter((l) => l.kind === 'kv' && l.key.startsWith(PREFIX));
    this.lines = this.lines.filter((l) => !meta.includes(l));
    return { format: 'dotenv', data: meta };
  }

  restoreMetadata(s: MetadataSnapshot): void {
    if (s.format !== 'dotenv') return;
    this.removeMetadata();
    this.lines.push(...structuredClone(s.data as Line[]));
  }

  serialize(): Uint8Array {
    const text = this.lines.map((l) => (l.kind === 'blank' ? l.raw : l.kind === 'comment' ? `#${l.text}` : `${l.key}=${l.value.replaceAll('\n', '\\n')}`)).join('\n');
    return new TextEncoder().encode(text + (this.trailingNewline && this.lines.length > 0 ? '\n' : ''));
  }

  toJS(): Record<string, string> {
    return Object.fromEntries(this.lines.flatMap((l) => (l.kind === 'kv' && !l.key.startsWith(PREFIX) ? [[l.key, l.value]] : [])));
  }

  private one(path: readonly PathStep[]): string {
    if (path.length !== 1 || typeof path[0] !== 'string') throw new ValidationException(`dotenv files are flat: ${pathLabel(path)} must be one key`);
    return path[0];
  }

  extract(path: readonly PathStep[]): unknown {
    const key = this.one(path);
    const l = this.lines.find((x) => x.kind === 'kv' && x.key === key);
    if (l === undefined || l.kind !== 'kv') throw new ValidationException(`no value at ${pathLabel(path)}`);
    return l.value;
  }

  setPath(path: readonly PathStep[], value: unknown): void {
    const key = this.one(path);
    if (value !== null && typeof value === 'object') throw new ValidationException('dotenv values must be strings');
    const v = String(value);
    const l = this.lines.find((x) => x.kind === 'kv' && x.key === key);
    if (l !== undefined && l.kind === 'kv') l.value = v;
    else {
      const firstMeta = this.lines.findIndex((x) => x.kind === 'kv' && x.key.startsWith(PREFIX));
      this.lines.splice(firstMeta < 0 ? this.lines.length : firstMeta, 0, { kind: 'kv', key, value: v });
    }
  }

  unsetPath(path: readonly PathStep[]): boolean {
    const key = this.one(path);
    const before = this.lines.length;
    this.lines = this.lines.filter((x) => !(x.kind === 'kv' && x.key === key));
    return this.lines.length !== before;
  }
}
