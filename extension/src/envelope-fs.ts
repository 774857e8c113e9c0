/**
 * The `envelope:` file system (issue #6; fsprovider-sample layout): `envelope:/dir/x` is the
 * plaintext of the Envelope file `/dir/x.enc`, decrypted into memory on every read (paths.ts has
 * the naming rule). Plaintext is never written anywhere: the provider is registered read-only, so
 * its documents can never become dirty and VS Code never backs them up (editing with
 * re-encryption on save is the Encrypted Editor's job, whose backups stay encrypted).
 */
import { watch as fsWatch } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { isEnvelopeMessage } from './core-adapter.js';
import { decryptToMemory, readFileUpTo } from './file-crypto.js';
import { toFileSystemError } from './fs-errors.js';
import type { KeyBackend } from './key-backend.js';
import { ENC_SUFFIX, encryptedFileOf, ENVELOPE_SCHEME, plaintextViewOf } from './paths.js';

export const READ_ONLY_MESSAGE =
  'This is a read-only plaintext view of an Envelope file. To edit, open the file itself: the Envelope Encrypted Editor re-encrypts on save and never writes plaintext to disk.';

/** The `envelope:` URI showing the plaintext of an encrypted file URI. */
export function plaintextViewUri(file: vscode.Uri): vscode.Uri {
  const v = plaintextViewOf(file.fsPath);
  return vscode.Uri.from({ scheme: ENVELOPE_SCHEME, path: v.path, query: v.query });
}

/** The encrypted file behind an `envelope:` URI (any other URI is returned unchanged). */
export function encryptedFileUri(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== ENVELOPE_SCHEME) return uri;
  return vscode.Uri.file(encryptedFileOf(uri.path, uri.query));
}

export class EnvelopeFileSystemProvider implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  constructor(
    private readonly backend: () => Promise<KeyBackend>,
    /** envelope.maxEditorFileSize: larger files are not decrypted into memory. */
    private readonly maxBytes: () => number,
  ) {}

  // --- metadata

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const file = encryptedFileUri(uri).fsPath;
    try {
      const s = await stat(file);
      return { type: vscode.FileType.File, ctime: s.ctimeMs, mtime: s.mtimeMs, size: s.size, permissions: vscode.FilePermission.Readonly };
    } catch (e) {
      // A directory on the way to a file (breadcrumbs, "reveal") is shown as a directory.
      const dir = await stat(uri.path).catch(() => undefined);
      if (dir?.isDirectory()) return { type: vscode.FileType.Directory, ctime: dir.ctimeMs, mtime: dir.mtimeMs, size: 0 };
      throw toFileSystemError(e, uri);
    }
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    try {
      const entries = await readdir(uri.path, { withFileTypes: true });
      const out: [string, vscode.FileType][] = [];
      for (const e of entries) {
        if (e.isDirectory()) out.push([e.name, vscode.FileType.Directory]);
        else if (e.isFile() && e.name.endsWith(ENC_SUFFIX) && e.name.length > ENC_SUFFIX.length) out.push([e.name.slice(0, -ENC_SUFFIX.length), vscode.FileType.File]);
      }
      return out;
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
  }

  // --- contents

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    try {
      const ciphertext = await readFileUpTo(encryptedFileUri(uri).fsPath, this.maxBytes());
      if (!isEnvelopeMessage(ciphertext.subarray(0, 16))) {
        throw vscode.FileSystemError.Unavailable(`${encryptedFileUri(uri).fsPath} is not an Envelope file`);
      }
      const backend = await this.backend();
      const { plaintext } = await decryptToMemory(ciphertext, backend.discoveryKeyring());
      return plaintext;
    } catch (e) {
      throw toFileSystemError(e, uri);
    }
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(`${uri.path}: ${READ_ONLY_MESSAGE}`);
  }

  // --- files and folders (read-only)

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(oldUri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(oldUri);
  }

  // --- events

  watch(uri: vscode.Uri): vscode.Disposable {
    const file = encryptedFileUri(uri).fsPath;
    let watcher: ReturnType<typeof fsWatch> | undefined;
    try {
      watcher = fsWatch(file, { persistent: false }, () => this.emitter.fire([{ type: vscode.FileChangeType.Changed, uri }]));
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined;
    }
    return new vscode.Disposable(() => watcher?.close());
  }
}
