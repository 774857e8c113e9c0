/**
 * Status bar item naming the active profile and keystore (issue #6), e.g.
 * "$(lock) default · ~/.envelope"; clicking opens the Envelope settings.
 */
import * as vscode from 'vscode';
import { describeBackend, type EnvelopeSettings } from './settings.js';

export class EnvelopeStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('envelope.status', vscode.StatusBarAlignment.Left, 10);

  constructor() {
    this.item.name = 'Envelope';
    this.item.command = 'envelope.showSettings';
  }

  update(settings: EnvelopeSettings | Error): void {
    if (settings instanceof Error) {
      this.item.text = '$(lock) Envelope: settings error';
      this.item.tooltip = settings.message;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else {
      this.item.text = `$(lock) ${describeBackend(settings)}`;
      const where = settings.backend.kind === 'embedded' ? `embedded keystore ${settings.backend.home}` : settings.backend.kind === 'aws' ? 'AWS KMS' : `endpoint ${settings.backend.url}`;
      this.item.tooltip = `Envelope — profile ${settings.profile}, region ${settings.region}, ${where}. Click to change.`;
      this.item.backgroundColor = undefined;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
