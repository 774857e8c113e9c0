/**
 * File naming rules shared by the commands and the `envelope:` file system (docs/EXTENSION.md
 * "Files"): `x` encrypts to `x.enc`, `x.enc` decrypts to `x`, and the plaintext view of
 * `/dir/x.enc` is `envelope:/dir/x` (so the editor picks the language of `x`). Files without the
 * `.enc` suffix keep their path and carry the query `raw`.
 */
export const ENC_SUFFIX = '.enc';
export const ENVELOPE_SCHEME = 'envelope';
const RAW_QUERY = 'raw';

export function encryptedPathFor(path: string): string {
  return `${path}${ENC_SUFFIX}`;
}

/** `x.enc` → `x`; anything else → `x.decrypted`. */
export function decryptedPathFor(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base.endsWith(ENC_SUFFIX) && base.length > ENC_SUFFIX.length) return path.slice(0, -ENC_SUFFIX.length);
  return `${path}.decrypted`;
}

/** The `envelope:` path and query showing the plaintext of the encrypted file at `filePath`. */
export function plaintextViewOf(filePath: string): { path: string; query: string } {
  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  if (base.endsWith(ENC_SUFFIX) && base.length > ENC_SUFFIX.length) return { path: filePath.slice(0, -ENC_SUFFIX.length), query: '' };
  return { path: filePath, query: RAW_QUERY };
}

/** Inverse of `plaintextViewOf`: the encrypted file behind an `envelope:` path and query. */
export function encryptedFileOf(viewPath: string, query: string): string {
  return query === RAW_QUERY ? viewPath : `${viewPath}${ENC_SUFFIX}`;
}
