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
  fsio: [],
  keystore: ['crypto', 'fsio'],
  policy: [],
  audit: ['keystore'],
  iam: ['keystore', 'policy'],
  sts: ['keystore', 'policy', 'iam', 'kms:type'],
  kms: ['keystore', 'policy', 'audit', 'iam', 'crypto'],
  keyrings: ['crypto', 'format', 'kms', 'stream:type'],
  workflows: ['crypto', 'format', 'stream', 'keyrings', 'kms', 'keystore', 'policy', 'audit', 'iam', 'fsio'],
  config: ['crypto'],
};

/**
 * The files reached from `entry` through static, non-type imports (a dynamic import() loads only
 * when asked for), and the packages they import; `workspace` maps package names to source files.
 */
function staticImportsFrom(entry: string, workspace: Record<string, string> = {}): { seen: Set<string>; packages: Set<string> } {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?from\s+'([^']+)'/gm)) {
      const spec = m[2]!;
      if (spec.startsWith('.')) visit(join(file, '..', spec.replace(/\.js$/, '.ts')));
      else if (workspace[spec] !== undefined) visit(workspace[spec]);
      else packages.add(spec);
    }
  };
  visit(entry);
  return { seen, packages };
}

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

  /** The files and outside packages a module reaches through static imports (a dynamic import() loads when asked for). */
  function staticImports(entry: string): { files: Set<string>; packages: string[] } {
    const { seen, packages } = staticImportsFrom(entry);
    return { files: seen, packages: [...packages].sort() };
  }
  function staticClosure(entry: string): { seen: Set<string>; folders: Set<string>; packages: string[] } {
    const { files, packages } = staticImports(join(coreSrc, entry));
    return { seen: files, folders: new Set([...files].map(folderOf)), packages };
  }
  const HEAVY = ['kms', 'keystore', 'policy', 'audit', 'iam', 'workflows'];

  it("'@envelope/core/streams' loads no KMS, keystore, policy engine, pure-JS cipher or native msgpack addon up front", () => {
    const { folders, packages } = staticClosure('streams.ts');
    for (const heavy of HEAVY) assert.ok(!folders.has(heavy), `streams.ts reaches ${heavy}/`);
    assert.deepEqual(packages.filter((p) => !p.startsWith('node:')), ['msgpackr/pack']);
  });

  it("'@envelope/core/web-streams' loads nothing Node-specific and no KMS, keystore or policy engine up front", () => {
    const { folders, packages } = staticClosure('web-streams.ts');
    for (const heavy of HEAVY) assert.ok(!folders.has(heavy), `web-streams.ts reaches ${heavy}/`);
    assert.deepEqual(packages.filter((p) => p.startsWith('node:')), []);
  });

  it("'@envelope/core/local-kms' loads no workflows, streams, pure-JS cipher or AWS SDK up front", () => {
    const { folders, packages } = staticClosure('local-kms.ts');
    for (const heavy of ['workflows', 'stream']) assert.ok(!folders.has(heavy), `local-kms.ts reaches ${heavy}/`);
    assert.deepEqual(packages.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@noble/ciphers') || p === 'msgpackr'), []);
  });

  it('the CLI loads command modules and the core on demand: run.ts reaches only commander, its own helpers and @envelope/core/errors', () => {
    const cliSrc = join(root, 'packages/cli/src');
    const { files, packages } = staticImports(join(cliSrc, 'main.ts'));
    const reached = [...files].map((f) => relative(cliSrc, f).split(sep).join('/')).sort();
    assert.deepEqual(reached.filter((f) => f.startsWith('commands/')), ['commands/config-commands.ts', 'commands/workflow-commands.ts']);
    assert.deepEqual(packages.filter((p) => !p.startsWith('node:')), ['@envelope/core/errors', 'commander']);
  });

  it('each package exports an explicit map of built entry points (no wildcard, no TypeScript at run time)', () => {
    for (const pkg of ['core', 'cli']) {
      const json = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      for (const [subpath, target] of Object.entries(json.exports)) {
        assert.ok(!subpath.includes('*'), `${pkg} exports ${subpath}`);
        if (typeof target === 'string') continue; // ./package.json
        const t = target as Record<string, string>;
        assert.deepEqual(Object.keys(t), ['@envelope/source', 'types', 'default'], `${pkg} ${subpath}`);
        assert.match(t['default']!, /^\.\/dist\/[\w/-]+\.js$/);
        assert.equal(t['types'], t['default']!.replace(/\.js$/, '.d.ts'));
        assert.equal(t['@envelope/source'], t['default']!.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts'));
      }
    }
  });

  it('the CLI and the core load no @aws-sdk package up front (only a remote KMS imports it, dynamically)', () => {
    // `envelope --version` and every embedded-keystore command never load the AWS SDK.
    // Every public entry of the core maps to its source; each command module is walked too (they
    // load on demand, and none of them may pull the SDK in with it).
    const coreExports = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const workspace: Record<string, string> = {};
    for (const [sub, target] of Object.entries(coreExports.exports)) {
      if (typeof target !== 'string') workspace[join('@envelope/core', sub)] = join(root, 'packages/core', (target as Record<string, string>)['@envelope/source']!);
    }
    const cliSrc = join(root, 'packages/cli/src');
    const entries = [join(cliSrc, 'main.ts'), ...readdirSync(join(cliSrc, 'commands')).map((f) => join(cliSrc, 'commands', f))];
    const seen = new Set<string>();
    const packages = new Set<string>();
    for (const entry of entries) {
      const walk = staticImportsFrom(entry, workspace);
      walk.seen.forEach((f) => seen.add(f));
      walk.packages.forEach((p) => packages.add(p));
    }
    assert.ok(seen.has(join(coreSrc, 'kms/remote-kms.ts')), 'the walk reaches the remote KMS module');
    assert.deepEqual([...packages].filter((p) => p.startsWith('@aws-sdk/')), []);
  });

  it("'@envelope/core/config' loads only the config area (no KMS, keystore, policy, streams)", () => {
    const { seen, folders } = staticClosure('config.ts');
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
