/**
 * "No plaintext on disk" checks (issue #6): walks directories and reports every file whose bytes
 * contain a marker string (plain UTF-8, and UTF-16LE as browsers' storage may use). Used by the
 * e2e runner (workspace, code-server user data and Backups, XDG dirs, browser profile) and by the
 * extension-host suite.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MAX_FILE = 256 * 1024 * 1024;

export function findFilesContaining(roots: readonly string[], marker: string): string[] {
  const needles = [Buffer.from(marker, 'utf8'), Buffer.from(marker, 'utf16le')];
  const hits: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          if (statSync(p).size > MAX_FILE) continue;
          const bytes = readFileSync(p);
          if (needles.some((n) => bytes.includes(n))) hits.push(p);
        } catch {
          /* vanished or unreadable: sockets, locks */
        }
      }
    }
  };
  for (const r of roots) walk(r);
  return hits;
}

