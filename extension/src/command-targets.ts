/**
 * Which files a command acts on (VS Code passes different arguments per menu): the explorer gives
 * (clicked, selected[]), editor menus give the resource URI, webview menus give a context object,
 * the palette gives nothing — then the active editor's file is used. `envelope:` views map back
 * to their encrypted file.
 */
import * as vscode from 'vscode';
import { encryptedFileUri } from './envelope-fs.js';

export function commandTargets(arg0: unknown, arg1: unknown, activeCustomEditor: vscode.Uri | undefined): vscode.Uri[] {
  const isUri = (u: unknown): u is vscode.Uri => u instanceof vscode.Uri;
  let uris: vscode.Uri[] = [];
  if (Array.isArray(arg1) && arg1.length > 0 && arg1.every(isUri)) uris = arg1;
  else if (isUri(arg0)) uris = [arg0];
  else if (Array.isArray(arg0) && arg0.every(isUri)) uris = arg0;
  else {
    const active = activeResource(activeCustomEditor);
    if (active) uris = [active];
  }
  return dedupe(uris.map(encryptedFileUri).filter((u) => u.scheme === 'file'));
}

function activeResource(activeCustomEditor: vscode.Uri | undefined): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return activeCustomEditor ?? vscode.window.activeTextEditor?.document.uri;
}

function dedupe(uris: vscode.Uri[]): vscode.Uri[] {
  const seen = new Set<string>();
  return uris.filter((u) => (seen.has(u.fsPath) ? false : (seen.add(u.fsPath), true)));
}
