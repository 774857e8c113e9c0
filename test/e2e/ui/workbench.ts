/**
 * Playwright helpers for the code-server workbench (selectors measured in
 * /work/shared/e2e-vscode.md): explorer rows, context menus (retried: extension menus register a
 * few seconds after the workbench shows), the quick input, notifications and webview frames.
 */
import type { FrameLocator, Locator, Page } from 'playwright-core';

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ timeout: 150_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 150_000 });
  // The extension's contributions (menus, the Encrypted Editor, the Keys view) are registered once
  // its activity-bar container shows.
  await page.locator('.activitybar [aria-label^="Envelope"]').first().waitFor({ timeout: 150_000 });
}

export function explorerRow(page: Page, name: string): Locator {
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(name)}$`) }) });
}

/** Right-clicks `target` until the context menu offers `item`, then clicks it. */
export async function contextMenuClick(page: Page, target: Locator, item: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await target.click({ button: 'right' });
    const menuItem = page.getByRole('menuitem', { name: item });
    try {
      await menuItem.first().waitFor({ state: 'visible', timeout: 2_000 });
      await menuItem.first().click();
      // Menus opened from a webview sometimes ignore the synthetic click: choose by keyboard then.
      const closed = await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 1_000 }).then(() => true, () => false);
      if (!closed) {
        await menuItem.first().hover({ timeout: 2_000 }).catch(() => undefined);
        await page.keyboard.press('Enter');
      }
      return;
    } catch (e) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`context menu item ${String(item)} did not appear: ${(e as Error).message}`);
      await page.waitForTimeout(750);
    }
  }
}

export function quickInput(page: Page): Locator {
  return page.locator('.quick-input-widget');
}

/**
 * Waits for a notification: as a toast, or (headless windows often skip toasts) in the
 * notification center opened from the status bar bell, which is closed again afterwards.
 */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 20_000): Promise<void> {
  const toast = page.locator('.notification-toast').filter({ hasText: text }).first();
  if (await toast.waitFor({ timeout: 2_000 }).then(() => true, () => false)) return;
  await page.locator('[id="status.notifications"]').click();
  try {
    await page.locator('.notifications-center .notification-list-item').filter({ hasText: text }).first().waitFor({ timeout: timeoutMs });
  } finally {
    await page.keyboard.press('Escape');
  }
}

/** Clicks a button (e.g. Cancel of a progress notification) of the notification matching `text`. */
export async function clickNotificationButton(page: Page, text: string | RegExp, button: string): Promise<void> {
  const toast = page.locator('.notification-toast').filter({ hasText: text }).first();
  if (await toast.waitFor({ timeout: 2_000 }).then(() => true, () => false)) {
    await toast.getByRole('button', { name: button }).click();
    return;
  }
  await page.locator('[id="status.notifications"]').click();
  const item = page.locator('.notifications-center .notification-list-item').filter({ hasText: text }).first();
  await item.waitFor({ timeout: 15_000 });
  await item.getByRole('button', { name: button }).click();
  await page.keyboard.press('Escape');
}

/** The Encrypted Editor's inner webview document (VS Code nests the content in a second iframe). */
export function encryptedEditorFrame(page: Page): FrameLocator {
  // Hidden editors keep their webview (retainContextWhenHidden): take the visible one.
  return page.locator('iframe.webview.ready:visible').first().contentFrame().locator('iframe#active-frame').contentFrame();
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The Encrypted Editor's Monaco editor inside its webview. */
export function monacoEditor(page: Page): Locator {
  return encryptedEditorFrame(page).locator('.monaco-editor').first();
}

/** Waits for the Encrypted Editor's Monaco page to be initialised with the document. */
export async function waitForMonaco(page: Page, timeoutMs = 90_000): Promise<void> {
  try {
    await encryptedEditorFrame(page).locator('body[data-ready="true"] .monaco-editor .view-lines').first().waitFor({ timeout: timeoutMs });
  } catch (e) {
    // Say what the page had instead: the webview iframes and the frames' documents.
    const iframes = await page.locator('iframe').evaluateAll((els) => els.map((el) => `${el.className}|${el.id}|${(el as HTMLElement).offsetWidth}x${(el as HTMLElement).offsetHeight}`));
    const frames = await Promise.all(
      page.frames().map(async (f) => {
        const info = await f
          .evaluate(() => ({
            ready: document.body?.dataset['ready'] ?? '-',
            title: document.title,
            editor: document.getElementById('editor') !== null,
            monaco: document.querySelectorAll('.monaco-editor').length,
            scripts: Array.from(document.scripts).map((s) => s.src.slice(-40)).join('+'),
          }))
          .catch((e: Error) => ({ error: e.message.slice(0, 60) }));
        return `${f.url().slice(-60)} ${JSON.stringify(info)}`;
      }),
    );
    throw new Error(`${(e as Error).message.split('\n')[0]}; iframes: ${iframes.join(', ')}; frames: ${frames.join(' ; ')}`);
  }
}

/** The visible text of the Monaco editor (its rendered lines; Monaco renders spaces as U+00A0). */
export async function monacoText(page: Page): Promise<string> {
  const t = await encryptedEditorFrame(page).locator('.monaco-editor .view-lines').first().innerText();
  return t.replace(/\u00a0/g, ' ');
}

/** Clicks into the Monaco editor (focus) and moves the cursor with `keys` (e.g. Control+End). */
export async function focusMonaco(page: Page, ...keys: string[]): Promise<void> {
  await encryptedEditorFrame(page).locator('.monaco-editor .view-lines').first().click();
  for (const k of keys) await page.keyboard.press(k);
}

/** The active editor tab shows the modified dot. */
export async function activeTabDirty(page: Page): Promise<boolean> {
  return (await page.locator('.tabs-container .tab.active.dirty').count()) > 0;
}
