/**
 * The shape of the code base, checked (STYLE.md "For Envelope" 1, 2, 4 and 10): dependencies point
 * inward only, the core holds no shell (no HTTP, argv or vscode), the extension reaches the core
 * through one adapter, and only defaults.ts reads the wall clock or the system CSPRNG.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = join(import.meta.dirname, '../..');
const coreSrc = join(root, 'packages/core/src');

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mts|mjs)$/.test(f))
    .map((f) => join(dir, f));
}

interface Import { file: string; spec: string; typeOnly: boolean }

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm;
  for (const m of text.matchAll(re)) out.push({ file, spec: (m[3] ?? m[4])!, typeOnly: m[2] !== undefined });
  return out;
}

/** The core folder a relative import from `file` lands in ('' for files at the src root). */
function targetFolder(imp: Import): string | undefined {
  if (!imp.spec.startsWith('.')) return undefined;
  const abs = join(imp.file, '..', imp.spec);
  const rel = relative(coreSrc, abs);
  if (rel.startsWith('..')) return '<outside core>';
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

function folderOf(file: string): string {
  const parts = relative(coreSrc, file).split(sep);
  return parts.length > 1 ? parts[0]! : '';
}

/** Which core folders each folder may import (the root files errors.ts / defaults.ts are always allowed). */
const ALLOWED: Record<string, readonly string[]> = {
  crypto: [],
  format: ['crypto', 'keyrings:type'],
  stream: ['crypto', 'format', 'keyrings:type'],
  keystore: ['crypto'],
  policy: [],
  audit: ['keystore'],
  iam: ['keystore', 'policy'],
  kms: ['keystore', 'policy', 'audit', 'iam', 'crypto'],
  keyrings: ['crypto', 'format', 'kms', 'stream:type'],
  workflows: ['crypto', 'format', 'stream', 'keyrings', 'kms', 'keystore', 'policy', 'audit', 'iam'],
  config: ['crypto'],
};

describe('architecture', () => {
  const files = sources(coreSrc);

  it('core folders depend inward only', () => {
    const bad: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      if (from === '') continue; // index.ts, api.ts, errors.ts, defaults.ts: the public surface
      const allowed = ALLOWED[from];
      assert.ok(allowed, `no layering rule for packages/core/src/${from}/ — add it to ALLOWED`);
      for (const imp of importsOf(file)) {
        const to = targetFolder(imp);
        if (to === undefined || to === '' || to === from) continue;
        const ok = allowed.includes(to) || (imp.typeOnly && allowed.includes(`${to}:type`));
        if (!ok) bad.push(`${relative(root, file)} imports ${imp.spec}${imp.typeOnly ? ' (type)' : ''}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('the core holds no shell: no HTTP server, argv, process.exit, vscode or CLI imports', () => {
    const bad: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const imp of importsOf(file)) {
        if (/^(vscode|commander|cli-progress|node:https?|@envelope\/cli)$/.test(imp.spec) || targetFolder(imp) === '<outside core>') {
          bad.push(`${relative(root, file)} imports ${imp.spec}`);
        }
      }
      if (/process\.(argv|exit)\b/.test(text)) bad.push(`${relative(root, file)} touches process.argv/exit`);
    }
    assert.deepEqual(bad, []);
  });

  it('only defaults.ts reads the wall clock or the system CSPRNG (clock and random are injected)', () => {
    const bad: string[] = [];
    const forbidden = /\bDate\.now\(|new Date\(\s*\)|\brandomBytes\b|\brandomUUID\b|Math\.random\(/;
    for (const file of [...files, ...sources(join(root, 'packages/cli/src'))]) {
      if (file === join(coreSrc, 'defaults.ts')) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (forbidden.test(line) && !/^\s*(\*|\/\/)/.test(line)) bad.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(bad, []);
  });

  it("'@envelope/core/streams' loads no KMS, keystore, policy engine, pure-JS cipher or native msgpack addon up front", () => {
    // Static imports only: a dynamic import() (the 'noble' backend) loads when it is asked for.
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)) {
        const spec = m[2]!;
        if (spec.startsWith('.')) visit(join(file, '..', spec.replace(/\.js$/, '.ts')));
        else packages.add(spec);
      }
    };
    visit(join(coreSrc, 'streams.ts'));
    const folders = new Set([...seen].map(folderOf));
    for (const heavy of ['kms', 'keystore', 'policy', 'audit', 'iam', 'workflows']) assert.ok(!folders.has(heavy), `streams.ts reaches ${heavy}/`);
    assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')).sort(), ['msgpackr/pack']);
  });

  it("'@envelope/core/config' loads only the config area (no KMS, keystore, policy, streams)", () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)) {
        if (m[2]!.startsWith('.')) visit(join(file, '..', m[2]!.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(coreSrc, 'config.ts'));
    const folders = new Set([...seen].map(folderOf));
    assert.deepEqual([...folders].filter((f) => f !== '' && f !== 'config' && f !== 'crypto'), []);
    assert.deepEqual([...seen].filter((f) => folderOf(f) === 'crypto').map((f) => f.split(sep).pop()).sort(), ['age.ts', 'bech32.ts']);
  });

  it('the extension reaches the core through extension/src/core-adapter.ts only', () => {
    const bad: string[] = [];
    for (const file of sources(join(root, 'extension/src'))) {
      if (file.endsWith(`${sep}core-adapter.ts`)) continue;
      for (const imp of importsOf(file)) {
        if (imp.spec.startsWith('@envelope/core') || imp.spec.includes('packages/core')) bad.push(`${relative(root, file)} imports ${imp.spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });
});
