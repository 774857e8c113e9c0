/**
 * Asks for the key to encrypt under (Encrypt and Re-encrypt): the backend's keys and aliases,
 * last-used first (key-choices.ts), or any id/alias/ARN typed by hand. A keystore without any
 * usable key (e.g. just created on first use) offers to create one: CreateKey + CreateAlias.
 */
import { validateAliasName } from '../key-actions.js';
import { buildKeyChoices, lastUsedKeys } from '../key-choices.js';
import type { KeyBackend } from '../key-backend.js';
import { loadKeyInventory } from '../key-inventory.js';
import type { CommandEnv } from '../ui.js';

export const FIRST_KEY_ALIAS = 'alias/envelope-default';

export async function pickEncryptionKey(env: CommandEnv, backend: KeyBackend, title: string): Promise<string | undefined> {
  const entries = await loadKeyInventory(backend.api);
  const choices = buildKeyChoices(entries, lastUsedKeys(env.state), env.settings().defaultKey);
  if (choices.length > 0) return env.ui.pickKey(choices, title);
  const alias = await env.ui.input({
    title,
    prompt: `There is no enabled key in ${backend.location} yet. Alias of a new symmetric key to create now (Esc to cancel):`,
    value: FIRST_KEY_ALIAS,
    validate: validateAliasName,
  });
  if (alias === undefined) return undefined;
  const created = await backend.api.CreateKey({ Description: 'created by Envelope for VS Code', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
  const keyId = created.KeyMetadata?.KeyId;
  if (keyId === undefined) throw new Error('CreateKey returned no KeyMetadata.KeyId');
  await backend.api.CreateAlias({ AliasName: alias.trim(), TargetKeyId: keyId });
  env.ui.info(`Envelope: created key ${alias.trim()} (${keyId}).`);
  return alias.trim();
}
