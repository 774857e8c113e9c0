/**
 * Shared helpers of the extension-host suites: the activated extension's API, the workspace
 * folder, the run's temp root (for plaintext scans) and polling.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EnvelopeExtensionApi } from '../../../extension/src/extension.js';

export const EXTENSION_ID = 'envelope.envelope-vscode';

export async function extensionApi(): Promise<EnvelopeExtensionApi> {
  const ext = vscode.extensions.getExtension<EnvelopeExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed (the runner installs the packaged .vsix)`);
  const api = await ext.activate();
  await api.tracker.ready;
  return api;
}

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder');
  return f.uri.fsPath;
}

export function wsFile(name: string): string {
  return join(workspaceDir(), name);
}

/** The run's temp root (workspace, user data, XDG dirs, tmp): scanned for plaintext. */
export function runRoot(): string {
  const r = process.env['ENVELOPE_E2E_ROOT'];
  if (!r) throw new Error('ENVELOPE_E2E_ROOT is not set');
  return r;
}

export function keystoreHome(): string {
  const h = process.env['ENVELOPE_HOME'];
  if (!h) throw new Error('ENVELOPE_HOME is not set');
  return h;
}

export async function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
