/**
 * Which entry the decrypt worker thread starts from (parallel-decrypt.ts): the esbuild bundle that
 * scripts/build-worker.mjs writes to dist/decrypt-worker/ (no TypeScript loader in the thread: ~45 ms
 * to a loaded module instead of ~180 ms), but only while every source file it was built from still
 * has the SHA-256 its inputs.json records; otherwise (no bundle, or an edited source) the
 * TypeScript entry through tsx, so a stale bundle never runs.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface BundleManifest {
  readonly entry: string;
  readonly sources: Readonly<Record<string, string>>;
}

function isManifest(v: unknown): v is BundleManifest {
  if (!v || typeof v !== 'object') return false;
  const m = v as Partial<BundleManifest>;
  return typeof m.entry === 'string' && /^[\w.-]+\.js$/.test(m.entry) && !!m.sources && typeof m.sources === 'object'
    && Object.keys(m.sources).length > 0 && Object.values(m.sources).every((h) => typeof h === 'string');
}

/**
 * The bundle's entry under `bundleDir` when its inputs.json matches the sources under `packageRoot`
 * (both directory URLs ending in '/'); `undefined` when the bundle is missing, malformed or stale.
 */
export function freshBundleEntry(bundleDir: URL, packageRoot: URL): URL | undefined {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(new URL('inputs.json', bundleDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isManifest(manifest)) return undefined;
  for (const [path, hash] of Object.entries(manifest.sources)) {
    if (path.startsWith('/') || path.split('/').includes('..')) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(new URL(path, packageRoot));
    } catch {
      return undefined;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== hash) return undefined;
  }
  return new URL(manifest.entry, bundleDir);
}

let chosen: URL | undefined;

/** The decrypt worker's entry for this process (decided once: sources do not change under a running process). */
export function decryptWorkerEntry(): URL {
  chosen ??= freshBundleEntry(new URL('../../dist/decrypt-worker/', import.meta.url), new URL('../../', import.meta.url))
    ?? new URL('./decrypt-worker-entry.mjs', import.meta.url);
  return chosen;
}
