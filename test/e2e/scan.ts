/**
 * "No plaintext on disk" checks (issue #6): walks directories and reports every file whose bytes
 * contain a marker string (plain UTF-8, and UTF-16LE as browsers' storage may use). Used by the
 * e2e runner (workspace, code-server user data and Backups, XDG dirs, browser profile) and by the
 * extension-host suite.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_FILE = 256 * 1024 * 1024;

export interface ScanOptions {
  /** Also scan these roots, but only files modified at or after `since` (e.g. the shared /tmp). */
  readonly extraRoots?: readonly string[];
  readonly since?: number;
}

export function findFilesContaining(roots: readonly string[], marker: string, opts: ScanOptions = {}): string[] {
  const needles = [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')];
  const hits: string[] = [];
  const walk = (dir: string, since?: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, since);
      else if (e.isFile()) {
        try {
          const st = statSync(p);
          if (st.size > MAX_FILE || (since !== undefined && st.mtimeMs < since)) continue;
          const bytes = readFileSync(p);
          if (needles.some((n) => bytes.includes(n))) hits.push(p);
        } catch {
          /* vanished or unreadable: sockets, locks */
        }
      }
    }
  };
  for (const r of roots) walk(r);
  for (const r of opts.extraRoots ?? []) walk(r, opts.since ?? 0);
  return [...new Set(hits)];
}

