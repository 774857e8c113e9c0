/**
 * Does a JSON or YAML document parse? Used before an auto save writes an Encrypted Editor
 * document (a half-typed config is not re-encrypted and written every pause) and for the problem
 * markers the editor and the Problems panel show. Pure, with well-kept parsers: jsonc-parser (VS
 * Code's own JSON scanner) and yaml's Document API. Messages never quote the document's text
 * (they are shown in the UI and could otherwise carry plaintext into logs).
 */
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { parseAllDocuments } from 'yaml';
import type { StructuredLanguage } from './editor-language.js';

export interface ParseProblem {
  /** 0-based line and character of the start and end. */
  readonly line: number;
  readonly character: number;
  readonly endLine: number;
  readonly endCharacter: number;
  readonly message: string;
}

/** Line starts of `text`, for offset → position. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function position(starts: readonly number[], offset: number): { line: number; character: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo, character: offset - (starts[lo] ?? 0) };
}

function problem(starts: readonly number[], start: number, end: number, message: string): ParseProblem {
  const a = position(starts, start);
  const b = position(starts, Math.max(end, start));
  return { line: a.line, character: a.character, endLine: b.line, endCharacter: b.character, message };
}

/**
 * The parse problems of `text` as `language` (empty: it parses). `jsonc` allows comments and
 * trailing commas (for `.jsonc` files); plain JSON allows neither, as VS Code's JSON mode.
 */
export function parseProblems(language: StructuredLanguage, text: string, opts: { jsonc?: boolean } = {}): ParseProblem[] {
  if (text.trim() === '') return [];
  const starts = lineStarts(text);
  if (language === 'json') {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { allowTrailingComma: opts.jsonc === true, disallowComments: opts.jsonc !== true, allowEmptyContent: true });
    return errors.map((e) => problem(starts, e.offset, e.offset + e.length, `JSON: ${printParseErrorCode(e.error)}`));
  }
  const out: ParseProblem[] = [];
  for (const doc of parseAllDocuments(text, { prettyErrors: false })) {
    for (const e of doc.errors) out.push(problem(starts, e.pos[0], e.pos[1], `YAML: ${e.code}: ${e.message}`));
  }
  return out;
}
