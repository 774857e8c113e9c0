/**
 * The `Ui` of the command handlers (ui.ts) implemented with the VS Code API: QuickPick,
 * InputBox, modal messages, cancellable progress notifications and untitled documents.
 */
import * as vscode from 'vscode';
import type { KeyChoice } from './key-choices.js';
import type { InputOptions, ProgressReporter, Ui } from './ui.js';

const TYPE_KEY = '$(edit) Enter a key id, ARN or alias…';

export class VscodeUi implements Ui {
  async pickKey(choices: readonly KeyChoice[], title: string): Promise<string | undefined> {
    const items: (vscode.QuickPickItem & { keyId?: string })[] = choices.map((c) => ({
      label: c.label,
      description: c.description,
      ...(c.detail !== undefined ? { detail: c.detail } : {}),
      keyId: c.keyId,
    }));
    items.push({ label: TYPE_KEY, alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, {
      title,
      placeHolder: 'Key to encrypt with (last used first)',
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    if (picked === undefined) return undefined;
    if (picked.keyId !== undefined) return picked.keyId;
    const typed = await this.input({
      title,
      prompt: 'Key id, key ARN, alias name (alias/…) or alias ARN',
      validate: (v) => (v.trim() === '' ? 'a key is required' : undefined),
    });
    return typed?.trim();
  }

  async pickOne(items: readonly { label: string; description?: string }[], title: string): Promise<string | undefined> {
    const picked = await vscode.window.showQuickPick(items.map((i) => ({ ...i })), { title, ignoreFocusOut: true });
    return picked?.label;
  }

  input(opts: InputOptions): Promise<string | undefined> {
    return Promise.resolve(
      vscode.window.showInputBox({
        title: opts.title,
        prompt: opts.prompt,
        ...(opts.placeHolder !== undefined ? { placeHolder: opts.placeHolder } : {}),
        ...(opts.value !== undefined ? { value: opts.value } : {}),
        password: opts.password === true,
        ignoreFocusOut: true,
        ...(opts.validate ? { validateInput: opts.validate } : {}),
      }),
    );
  }

  async choose(message: string, actions: readonly string[]): Promise<string | undefined> {
    return vscode.window.showInformationMessage(message, ...actions);
  }

  async confirm(message: string, detail: string, action: string): Promise<boolean> {
    const answer = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    return answer === action;
  }

  info(message: string): void {
    void vscode.window.showInformationMessage(message);
  }

  warn(message: string): void {
    void vscode.window.showWarningMessage(message);
  }

  error(message: string): void {
    void vscode.window.showErrorMessage(message);
  }

  withProgress<T>(title: string, task: (progress: ProgressReporter, signal: AbortSignal) => Promise<T>): Promise<T> {
    return Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => {
          const err = new Error(`${title} cancelled`);
          err.name = 'AbortError';
          controller.abort(err);
        });
        return task(progress, controller.signal).finally(() => sub.dispose());
      }),
    );
  }

  async showDocument(content: string, language: string): Promise<void> {
    const doc = await vscode.workspace.openTextDocument({ content, language });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  async copyToClipboard(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
  }
}
