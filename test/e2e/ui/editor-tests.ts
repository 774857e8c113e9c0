/**
 * Playwright tests of the Encrypted Editor (issue 16) in the real workbench, with the extension
 * installed from the .vsix and files.autoSave off: Monaco shows config.json.enc with JSON token
 * colours (asserted on the rendered spans), Ctrl+F opens find, typing then Ctrl+Z undoes, an
 * invalid edit gets an error marker, Ctrl+S writes ciphertext that the CLI decrypts to the edited
 * text, unsaved edits survive window reloads (encrypted backups) with no plaintext anywhere on
 * disk (UTF-8 and UTF-16), and with auto save on a document that does not parse is not written.
 * Every step leaves a screenshot in .e2e/artifacts/.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { CONFIG_CONTEXT, decryptBytes, encryptText, PRIMARY_ALIAS } from '../fixture.js';
import { findFilesContaining } from '../scan.js';
import type { UiContext, UiTest } from './ui-tests.js';
import { activeTabDirty, encryptedEditorFrame, explorerRow, focusMonaco, monacoText, waitForMonaco, waitForWorkbench } from './workbench.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAGIC = Buffer.from([0x89, 0x45, 0x4e, 0x56]);
const SAVED_MARKER = 'UI-SAVED-MARKER-5d1e';
const DIRTY_MARKER = 'UI-DIRTY-MARKER-8c2f';
/** 20 reloads (issue 16); ENVELOPE_E2E_RELOADS lowers it when CI time is short. */
const RELOADS = Number(process.env['ENVELOPE_E2E_RELOADS'] ?? 20);

/** The CLI (`npx envelope decrypt … -o -`): an implementation the extension does not share a process with. */
function cliDecrypt(home: string, file: string): string {
  const r = spawnSync('npx', ['--no-install', 'envelope', 'decrypt', file, '-o', '-'], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, ENVELOPE_HOME: home, ENVELOPE_REGION: 'us-east-1' },
    timeout: 60_000,
  });
  if (r.status !== 0) throw new Error(`envelope decrypt failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

async function pollFile(path: string, accept: (b: Buffer) => boolean, timeoutMs = 30_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const b = readFileSync(path);
    if (accept(b)) return b;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function openConfig(page: Page): Promise<void> {
  await explorerRow(page, 'config.json.enc').dblclick();
  await waitForMonaco(page);
}

/** Reloads the window (accepting the browser's "leave site?" prompt, as a user choosing Reload would). */
async function reloadWindow(page: Page): Promise<void> {
  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitForWorkbench(page);
}

function assertNoPlaintext(ctx: UiContext, marker: string, when: string): void {
  const hits = findFilesContaining([...ctx.scanRoots], marker, { since: ctx.startedAt, extraRoots: ['/tmp'] });
  assert.deepEqual(hits, [], `no plaintext (UTF-8 or UTF-16) of the typed text on disk ${when}`);
}

export const editorUiTests: UiTest[] = [
  {
    name: 'open config.json.enc → Monaco shows the JSON with token colours (spans of different colours in the DOM)',
    async run(ctx) {
      const { page } = ctx;
      await openConfig(page);
      const frame = encryptedEditorFrame(page);
      assert.match(await monacoText(page), /E2E-SECRET-TOKEN-7f3a9c/);
      // Monaco renders each token as <span class="mtkN">; JSON keys, strings and punctuation differ.
      await until('JSON tokenization', async () => (await frame.locator('.view-line span[class*="mtk"]').count()) > 3);
      const spans = await frame.locator('.view-line span[class*="mtk"]').evaluateAll((els) =>
        els.map((e) => ({ text: e.textContent ?? '', cls: e.className, color: getComputedStyle(e).color })),
      );
      const key = spans.find((s) => s.text.includes('"database"'));
      const value = spans.find((s) => s.text.includes('postgres://'));
      const brace = spans.find((s) => s.text.trim() === '{');
      assert.ok(key && value && brace, `key, value and brace tokens rendered: ${JSON.stringify(spans.slice(0, 12))}`);
      assert.notEqual(key.color, value.color, 'a JSON key and a string value have different colours');
      assert.ok(new Set(spans.map((s) => s.color)).size >= 3, `at least 3 token colours (${[...new Set(spans.map((s) => s.color))].join(', ')})`);
      await ctx.screenshot('editor-1-json-colours');
    },
  },
  {
    name: 'Ctrl+F in the Encrypted Editor opens find and finds the match',
    async run(ctx) {
      const { page } = ctx;
      const frame = encryptedEditorFrame(page);
      await focusMonaco(page, 'Control+Home');
      await page.keyboard.press('Control+f');
      await frame.locator('.find-widget.visible').waitFor({ timeout: 10_000 });
      await page.keyboard.type('apiToken');
      await until('the match count', async () => /1 of 1/.test(await frame.locator('.find-widget .matchesCount').innerText()));
      await ctx.screenshot('editor-2-find');
      await page.keyboard.press('Escape');
      await frame.locator('.find-widget.visible').waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
    },
  },
  {
    name: 'typing then Ctrl+Z undoes the typing (and the tab modified state follows the edit)',
    async run(ctx) {
      const { page } = ctx;
      const before = await monacoText(page);
      await focusMonaco(page, 'Control+Home', 'End');
      await page.keyboard.type(' UNDO-ME');
      await until('the typed text', async () => (await monacoText(page)).includes('UNDO-ME'));
      await until('the tab to show modified', () => activeTabDirty(page));
      await ctx.screenshot('editor-3-typed');
      await page.keyboard.press('Control+z');
      await until('the undo', async () => !(await monacoText(page)).includes('UNDO-ME'));
      assert.equal(await monacoText(page), before);
      await ctx.screenshot('editor-3-undone');
    },
  },
  {
    name: 'an invalid JSON edit shows an error marker in the editor and in VS Code Problems',
    async run(ctx) {
      const { page } = ctx;
      const frame = encryptedEditorFrame(page);
      await focusMonaco(page, 'Control+Home', 'End');
      await page.keyboard.type(' ,,');
      await frame.locator('.squiggly-error').first().waitFor({ timeout: 20_000 });
      // The Problems count in the status bar (diagnostics of the .enc file, no text quoted).
      await until('a problem in the status bar', async () => /[1-9]/.test(await page.locator('[id="status.problems"]').innerText()));
      await ctx.screenshot('editor-4-problem');
      await page.keyboard.press('Control+z');
      await until('the undo', async () => !(await monacoText(page)).includes(',,'));
      await frame.locator('.squiggly-error').first().waitFor({ state: 'detached', timeout: 20_000 });
    },
  },
  {
    name: 'a valid edit → Ctrl+S → ciphertext on disk, the CLI decrypts it to the edited text; no plaintext on disk while dirty or after saving',
    async run(ctx) {
      const { page, workspace, home } = ctx;
      const file = join(workspace, 'config.json.enc');
      const before = readFileSync(file);
      await focusMonaco(page, 'Control+Home', 'End', 'Enter');
      await page.keyboard.type(`"saved": "${SAVED_MARKER}",`);
      await until('the typed text', async () => (await monacoText(page)).includes(SAVED_MARKER));
      await page.waitForTimeout(2500); // past VS Code's 1 s backup delay
      assertNoPlaintext(ctx, SAVED_MARKER, 'while the document is modified');
      await page.keyboard.press('Control+s');
      const after = await pollFile(file, (b) => !b.equals(before));
      assert.deepEqual(after.subarray(0, 4), MAGIC);
      assert.equal(after.includes(Buffer.from(SAVED_MARKER)), false);
      const text = cliDecrypt(home, file);
      assert.match(text, new RegExp(`"saved": "${SAVED_MARKER}",`));
      assert.deepEqual(JSON.parse(text).saved, SAVED_MARKER, 'the saved text is valid JSON with the edit');
      assert.deepEqual((await decryptBytes(home, after)).context, CONFIG_CONTEXT, 'same encryption context');
      await until('the tab to be clean', async () => !(await activeTabDirty(page)));
      await ctx.screenshot('editor-5-saved');
      await page.waitForTimeout(1000);
      assertNoPlaintext(ctx, SAVED_MARKER, 'after saving');
    },
  },
  {
    name: 'unsaved edit → window reload → the edit is back (tab modified, from the encrypted backup); no plaintext under user data, workspace or TMPDIR',
    async run(ctx) {
      const { page } = ctx;
      await focusMonaco(page, 'Control+Home', 'End', 'Enter');
      await page.keyboard.type(`"dirty": "${DIRTY_MARKER}",`);
      await until('the typed text', async () => (await monacoText(page)).includes(DIRTY_MARKER));
      await page.waitForTimeout(2500);
      assertNoPlaintext(ctx, DIRTY_MARKER, 'while modified');
      await reloadWindow(page);
      await waitForMonaco(page, 120_000);
      await until('the unsaved edit to come back', async () => (await monacoText(page)).includes(DIRTY_MARKER), 30_000);
      await until('the tab to show modified', () => activeTabDirty(page));
      await ctx.screenshot('editor-6-after-reload');
      assertNoPlaintext(ctx, DIRTY_MARKER, 'after the reload');
    },
  },
  {
    name: `${RELOADS} reloads at random delays of 0.2–5 s after typing: no edit lost`,
    timeoutMs: 60_000 + RELOADS * 90_000,
    async run(ctx) {
      const { page } = ctx;
      const lost: string[] = [];
      const delays: number[] = [];
      for (let i = 0; i < RELOADS; i++) {
        const marker = `RELOAD-${i}-${Math.random().toString(36).slice(2, 8)}`;
        await waitForMonaco(page, 120_000);
        await focusMonaco(page, 'Control+Home', 'End', 'Enter');
        await page.keyboard.type(`"r${i}": "${marker}",`);
        const delay = 200 + Math.floor(Math.random() * 4800);
        delays.push(delay);
        await page.waitForTimeout(delay);
        await reloadWindow(page);
        await waitForMonaco(page, 120_000);
        const back = await until('the edit', async () => (await monacoText(page)).includes(marker), 20_000).then(
          () => true,
          () => false,
        );
        if (!back) {
          lost.push(`${marker} after ${delay} ms`);
          await ctx.screenshot(`editor-7-lost-${i}`);
        }
      }
      await ctx.screenshot('editor-7-after-reloads');
      process.stdout.write(`      reload delays (ms): ${delays.join(', ')}\n`);
      assert.deepEqual(lost, [], `edits lost in ${RELOADS} reloads`);
    },
  },
  {
    name: 'Revert File discards the unsaved edits and their encrypted backup',
    async run(ctx) {
      const { page, workspace, home } = ctx;
      await page.keyboard.press('F1');
      await page.keyboard.type('>File: Revert File');
      await page.keyboard.press('Enter');
      await until('the tab to be clean', async () => !(await activeTabDirty(page)));
      const onDisk = (await decryptBytes(home, readFileSync(join(workspace, 'config.json.enc')))).text;
      await until('the editor to show the saved text', async () => (await monacoText(page)).includes(SAVED_MARKER) && !(await monacoText(page)).includes('RELOAD-'));
      assert.match(onDisk, new RegExp(SAVED_MARKER));
    },
  },
  {
    name: 'auto save on: a JSON document that does not parse is not written (tab stays modified, problem shown); once it parses it is saved',
    knownFailure: 'on main after 2026-12-03 19:40 the file on disk changes while the document does not parse (issue 16, under investigation)',
    async run(ctx) {
      const { page, workspace, home } = ctx;
      const settings = join(workspace, '.vscode/settings.json');
      mkdirSync(dirname(settings), { recursive: true });
      writeFileSync(settings, JSON.stringify({ 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': 500 }));
      const file = join(workspace, 'config.json.enc');
      try {
        await page.waitForTimeout(1500); // the workbench picks up the folder settings
        const before = readFileSync(file);
        await waitForMonaco(page);
        // After the `{` of line 1 (no Enter first: an empty new line is still valid JSON, and a slow
        // machine's auto save could write that state before the first quote is typed).
        await focusMonaco(page, 'Control+Home', 'End');
        await page.keyboard.type('"half": ');
        await page.waitForTimeout(3000); // several auto-save delays
        assert.ok(readFileSync(file).equals(before), 'the file on disk is unchanged');
        assert.equal(await activeTabDirty(page), true, 'the tab stays modified');
        await encryptedEditorFrame(page).locator('.squiggly-error').first().waitFor({ timeout: 10_000 });
        await ctx.screenshot('editor-8-autosave-invalid');
        await page.keyboard.type('"done",');
        const after = await pollFile(file, (b) => !b.equals(before), 15_000);
        assert.equal(JSON.parse((await decryptBytes(home, after)).text).half, 'done');
        await until('the tab to be clean', async () => !(await activeTabDirty(page)));
        await ctx.screenshot('editor-8-autosave-valid');
      } finally {
        rmSync(join(workspace, '.vscode'), { recursive: true, force: true });
        await page.waitForTimeout(1000);
      }
    },
  },
  {
    name: 'values.yaml.enc opens as YAML; a YAML error is marked',
    async run(ctx) {
      const { page, workspace, home } = ctx;
      writeFileSync(join(workspace, 'values.yaml.enc'), await encryptText(home, PRIMARY_ALIAS, 'replicas: 2\nimage:\n  tag: "1.0"\n', {}));
      await until('the explorer row', async () => (await explorerRow(page, 'values.yaml.enc').count()) > 0);
      await explorerRow(page, 'values.yaml.enc').dblclick();
      await waitForMonaco(page);
      const frame = encryptedEditorFrame(page);
      await until('the YAML text', async () => (await monacoText(page)).includes('replicas'));
      await until('YAML tokens', async () => (await frame.locator('.view-line span[class*="mtk"]').count()) > 2);
      await focusMonaco(page, 'Control+End');
      await page.keyboard.type('bad: a: b');
      await frame.locator('.squiggly-error').first().waitFor({ timeout: 20_000 });
      await ctx.screenshot('editor-9-yaml-problem');
      await page.keyboard.press('Control+z');
      await page.keyboard.press('Control+w'); // close: nothing saved (auto save is off again)
      const dialog = page.locator('.monaco-dialog-box');
      if (await dialog.waitFor({ timeout: 3_000 }).then(() => true, () => false)) await dialog.getByRole('button', { name: /Don't Save/ }).click();
    },
  },
];
