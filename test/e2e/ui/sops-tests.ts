/**
 * Playwright tests of SOPS config files in the Encrypted Editor (issue 16 item 2) in the real
 * workbench, extension installed from the .vsix, auto save off. A SOPS YAML file made by the CLI
 * (`envelope config encrypt --kms alias/e2e -i`) and committed to a git repository inside the
 * workspace is opened from the explorer: the text editor is replaced by the SOPS editor, which
 * shows the decrypted YAML with YAML token colours and without the `sops` block, and the status bar
 * names the kms key. One value is edited and saved: a real `git diff` shows only that value's line,
 * `lastmodified` and `mac`, and `envelope config decrypt` gives the edited value. "Envelope: Show
 * Decrypted Diff" shows HEAD against the unsaved edits, decrypted, in VS Code's diff editor. The
 * typed text is nowhere on disk (user data, workspace, TMPDIR, browser profile, /tmp) at any step.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PRIMARY_ALIAS } from '../fixture.js';
import { findFilesContaining } from '../scan.js';
import type { UiContext, UiTest } from './ui-tests.js';
import { activeTabDirty, encryptedEditorFrame, explorerRow, focusMonaco, monacoText, quickInput, waitForMonaco } from './workbench.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const DIR = 'sops-repo';
const FILE = 'values.yaml';
const PLAIN = `api_token: E2E-SOPS-TOKEN-1
# the database
database:
  user: app
  password: E2E-SOPS-PW-1
replicas: 3
`;
/** Typed at the end of api_token's value (the plaintext the scans look for). */
const SAVED_MARKER = 'SOPSEDIT4b7e';
const DIRTY_MARKER = 'SOPSDIRTY9c1d';

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The CLI (`npx envelope …` in the repository), a separate process from the extension. */
function envelope(home: string, ...args: string[]): string {
  return run('npx', ['--no-install', 'envelope', ...args], repo, { ENVELOPE_HOME: home, ENVELOPE_REGION: 'us-east-1' });
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

function assertNoPlaintext(ctx: UiContext, marker: string, when: string): void {
  const hits = findFilesContaining([...ctx.scanRoots], marker, { since: ctx.startedAt, extraRoots: ['/tmp'] });
  assert.deepEqual(hits, [], `no plaintext (UTF-8 or UTF-16) of the typed text on disk ${when}`);
}

async function palette(ctx: UiContext, command: string): Promise<void> {
  const { page } = ctx;
  await page.keyboard.press('F1');
  await quickInput(page).waitFor({ state: 'visible' });
  await page.keyboard.type(command);
  await quickInput(page).locator('.monaco-list-row', { hasText: command }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

export const sopsUiTests: UiTest[] = [
  {
    name: 'SOPS YAML (CLI-encrypted, in git) opens decrypted in the SOPS editor: YAML colours, no sops block, keys in the status bar; edit + Ctrl+S → git diff shows only that value, lastmodified and mac; the CLI decrypts the edit; no plaintext on disk',
    async run(ctx) {
      const { page, workspace, home } = ctx;
      const dir = join(workspace, DIR);
      const file = join(dir, FILE);
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, PLAIN);
      envelope(home, 'config', 'encrypt', file, '--kms', PRIMARY_ALIAS, '-i');
      const committed = readFileSync(file, 'utf8');
      assert.match(committed, /^sops:/m);
      assert.equal(committed.includes('E2E-SOPS-TOKEN-1'), false, 'the CLI encrypted the file in place');
      run('git', ['init', '-q'], dir);
      run('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', 'add', FILE], dir);
      run('git', ['-c', 'user.name=e2e', '-c', 'user.email=e2e@example.invalid', 'commit', '-q', '-m', 'sops file'], dir);

      // Explorer: expand the folder, double-click the file (VS Code opens the text editor; the
      // extension sees SOPS content and reopens it in the SOPS editor).
      // The folder was made outside VS Code: refresh the explorer until it shows it.
      for (let i = 0; (await explorerRow(page, DIR).count()) === 0; i++) {
        if (i === 6) throw new Error(`${DIR} does not show in the explorer`);
        await palette(ctx, 'File: Refresh Explorer');
        await explorerRow(page, DIR).first().waitFor({ timeout: 5_000 }).catch(() => undefined);
      }
      await explorerRow(page, DIR).click();
      await explorerRow(page, FILE).first().waitFor({ timeout: 30_000 });
      await explorerRow(page, FILE).first().dblclick();
      await waitForMonaco(page);
      const frame = encryptedEditorFrame(page);
      await until('the decrypted text', async () => (await monacoText(page)).includes('E2E-SOPS-TOKEN-1'), 30_000);
      const shown = await monacoText(page);
      assert.equal(shown.includes('sops'), false, `no sops block shown: ${shown}`);
      assert.equal(shown.includes('ENC['), false, 'no ciphertext shown');
      assert.match(shown, /# the database/, 'comments decrypted and kept');
      // YAML token colours: a key and a string value are rendered in different colours.
      await until('YAML tokenization', async () => (await frame.locator('.view-line span[class*="mtk"]').count()) > 3);
      const spans = await frame.locator('.view-line span[class*="mtk"]').evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', color: getComputedStyle(e).color })));
      const key = spans.find((s) => s.text.includes('api_token'));
      const value = spans.find((s) => s.text.includes('E2E-SOPS-TOKEN-1'));
      const num = spans.find((s) => s.text.trim() === '3');
      assert.ok(key && value && num, `key, value and number tokens rendered: ${JSON.stringify(spans.slice(0, 14))}`);
      assert.notEqual(key.color, value.color, 'a YAML key and a string value have different colours');
      assert.ok(new Set(spans.map((s) => s.color)).size >= 3, `at least 3 token colours (${[...new Set(spans.map((s) => s.color))].join(', ')})`);
      // The banner (in the editor) and the status bar name the key that protects the file.
      const arn = /arn: (arn:aws:kms:\S+)/.exec(committed)?.[1] ?? 'no kms arn in the file';
      assert.match(await frame.locator('header').innerText(), new RegExp(`SOPS yaml.*kms ${arn.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const status = page.locator('[id="envelope.envelope-vscode.envelope.sops"]');
      await until('the SOPS status bar item', async () => /SOPS: kms ×1/.test(await status.innerText().catch(() => '')));
      assert.match(await page.locator('.tabs-container .tab.active').innerText(), /values\.yaml \(SOPS: kms ×1\)/, 'the tab title names the keys');
      await ctx.screenshot('sops-1-open-yaml-colours');

      // Edit api_token's value (line 1) and save.
      await focusMonaco(page, 'Control+Home', 'End');
      await page.keyboard.type(SAVED_MARKER);
      await until('the typed text', async () => (await monacoText(page)).includes(SAVED_MARKER));
      await until('the tab to show modified', () => activeTabDirty(page));
      await page.waitForTimeout(2500); // past VS Code's 1 s backup delay
      assertNoPlaintext(ctx, SAVED_MARKER, 'while the SOPS document is modified');
      await ctx.screenshot('sops-2-edited');
      await page.waitForTimeout(1000); // lastmodified has 1 s resolution
      await page.keyboard.press('Control+s');
      await until('the file to change on disk', () => readFileSync(file, 'utf8') !== committed, 30_000);
      await until('the tab to be clean', async () => !(await activeTabDirty(page)));
      const saved = readFileSync(file, 'utf8');
      assert.equal(saved.includes(SAVED_MARKER), false, 'ciphertext on disk');
      // A real git diff: only api_token's line, lastmodified and mac changed.
      const diff = run('git', ['diff', '--unified=0', '--no-color', '--', FILE], dir);
      const minus = diff.split('\n').filter((l) => l.startsWith('-') && !l.startsWith('---'));
      const plus = diff.split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++'));
      assert.equal(plus.length, 3, `three lines changed:\n${diff}`);
      assert.equal(minus.length, 3, `three lines changed:\n${diff}`);
      assert.match(plus[0]!, /^\+api_token: ENC\[AES256_GCM,/);
      assert.match(plus[1]!, /^\+\s+lastmodified: /);
      assert.match(plus[2]!, /^\+\s+mac: ENC\[AES256_GCM,/);
      mkdirSync(join(repo, '.e2e/artifacts'), { recursive: true });
      writeFileSync(join(repo, '.e2e/artifacts/sops-git-diff.txt'), diff);
      // The CLI reads what the editor wrote.
      assert.equal(envelope(home, 'config', 'decrypt', file, '--extract', '["api_token"]'), `E2E-SOPS-TOKEN-1${SAVED_MARKER}`);
      assert.equal(envelope(home, 'config', 'decrypt', file, '--extract', '["database"]["password"]'), 'E2E-SOPS-PW-1');
      await ctx.screenshot('sops-3-saved');
      await page.waitForTimeout(1000);
      assertNoPlaintext(ctx, SAVED_MARKER, 'after saving the SOPS file');
    },
  },
  {
    name: 'SOPS: Envelope: Show Decrypted Diff → VS Code diff editor with HEAD and the unsaved edit, both decrypted; no plaintext on disk',
    async run(ctx) {
      const { page } = ctx;
      await waitForMonaco(page);
      await focusMonaco(page, 'Control+End');
      await page.keyboard.type(`note: ${DIRTY_MARKER}`);
      await until('the typed text', async () => (await monacoText(page)).includes(DIRTY_MARKER));
      await palette(ctx, 'Envelope: Show Decrypted Diff');
      const diffEditor = page.locator('.monaco-diff-editor').first();
      await diffEditor.waitFor({ timeout: 30_000 });
      // Side by side or inline (narrow windows): the HEAD line and the edited lines are both rendered.
      const text = async () => (await diffEditor.innerText()).replace(/\u00a0/g, ' ');
      await until('both versions decrypted', async () => /E2E-SOPS-TOKEN-1\s*\n/.test(await text()) && (await text()).includes(DIRTY_MARKER), 30_000);
      const shown = await text();
      assert.match(shown, new RegExp(`E2E-SOPS-TOKEN-1${SAVED_MARKER}`), 'the saved edit on the right');
      assert.equal(shown.includes('sops:'), false, 'no sops block in the diff');
      assert.equal(shown.includes('ENC['), false, 'no ciphertext in the diff');
      assert.match(await page.locator('.tabs-container .tab.active').innerText(), /values\.yaml \(decrypted\)/);
      await ctx.screenshot('sops-4-decrypted-diff');
      await page.waitForTimeout(2500);
      assertNoPlaintext(ctx, DIRTY_MARKER, 'with the decrypted diff open and the SOPS document modified');
      assertNoPlaintext(ctx, 'E2E-SOPS-PW-1', 'with the decrypted diff open');
    },
  },
  {
    name: 'SOPS: unsaved edit → window reload → the edit is back in the SOPS editor (tab modified, encrypted backup); no plaintext on disk',
    async run(ctx) {
      const { page } = ctx;
      // The diff tab from the previous test is read-only: closing it asks nothing.
      if (await page.locator('.tabs-container .tab.active', { hasText: '(decrypted)' }).count()) await page.keyboard.press('Control+w').catch(() => undefined);
      await page.locator('.tabs-container .tab', { hasText: /^values\.yaml/ }).first().click();
      await waitForMonaco(page);
      await until('the unsaved edit in the editor', async () => (await monacoText(page)).includes(DIRTY_MARKER));
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ timeout: 150_000 });
      await waitForMonaco(page, 120_000);
      await until('the unsaved edit to come back', async () => (await monacoText(page)).includes(DIRTY_MARKER), 30_000);
      await until('the tab to show modified', () => activeTabDirty(page));
      assert.equal((await monacoText(page)).includes('sops'), false);
      await ctx.screenshot('sops-5-after-reload');
      assertNoPlaintext(ctx, DIRTY_MARKER, 'after a reload with an unsaved SOPS edit');
    },
  },
];
