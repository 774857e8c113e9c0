/**
 * INI store (docs/CONFIG.md "INI"): sections of `key = value` lines (`=` or `:`), `;`/`#` comment
 * lines; keys before the first section belong to `DEFAULT` (as in SOPS's go-ini reading). Each
 * value is a string at path `section:key:`; a comment is at its section's path. The metadata is
 * the `[sops]` section with flattened keys and newlines written as `\n`. Lines are kept in place.
 */
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, Leaf, MetadataSnapshot, PathStep } from '../document.js';
import { pathLabel } from '../document.js';
import { commentValue, strValue, textOf } from '../values.js';
import { flatten, unflatten } from './flatten.js';

type Line =
  | { kind: 'blank'; raw: string }
  | { kind: 'section'; name: string; raw: string }
  | { kind: 'comment'; lead: string; text: string; section: string }
  | { kind: 'kv'; section: string; key: string; sep: string; quote: string; value: string };

const DEFAULT = 'DEFAULT';
const META = 'sops';

export class IniDocument implements ConfigDocument {
  readonly format = 'ini' as const;
  constructor(private lines: Line[], private readonly trailingNewline: boolean) {}

  static parse(text: string): IniDocument {
    const raw = text.split(/\r?\n/);
    const trailing = text.endsWith('\n');
    if (trailing) raw.pop();
    const lines: Line[] = [];
    let section = DEFAULT;
    const seen = new Set<string>();
    for (let i = 0; i < raw.length; i++) {
      const l = raw[i]!;
      const t = l.trim();
      if (t === '') {
        lines.push({ kind: 'blank', raw: l });
        continue;
      }
      if (t.startsWith(';') || t.startsWith('#')) {
        const m = /^[;#][;# ]*/.exec(t)!;
        lines.push({ kind: 'comment', lead: m[0], text: t.slice(m[0].length), section });
        continue;
      }
      if (t.startsWith('[')) {
        if (!t.endsWith(']')) throw new ValidationException(`invalid INI line ${i + 1}: unclosed section header`);
        section = t.slice(1, -1).trim();
        lines.push({ kind: 'section', name: section, raw: l });
        continue;
      }
      const m = /^([^=:]*?)(\s*[=:]\s*)(.*)$/.exec(t);
      if (m === null || m[1] === '') throw new ValidationException(`invalid INI line ${i + 1}: expected key = value`);
      const id = `${section}\u0000${m[1]}`;
      if (seen.has(id)) throw new ValidationException(`duplicate key "${m[1]}" in section [${section}] at line ${i + 1}`);
      seen.add(id);
      let value = m[3]!;
      let quote = '';
      if (value.startsWith('"""')) {
        // go-ini's multi-line value: from """ to the next """
        const first = i;
        let body = value.slice(3);
        while (!body.endsWith('"""')) {
          if (++i >= raw.length) throw new ValidationException(`invalid INI line ${first + 1}: unclosed """ value`);
          body += `\n${raw[i]!}`;
        }
        lines.push({ kind: 'kv', section, key: m[1]!, sep: m[2]!, quote: '"""', value: body.slice(0, -3) });
        continue;
      }
      if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0]!)) {
        quote = value[0]!;
        value = value.slice(1, -1);
      }
      lines.push({ kind: 'kv', section, key: m[1]!, sep: m[2]!, quote, value });
    }
    // A comment belongs to the section of the next key or section header (go-ini attaches it there).
    let next: string | undefined;
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i]!;
      if (l.kind === 'section') next = l.name;
      else if (l.kind === 'kv') next = l.section;
      else if (l.kind === 'comment' && next !== undefined) l.section = next;
    }
    return new IniDocument(lines, trailing || text === '');
  }

  leaves(): Leaf[] {
    const out: Leaf[] = [];
    for (const l of this.lines) {
      if (l.kind === 'comment' && l.section !== META) {
        out.push({ path: [l.section], comment: true, altPaths: [[], [DEFAULT]], get: () => commentValue(l.text), set: (v) => (l.text = textOf(v)) });
      } else if (l.kind === 'kv' && l.section !== META) {
        out.push({ path: [l.section, l.key], comment: false, get: () => strValue(l.value), set: (v) => (l.value = textOf(v)) });
      }
    }
    return out;
  }

  getMetadata(): Record<string, unknown> | undefined {
    if (!this.lines.some((l) => l.kind === 'section' && l.name === META)) return undefined;
    const entries = this.lines.flatMap((l) => (l.kind === 'kv' && l.section === META ? [[l.key, l.quote === '"""' ? l.value : l.value.replaceAll('\\n', '\n')] as [string, string]] : []));
    return unflatten(entries);
  }

  setMetadata(meta: Record<string, unknown>): void {
    const want = new Map(flatten(meta).map(([k, v]) => [k, v.replaceAll('\n', '\\n')]));
    if (!this.lines.some((l) => l.kind === 'section' && l.name === META)) {
      if (this.lines.length > 0 && this.lines[this.lines.length - 1]!.kind !== 'blank') this.lines.push({ kind: 'blank', raw: '' });
      this.lines.push({ kind: 'section', name: META, raw: `[${META}]` });
    }
    const kept: Line[] = [];
    let lastMeta = -1;
    for (const l of this.lines) {
      if (l.kind === 'kv' && l.section === META) {
        if (!want.has(l.key)) continue;
        l.value = l.quote === '"""' ? want.get(l.key)!.replaceAll('\\n', '\n') : want.get(l.key)!;
        want.delete(l.key);
      }
      kept.push(l);
      if ((l.kind === 'kv' && l.section === META) || (l.kind === 'section' && l.name === META)) lastMeta = kept.length - 1;
    }
    const added: Line[] = [...want].map(([key, value]) => ({ kind: 'kv', section: META, key, sep: ' = ', quote: '', value }));
    kept.splice(lastMeta + 1, 0, ...added);
    this.lines = kept;
  }

  removeMetadata(): MetadataSnapshot {
    const isMeta = (l: Line) => ((l.kind === 'kv' || l.kind === 'comment') && l.section === META) || (l.kind === 'section' && l.name === META);
    const first = this.lines.findIndex(isMeta);
    if (first < 0) return { format: 'ini', data: [] };
    // The [sops] section with the blank lines around it (as SOPS writes it, at the end of the file).
    let start = first;
    while (start > 0 && this.lines[start - 1]!.kind === 'blank') start--;
    const removed = this.lines.slice(start).filter((l) => isMeta(l) || l.kind === 'blank');
    this.lines = [...this.lines.slice(0, start), ...this.lines.slice(start).filter((l) => !isMeta(l) && l.kind !== 'blank')];
    return { format: 'ini', data: removed };
  }

  restoreMetadata(s: MetadataSnapshot): void {
    if (s.format !== 'ini' || (s.data as Line[]).length === 0) return;
    this.removeMetadata();
    while (this.lines.length > 0 && this.lines[this.lines.length - 1]!.kind === 'blank') this.lines.pop();
    this.lines.push(...structuredClone(s.data as Line[]));
  }

  serialize(): Uint8Array {
    const text = this.lines
      .map((l) => {
        switch (l.kind) {
          case 'blank':
          case 'section':
            return l.raw;
          case 'comment':
            return `${l.lead}${l.text}`;
          case 'kv':
            return `${l.key}${l.sep}${l.quote}${l.value}${l.quote}`;
        }
      })
      .join('\n');
    return new TextEncoder().encode(text + (this.trailingNewline && this.lines.length > 0 ? '\n' : ''));
  }

  toJS(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const l of this.lines) {
      if (l.kind === 'section' && l.name !== META) out[l.name] ??= {};
      if (l.kind === 'kv' && l.section !== META) (out[l.section] ??= {})[l.key] = l.value;
    }
    return out;
  }

  private find(path: readonly PathStep[]): Extract<Line, { kind: 'kv' }> | undefined {
    if (path.length !== 2 || typeof path[0] !== 'string' || typeof path[1] !== 'string') throw new ValidationException(`INI paths are ["section"]["key"], got ${pathLabel(path)}`);
    return this.lines.find((l): l is Extract<Line, { kind: 'kv' }> => l.kind === 'kv' && l.section === path[0] && l.key === path[1]);
  }

  extract(path: readonly PathStep[]): unknown {
    if (path.length === 1 && typeof path[0] === 'string') {
      const s = this.toJS()[path[0]];
      if (s === undefined) throw new ValidationException(`no value at ${pathLabel(path)}`);
      return s;
    }
    const l = this.find(path);
    if (l === undefined) throw new ValidationException(`no value at ${pathLabel(path)}`);
    return l.value;
  }

  setPath(path: readonly PathStep[], value: unknown): void {
    if (value !== null && typeof value === 'object') throw new ValidationException('INI values must be strings');
    const l = this.find(path);
    if (l !== undefined) {
      l.value = String(value);
      return;
    }
    const [section, key] = path as [string, string];
    let at = -1;
    this.lines.forEach((x, i) => {
      if ((x.kind === 'section' && x.name === section) || (x.kind === 'kv' && x.section === section)) at = i;
    });
    const line: Line = { kind: 'kv', section, key, sep: ' = ', quote: '', value: String(value) };
    if (at < 0) {
      const meta = this.lines.findIndex((x) => x.kind === 'section' && x.name === META);
      const pos = meta < 0 ? this.lines.length : meta;
      this.lines.splice(pos, 0, { kind: 'section', name: section, raw: `[${section}]` }, line, { kind: 'blank', raw: '' });
    } else {
      this.lines.splice(at + 1, 0, line);
    }
  }

  unsetPath(path: readonly PathStep[]): boolean {
    const l = this.find(path);
    if (l === undefined) return false;
    this.lines = this.lines.filter((x) => x !== l);
    return true;
  }
}
