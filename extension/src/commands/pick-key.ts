/**
 * Asks for the key to encrypt under (Encrypt and Re-encrypt): the backend's keys and aliases,
 * last-used first (key-choices.ts), or any id/alias/ARN typed by hand.
 */
import { buildKeyChoices, lastUsedKeys } from '../key-choices.js';
import type { KeyBackend } from '../key-backend.js';
import { loadKeyInventory } from '../key-inventory.js';
import type { CommandEnv } from '../ui.js';

export async function pickEncryptionKey(env: CommandEnv, backend: KeyBackend, title: string): Promise<string | undefined> {
  const entries = await loadKeyInventory(backend.api);
  const choices = buildKeyChoices(entries, lastUsedKeys(env.state), env.settings().defaultKey);
  if (choices.length === 0) {
    const typed = await env.ui.input({
      title,
      prompt: `No enabled symmetric keys in ${backend.location}. Enter a key id, ARN or alias/… (or create one in the Envelope Keys view).`,
      placeHolder: 'alias/my-key',
      validate: (v) => (v.trim() === '' ? 'a key id, ARN or alias is required' : undefined),
    });
    return typed?.trim();
  }
  return env.ui.pickKey(choices, title);
}
