/**
 * Playwright UI tests against the real workbench (issue #6): explorer right-click Encrypt (with
 * the key QuickPick and the context input), the Encrypted Editor (editor-tests.ts), and Decrypt
 * from the editor's context menu.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, createWriteStream, existsSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CONFIG_CONTEXT, decryptBytes, PRIMARY_ALIAS, SECRET_TEXT } from '../fixture.js';
import { findFilesContaining } from '../scan.js';
import { editorUiTests } from './editor-tests.js';
import { sopsUiTests } from './sops-tests.js';
import { clickNotificationButton, contextMenuClick, encryptedEditorFrame, explorerRow, quickInput, waitForMonaco, waitForNotification } from './workbench.js';

export interface UiContext {
  readonly page: Page;
  readonly workspace: string;
  readonly home: string;
  /** Everything scanned for plaintext: the run's temp root and the browser profile. */
  readonly scanRoots: readonly string[];
  /** When the run started (files in /tmp older than this are not the run's). */
  readonly startedAt: number;
  /** Saves a screenshot of the page to .e2e/artifacts/<name>.png. */
  screenshot(name: string): Promise<void>;
}

export interface UiTest {
  readonly name: string;
  /** Longer than the default per-test timeout (the reload series). */
  readonly timeoutMs?: number;
  /** Set while a known defect makes this test fail: the runner prints it as skipped with this reason. */
  readonly knownFailure?: string;
  run(ctx: UiContext): Promise<void>;
}

const MAGIC = Buffer.from([0x89, 0x45, 0x4e, 0x56]);

async function pollFile(path: string, accept: (b: Buffer) => boolean, timeoutMs = 30_000): Promise<Buffer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(path)) {
      const b = readFileSync(path);
      if (accept(b)) return b;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const uiTests: UiTest[] = [
  {
    name: 'Envelope activity-bar view lists the keys with aliases and state; the status bar names profile and keystore',
    async run({ page, home }) {
      await page.locator('.activitybar [aria-label^="Envelope"]').first().click();
      const row = page.locator('.monaco-list-row', { hasText: PRIMARY_ALIAS }).first();
      await row.waitFor({ timeout: 30_000 });
      assert.match(await row.innerText(), /Enabled/);
      await row.click();
      await page.keyboard.press('ArrowRight');
      await page.locator('.monaco-list-row', { hasText: 'Versions' }).first().waitFor({ timeout: 15_000 });
      const status = page.locator('[id="envelope.envelope-vscode.envelope.status"]');
      assert.match(await status.innerText(), new RegExp(`default · ${home.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
    },
  },
  {
    name: 'explorer right-click → Envelope: Encrypt File… → key QuickPick → context → secret.txt.enc on disk',
    async run({ page, workspace, home }) {
      await contextMenuClick(page, explorerRow(page, 'secret.txt'), /Encrypt File/);
      const qi = quickInput(page);
      await qi.waitFor({ state: 'visible' });
      await page.keyboard.type(PRIMARY_ALIAS);
      await qi.locator('.monaco-list-row', { hasText: PRIMARY_ALIAS }).first().waitFor();
      await page.keyboard.press('Enter');
      await qi.getByText(/Encryption context/).waitFor();
      await page.keyboard.type('purpose=ui-test');
      await page.keyboard.press('Enter');
      const bytes = await pollFile(join(workspace, 'secret.txt.enc'), (b) => b.length > 4 && b.subarray(0, 4).equals(MAGIC));
      assert.equal(bytes.includes(Buffer.from(SECRET_TEXT.trim())), false);
      const out = await decryptBytes(home, bytes);
      assert.equal(out.text, SECRET_TEXT);
      assert.deepEqual(out.context, { purpose: 'ui-test' });
      await waitForNotification(page, /encrypted secret\.txt\.enc/);
    },
  },
  {
    name: 'explorer multi-select (Ctrl+click) → Encrypt File… → the last-used key is offered first → every selected file encrypted',
    async run({ page, workspace, home }) {
      await explorerRow(page, 'multi-a.txt').click();
      await explorerRow(page, 'multi-b.txt').click({ modifiers: ['Control'] });
      await contextMenuClick(page, explorerRow(page, 'multi-b.txt'), /Encrypt File/);
      const qi = quickInput(page);
      const first = qi.locator('.monaco-list-row').first();
      await first.waitFor({ state: 'visible' });
      assert.match(await first.innerText(), new RegExp(PRIMARY_ALIAS), 'the key used last is first');
      await page.keyboard.press('Enter');
      await qi.getByText(/Encryption context/).waitFor();
      await page.keyboard.press('Enter');
      for (const name of ['multi-a.txt', 'multi-b.txt']) {
        const bytes = await pollFile(join(workspace, `${name}.enc`), (b) => b.length > 4 && b.subarray(0, 4).equals(MAGIC));
        assert.equal((await decryptBytes(home, bytes)).text, `${name} plaintext\n`);
      }
    },
  },
  {
    name: 'envelope.afterEncrypt "ask": Encrypt notes.md → the notification offers Delete Original → the plaintext original is removed, notes.md.enc stays',
    async run({ page, workspace, home }) {
      await contextMenuClick(page, explorerRow(page, 'notes.md'), /Encrypt File/);
      const qi = quickInput(page);
      await qi.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
      await page.keyboard.press('Enter');
      await qi.getByText(/Encryption context/).waitFor();
      await page.keyboard.press('Enter');
      const bytes = await pollFile(join(workspace, 'notes.md.enc'), (b) => b.length > 4 && b.subarray(0, 4).equals(MAGIC));
      assert.equal(existsSync(join(workspace, 'notes.md')), true, 'kept until the question is answered');
      await clickNotificationButton(page, /Delete the plaintext original notes\.md\?/, 'Delete Original');
      const deadline = Date.now() + 15_000;
      while (existsSync(join(workspace, 'notes.md')) && Date.now() < deadline) await page.waitForTimeout(200);
      assert.equal(existsSync(join(workspace, 'notes.md')), false, 'the original was removed');
      assert.equal((await decryptBytes(home, bytes)).text, '# notes\n\nnothing secret here\n');
    },
  },
  {
    name: 'Cancel on the progress notification stops a long encrypt and leaves no output or temp file',
    async run({ page, workspace }) {
      // A FIFO fed slowly stands in for a very large file: the encrypt cannot finish before Cancel.
      const fifo = join(workspace, 'slow.pipe');
      const made = spawnSync('mkfifo', [fifo]);
      assert.equal(made.status, 0, 'mkfifo');
      let opened = false;
      const writer = createWriteStream(fifo);
      writer.on('open', () => (opened = true));
      writer.on('error', () => undefined);
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const timer = setInterval(() => {
        if (writer.writable && writer.writableLength < 1 << 20) writer.write(chunk);
      }, 50);
      const temps = () => readdirSync(workspace).filter((f) => f.startsWith('.slow.pipe.') && f.endsWith('.envelope-tmp'));
      try {
        await contextMenuClick(page, explorerRow(page, 'slow.pipe'), /Encrypt File/);
        const qi = quickInput(page);
        await qi.locator('.monaco-list-row').first().waitFor({ state: 'visible' });
        await page.keyboard.press('Enter');
        await qi.getByText(/Encryption context/).waitFor();
        await page.keyboard.press('Enter');
        const deadline = Date.now() + 15_000;
        while (temps().length === 0 && Date.now() < deadline) await page.waitForTimeout(100);
        assert.equal(temps().length, 1, 'the encrypt is under way (writing its temp file)');
        await clickNotificationButton(page, /Encrypt slow\.pipe/, 'Cancel');
        const gone = Date.now() + 15_000;
        while (temps().length > 0 && Date.now() < gone) await page.waitForTimeout(100);
        assert.deepEqual(temps(), [], 'the temp file is removed on cancel');
        assert.equal(existsSync(join(workspace, 'slow.pipe.enc')), false, 'no output file');
      } finally {
        clearInterval(timer);
        writer.destroy();
        if (!opened) {
          // Unblock a writer still waiting for a reader, so the runner can exit.
          try {
            closeSync(openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK));
          } catch {
            /* already gone */
          }
        }
        rmSync(fifo, { force: true });
      }
    },
  },
  {
    name: 'explorer right-click → Decrypt File on a key whose policy denies kms:Decrypt → AccessDeniedException notification with the reason, no output',
    async run({ page, workspace }) {
      await contextMenuClick(page, explorerRow(page, 'denied.txt.enc'), /Decrypt File/);
      await waitForNotification(page, /AccessDeniedException: .*kms:Decrypt.*NoDecryptForE2E/);
      await page.waitForTimeout(500);
      assert.equal(existsSync(join(workspace, 'denied.txt')), false, 'no output file');
    },
  },
  ...editorUiTests,
  {
    name: 'Encrypted Editor context menu → Envelope: Decrypt File → config.json on disk',
    async run({ page, workspace }) {
      await waitForMonaco(page);
      const lines = encryptedEditorFrame(page).locator('.monaco-editor .view-lines').first();
      await contextMenuClick(page, lines, /Decrypt File/);
      const plain = await pollFile(join(workspace, 'config.json'), (b) => b.length > 0);
      assert.match(plain.toString('utf8'), /"saved": "UI-SAVED-MARKER-5d1e"/);
      await waitForNotification(page, /decrypted to config\.json/);
    },
  },
  ...sopsUiTests,
];

/** Run in a workspace whose settings point at a keystore home that does not exist yet. */
export const freshWorkspaceTests: UiTest[] = [
  {
    name: 'no configuration: right-click Encrypt → one-time "Create Keystore" confirmation → first key created → file encrypted',
    async run({ page, workspace, home }) {
      assert.equal(existsSync(join(home, 'keystore.msgpack')), false);
      await contextMenuClick(page, explorerRow(page, 'secret.txt'), /Encrypt File/);
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 30_000 });
      assert.match(await dialog.innerText(), /create the embedded keystore/);
      await dialog.getByRole('button', { name: 'Create Keystore' }).click();
      const qi = quickInput(page);
      await qi.getByText(/no enabled key/).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter'); // accept the proposed alias
      await qi.getByText(/Encryption context/).waitFor();
      await page.keyboard.press('Enter'); // no context
      const bytes = await pollFile(join(workspace, 'secret.txt.enc'), (b) => b.length > 4 && b.subarray(0, 4).equals(MAGIC));
      assert.equal(existsSync(join(home, 'keystore.msgpack')), true, 'the keystore was created after the confirmation');
      assert.equal((await decryptBytes(home, bytes)).text, SECRET_TEXT);
    },
  },
];
