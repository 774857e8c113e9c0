/**
 * Parses the encryption context a user types when encrypting (AWS Encryption SDK "encryption
 * context": non-secret string pairs bound to the message as AAD). Syntax: `k=v` pairs separated by
 * commas or new lines; `\,` and `\=` escape the separators. Keys starting with "aws:" are reserved.
 */
export function parseContextInput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of splitUnescaped(text, /[,\n]/)) {
    const item = raw.trim();
    if (item === '') continue;
    const parts = splitUnescaped(item, /=/);
    if (parts.length !== 2) throw new TypeError(`encryption context: expected key=value, got "${item}"`);
    const key = unescape(parts[0]!.trim());
    const value = unescape(parts[1]!.trim());
    if (key === '') throw new TypeError(`encryption context: empty key in "${item}"`);
    if (key.toLowerCase().startsWith('aws:')) throw new TypeError(`encryption context: keys starting with "aws:" are reserved ("${key}")`);
    if (Object.prototype.hasOwnProperty.call(out, key)) throw new TypeError(`encryption context: duplicate key "${key}"`);
    out[key] = value;
  }
  return out;
}

/** The inverse, for showing a context: `a=1, b=2` (sorted by key). */
export function formatContext(context: Readonly<Record<string, string>>): string {
  const esc = (s: string) => s.replace(/[\\,=]/g, (c) => `\\${c}`);
  return Object.keys(context)
    .sort()
    .map((k) => `${esc(k)}=${esc(context[k]!)}`)
    .join(', ');
}

function splitUnescaped(text: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (sep.test(c)) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}
