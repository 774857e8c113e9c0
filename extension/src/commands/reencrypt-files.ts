/**
 * Envelope: Re-encrypt with Another Key… (AWS KMS ReEncrypt's job for whole files): each Envelope
 * file is decrypted and encrypted again under the chosen key with a fresh data key, keeping its
 * encryption context and frame length, and replaced atomically.
 */
import { basename } from 'node:path';
import { isEnvelopeFile, reencryptFile } from '../file-crypto.js';
import { rememberKey } from '../key-choices.js';
import type { CommandEnv } from '../ui.js';
import { pickEncryptionKey } from './pick-key.js';
import { runFileJobs } from './run-files.js';

export async function reencryptFiles(
  env: CommandEnv,
  paths: readonly string[],
  preset: { keyId?: string } = {},
): Promise<{ keyId: string; files: string[] } | undefined> {
  const { ui } = env;
  const inputs: string[] = [];
  for (const p of paths) {
    if (await isEnvelopeFile(p)) inputs.push(p);
    else ui.warn(`Envelope: ${basename(p)} is not an Envelope file; skipped.`);
  }
  if (inputs.length === 0) return undefined;
  const backend = await env.backend();
  const title = inputs.length === 1 ? `Re-encrypt ${basename(inputs[0]!)}` : `Re-encrypt ${inputs.length} files`;
  const keyId = preset.keyId ?? (await pickEncryptionKey(env, backend, title));
  if (keyId === undefined) return undefined;
  const decryptKeyring = backend.discoveryKeyring();
  const encryptKeyring = backend.keyring([keyId]);
  const files = await runFileJobs(ui, `Envelope: ${title}`, inputs, (path, job) => reencryptFile(path, { decryptKeyring, encryptKeyring, ...job }));
  await rememberKey(env.state, keyId);
  env.filesChanged(files);
  ui.info(files.length === 1 ? `Envelope: re-encrypted ${basename(files[0]!)} with ${keyId}.` : `Envelope: re-encrypted ${files.length} files with ${keyId}.`);
  return { keyId, files };
}
