/**
 * Turns errors into the one-line notifications the extension shows (STYLE.md §3: "the extension
 * maps errors to a FileSystemError or a notification"): KmsErrors keep their AWS name
 * (e.g. "AccessDeniedException: … because no statement allows kms:Decrypt"), cancellations are
 * silent, Node I/O errors name the file. Never includes plaintext or key material (core errors
 * never carry them; this adds only names and paths).
 */
import { KeystoreCreationDeclined } from './key-backend.js';

export interface ErrorReport {
  /** False for user cancellations and declined prompts: nothing to show. */
  readonly show: boolean;
  readonly name: string;
  readonly text: string;
}

export function isCancellation(e: unknown): boolean {
  if (e instanceof KeystoreCreationDeclined) return true;
  const err = e as { name?: unknown; code?: unknown } | undefined;
  return err?.name === 'AbortError' || err?.code === 'ABORT_ERR' || err?.name === 'Canceled';
}

export function reportError(e: unknown, action?: string): ErrorReport {
  if (isCancellation(e)) return { show: false, name: 'Cancelled', text: action ? `${action} cancelled` : 'cancelled' };
  const err = e as { name?: unknown; message?: unknown; code?: unknown; path?: unknown; $fault?: unknown } | undefined;
  let name = typeof err?.name === 'string' && err.name !== 'Error' ? err.name : 'Error';
  let message = typeof err?.message === 'string' ? err.message : String(e);
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    name = err.code;
    message = message.replace(/^E[A-Z]+: /, '');
  }
  if (name === 'CredentialsProviderError') message = `${message} (configure AWS credentials for envelope.profile, or clear envelope.endpoint to use the embedded keystore)`;
  const text = `${action ? `${action} failed: ` : ''}${name}: ${message}`;
  return { show: true, name, text };
}

/**
 * The error to throw back to VS Code from a custom-editor save or revert: VS Code shows only the
 * message ("Failed to save 'x.enc': …"), so the AWS error name is put in front of it.
 */
export function withErrorName(e: unknown): unknown {
  const r = reportError(e);
  if (!r.show || r.name === 'Error') return e;
  const err = new Error(r.text);
  err.name = r.name;
  return err;
}
