/**
 * Envelope: Inspect (the CLI's `envelope inspect`): shows what the header says without any key —
 * suite, message id, encryption context, the keys that wrapped the data key, frame length and the
 * exact plaintext length — as JSON in a new editor.
 */
import { basename } from 'node:path';
import { inspectFile, isEnvelopeFile } from '../file-crypto.js';
import type { HeaderDescription } from '../core-adapter.js';
import type { CommandEnv } from '../ui.js';

export async function inspectEnvelopeFile(env: CommandEnv, path: string): Promise<HeaderDescription | undefined> {
  if (!(await isEnvelopeFile(path))) {
    env.ui.warn(`Envelope: ${basename(path)} is not an Envelope file (no Envelope magic bytes).`);
    return undefined;
  }
  const { description } = await inspectFile(path);
  await env.ui.showDocument(`${JSON.stringify({ File: path, ...description }, null, 2)}\n`, 'json');
  return description;
}
