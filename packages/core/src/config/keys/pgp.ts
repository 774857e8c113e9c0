/**
 * PGP key source through the `gpg` binary, as SOPS does: the data key is encrypted to a
 * fingerprint with `gpg --encrypt` (ASCII armor, trust model "always") and decrypted with
 * `gpg --decrypt` from the user's GnuPG home (GNUPGHOME), in batch mode so it never prompts.
 */
import { spawn } from 'node:child_process';

export interface GpgOptions {
  /** The gpg binary (default `gpg`, or SOPS_GPG_EXEC). */
  readonly binary?: string;
  /** Environment for gpg (GNUPGHOME, GPG_TTY…); default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

function run(opts: GpgOptions, args: string[], input: Uint8Array): Promise<Buffer> {
  const env = opts.env ?? process.env;
  const bin = opts.binary ?? env['SOPS_GPG_EXEC'] ?? 'gpg';
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--batch', '--no-tty', '--quiet', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'ENOENT' ? `${bin} is not installed` : e.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const lines = Buffer.concat(err).toString('utf8').split('\n').map((l) => l.replace(/^gpg: /, '').trim()).filter((l) => l !== '');
        reject(new Error(lines[lines.length - 1] ?? `${bin} exited with ${code}`));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

export async function gpgEncrypt(opts: GpgOptions, fingerprint: string, dataKey: Uint8Array): Promise<string> {
  const out = await run(opts, ['--armor', '--trust-model', 'always', '--encrypt', '-r', fingerprint], dataKey);
  return out.toString('utf8').replace(/\r\n/g, '\n').trimEnd();
}

export async function gpgDecrypt(opts: GpgOptions, armored: string): Promise<Uint8Array> {
  return new Uint8Array(await run(opts, ['--decrypt'], Buffer.from(armored, 'utf8')));
}
