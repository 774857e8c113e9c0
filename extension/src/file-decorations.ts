/**
 * Explorer decorations for Envelope-encrypted files (issue 16 item 4): a lock badge and a
 * tooltip on every file the tracker recognised by its magic bytes, so users see what is
 * protected. Follows the tracker: files encrypted, decrypted or deleted update the badge.
 */
import * as vscode from 'vscode';
import type { EncryptedFileTracker } from './encrypted-files.js';

export const ENCRYPTED_BADGE = '🔒';

export class EncryptedFileDecorations implements vscode.FileDecorationProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<undefined>();
  readonly onDidChangeFileDecorations = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly tracker: EncryptedFileTracker) {
    // The tracker publishes changes in batches; one refresh of all decorations per batch.
    this.subscription = tracker.onDidChange(() => this.emitter.fire(undefined));
  }

  provideFileDecoration(uri: vscode.Uri): vscode.FileDecoration | undefined {
    if (uri.scheme !== 'file' || !this.tracker.has(uri.fsPath)) return undefined;
    return new vscode.FileDecoration(ENCRYPTED_BADGE, 'Envelope-encrypted: opens decrypted in memory; saved as ciphertext');
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
