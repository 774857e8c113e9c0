/**
 * Envelope: Decrypt File (issue #6): each selected Envelope file (detected by magic bytes) is
 * decrypted with a discovery keyring (KMS Decrypt on whichever key wrapped its data key) to the
 * name without `.enc` (or `x.decrypted`), atomically, with progress and cancel.
 */
import { basename } from 'node:path';
import { decryptFile, isEnvelopeFile } from '../file-crypto.js';
import { decryptedPathFor } from '../paths.js';
import type { CommandEnv } from '../ui.js';
import { exists, runFileJobs } from './run-files.js';

export async function decryptFiles(env: CommandEnv, paths: readonly string[]): Promise<string[] | undefined> {
  const { ui } = env;
  const inputs: string[] = [];
  for (const p of paths) {
    if (await isEnvelopeFile(p)) inputs.push(p);
    else ui.warn(`Envelope: ${basename(p)} is not an Envelope file (no Envelope magic bytes); skipped.`);
  }
  if (inputs.length === 0) return undefined;
  const targets = new Map(inputs.map((p) => [p, decryptedPathFor(p)]));
  const existing: string[] = [];
  for (const t of targets.values()) if (await exists(t)) existing.push(basename(t));
  if (existing.length > 0) {
    const ok = await ui.confirm(`Overwrite ${existing.join(', ')} with the decrypted plaintext?`, 'The existing file(s) will be replaced.', 'Overwrite');
    if (!ok) return undefined;
  }
  const backend = await env.backend();
  const keyring = backend.discoveryKeyring();
  const title = inputs.length === 1 ? `Decrypt ${basename(inputs[0]!)}` : `Decrypt ${inputs.length} files`;
  const done = await runFileJobs(ui, `Envelope: ${title}`, inputs, (path, job) => decryptFile(path, targets.get(path)!, { keyring, ...job }));
  const outputs = done.map((p) => targets.get(p)!);
  env.filesChanged(outputs);
  ui.info(outputs.length === 1 ? `Envelope: decrypted to ${basename(outputs[0]!)}.` : `Envelope: decrypted ${outputs.length} files.`);
  return outputs;
}
