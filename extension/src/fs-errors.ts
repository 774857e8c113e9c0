/**
 * Maps errors to the host's typed file-system errors (fsprovider-sample habit: never a plain
 * Error from a provider): ENOENT → FileNotFound, EACCES/EPERM → NoPermissions, an
 * AccessDeniedException keeps its AWS name in the message, anything else → Unavailable.
 */
import * as vscode from 'vscode';
import { reportError } from './error-report.js';

export function toFileSystemError(e: unknown, uri: vscode.Uri): vscode.FileSystemError {
  if (e instanceof vscode.FileSystemError) return e;
  const code = (e as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT') return vscode.FileSystemError.FileNotFound(uri);
  if (code === 'EISDIR') return vscode.FileSystemError.FileIsADirectory(uri);
  if (code === 'EEXIST') return vscode.FileSystemError.FileExists(uri);
  const report = reportError(e);
  if (code === 'EACCES' || code === 'EPERM' || report.name === 'AccessDeniedException') return vscode.FileSystemError.NoPermissions(report.text);
  return vscode.FileSystemError.Unavailable(report.text);
}
