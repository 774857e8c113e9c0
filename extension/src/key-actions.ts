/**
 * Key explorer actions (issue #6), one AWS KMS operation each: CreateKey (+ CreateAlias),
 * CreateAlias, RotateKeyOnDemand, EnableKey, DisableKey, ScheduleKeyDeletion (after a modal
 * confirmation) and copying the key ARN. The KMS enforces the rules; these only ask and call.
 */
import type { KeyEntry } from './key-inventory.js';
import type { CommandEnv } from './ui.js';

const ALIAS_RE = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

export function validateAliasName(v: string): string | undefined {
  const name = v.trim();
  if (!ALIAS_RE.test(name)) return 'alias names look like alias/my-key (letters, digits, / _ -)';
  if (name.startsWith('alias/aws/')) return 'the alias/aws/ prefix is reserved for AWS managed keys';
  return undefined;
}

export function keyLabel(e: KeyEntry): string {
  return e.aliases[0] ?? e.keyId;
}

/** CreateKey (symmetric, ENCRYPT_DECRYPT) and optionally CreateAlias; returns the new key id. */
export async function createKeyAction(env: CommandEnv): Promise<string | undefined> {
  const { ui } = env;
  const description = await ui.input({ title: 'Create Key (1/2)', prompt: 'Description (optional)', placeHolder: 'e.g. dev config secrets' });
  if (description === undefined) return undefined;
  const alias = await ui.input({
    title: 'Create Key (2/2)',
    prompt: 'Alias (optional)',
    placeHolder: 'alias/my-key',
    validate: (v) => (v.trim() === '' ? undefined : validateAliasName(v)),
  });
  if (alias === undefined) return undefined;
  const { api } = await env.backend();
  const res = await api.CreateKey({ Description: description, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
  const keyId = res.KeyMetadata?.KeyId;
  if (keyId === undefined) throw new Error('CreateKey returned no KeyMetadata.KeyId');
  if (alias.trim() !== '') await api.CreateAlias({ AliasName: alias.trim(), TargetKeyId: keyId });
  ui.info(`Envelope: created key ${alias.trim() || keyId}.`);
  return keyId;
}

export async function createAliasAction(env: CommandEnv, key: KeyEntry): Promise<string | undefined> {
  const alias = await env.ui.input({ title: `Create Alias for ${keyLabel(key)}`, prompt: 'Alias name', placeHolder: 'alias/my-key', validate: validateAliasName });
  if (alias === undefined) return undefined;
  const { api } = await env.backend();
  await api.CreateAlias({ AliasName: alias.trim(), TargetKeyId: key.keyId });
  env.ui.info(`Envelope: ${alias.trim()} now points to ${key.keyId}.`);
  return alias.trim();
}

export async function rotateNowAction(env: CommandEnv, key: KeyEntry): Promise<void> {
  const { api } = await env.backend();
  await api.RotateKeyOnDemand({ KeyId: key.keyId });
  env.ui.info(`Envelope: rotated ${keyLabel(key)}; new data keys use the new key material, existing files still decrypt.`);
}

export async function setKeyEnabledAction(env: CommandEnv, key: KeyEntry, enabled: boolean): Promise<void> {
  const { api } = await env.backend();
  if (enabled) await api.EnableKey({ KeyId: key.keyId });
  else await api.DisableKey({ KeyId: key.keyId });
  env.ui.info(`Envelope: ${keyLabel(key)} is now ${enabled ? 'enabled' : 'disabled'}.`);
}

/** ScheduleKeyDeletion with a 7–30 day waiting period, after a modal confirmation. */
export async function scheduleDeletionAction(env: CommandEnv, key: KeyEntry): Promise<Date | undefined> {
  const { ui } = env;
  const days = await ui.input({
    title: `Schedule deletion of ${keyLabel(key)}`,
    prompt: 'Waiting period in days (7–30). The key can be recovered until then.',
    value: '30',
    validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 7 && Number(v) <= 30 ? undefined : 'enter a whole number of days from 7 to 30'),
  });
  if (days === undefined) return undefined;
  const ok = await ui.confirm(
    `Schedule deletion of ${keyLabel(key)} in ${Number(days)} days?`,
    `Key ${key.keyId} becomes unusable now (PendingDeletion). After ${Number(days)} days it is deleted and every file encrypted only under it can never be decrypted again.`,
    'Schedule Deletion',
  );
  if (!ok) return undefined;
  const { api } = await env.backend();
  const res = await api.ScheduleKeyDeletion({ KeyId: key.keyId, PendingWindowInDays: Number(days) });
  ui.info(`Envelope: ${keyLabel(key)} is pending deletion${res.DeletionDate ? ` on ${res.DeletionDate.toISOString().slice(0, 10)}` : ''}.`);
  return res.DeletionDate;
}

export async function copyArnAction(env: CommandEnv, key: KeyEntry): Promise<string> {
  await env.ui.copyToClipboard(key.arn);
  env.ui.info(`Envelope: copied ${key.arn}`);
  return key.arn;
}
