/**
 * Human-readable rendering of AWS-shaped results for the terminal: nested objects as indented
 * `Key: value` lines, arrays of records as blocks. `--json` bypasses this and prints the AWS JSON.
 */

function scalar(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function lines(value: unknown, indent: string, out: string[]): void {
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (isRecord(v) || (Array.isArray(v) && v.some((x) => isRecord(x) || Array.isArray(x)))) {
        out.push(`${indent}${k}:`);
        lines(v, `${indent}  `, out);
      } else if (Array.isArray(v)) {
        out.push(`${indent}${k}: ${v.length === 0 ? '[]' : v.map(scalar).join(', ')}`);
      } else {
        out.push(`${indent}${k}: ${scalar(v)}`);
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      if (isRecord(item) || Array.isArray(item)) {
        if (i > 0) out.push(`${indent}-`);
        lines(item, indent, out);
      } else {
        out.push(`${indent}- ${scalar(item)}`);
      }
    });
    return;
  }
  out.push(`${indent}${scalar(value)}`);
}

/** Renders a wire-shaped value (already base64/ISO-8601-converted) as text lines. */
export function renderText(value: unknown): string {
  const out: string[] = [];
  lines(value, '', out);
  return out.join('\n');
}

/** Renders rows as a fixed-width table with a header line. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}
