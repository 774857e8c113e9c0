/**
 * The committed version of a file (`git show HEAD:<path>`), for "Envelope: Show Decrypted Diff".
 * Runs the user's `git` in the file's directory; undefined when the file is not in a git work tree,
 * is not committed, or git is missing — the diff then compares with the last save. The bytes are
 * the encrypted file as committed (never plaintext); nothing is written.
 */
import { execFile } from 'node:child_process';
import { basename, dirname } from 'node:path';

export function gitHeadVersion(path: string, timeoutMs = 15_000): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['show', `HEAD:./${basename(path)}`],
      { cwd: dirname(path), encoding: 'buffer', maxBuffer: 256 << 20, timeout: timeoutMs, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout) => resolve(err ? undefined : new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.byteLength)),
    );
  });
}
