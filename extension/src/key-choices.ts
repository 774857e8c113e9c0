/**
 * The Encrypt key QuickPick's items (issue #6: "a QuickPick of aliases and keys from the
 * configured keystore, with the last-used key first"), and the last-used list kept in VS Code's
 * global state. Pure apart from the injected `MementoLike`.
 */
import { isEncryptionKey, type KeyEntry } from './key-inventory.js';

export interface KeyChoice {
  /** What the keyring receives: an alias name or a key ARN. */
  readonly keyId: string;
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
}

export interface MementoLike {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

const LAST_USED = 'envelope.lastUsedKeys';
const MAX_REMEMBERED = 10;

export function lastUsedKeys(state: MementoLike): string[] {
  const v = state.get<unknown>(LAST_USED);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export async function rememberKey(state: MementoLike, keyId: string): Promise<void> {
  const next = [keyId, ...lastUsedKeys(state).filter((k) => k !== keyId)].slice(0, MAX_REMEMBERED);
  await state.update(LAST_USED, next);
}

/**
 * One choice per alias and one per key without an alias (enabled symmetric keys only), ordered:
 * last-used (most recent first), then the configured default key, then aliases, then bare keys.
 */
export function buildKeyChoices(entries: readonly KeyEntry[], lastUsed: readonly string[], defaultKey?: string): KeyChoice[] {
  const choices: KeyChoice[] = [];
  for (const e of entries) {
    if (!isEncryptionKey(e)) continue;
    const desc = e.metadata.Description ? `${e.keyId} · ${e.metadata.Description}` : e.keyId;
    for (const alias of e.aliases) choices.push({ keyId: alias, label: alias, description: desc, detail: e.arn });
    if (e.aliases.length === 0) choices.push({ keyId: e.arn, label: e.keyId, description: e.metadata.Description ?? '', detail: e.arn });
  }
  const matches = (c: KeyChoice, id: string) => {
    if (c.keyId === id || c.label === id || c.detail === id) return true;
    const entry = entries.find((e) => e.arn === c.detail);
    return entry !== undefined && (entry.keyId === id || entry.arn === id);
  };
  const rank = (c: KeyChoice): number => {
    const i = lastUsed.findIndex((id) => id === c.keyId);
    if (i >= 0) return i;
    const j = lastUsed.findIndex((id) => matches(c, id) && !id.startsWith('alias/'));
    if (j >= 0) return j + 0.5;
    if (defaultKey !== undefined && matches(c, defaultKey)) return MAX_REMEMBERED + 1;
    return c.keyId.startsWith('alias/') ? MAX_REMEMBERED + 2 : MAX_REMEMBERED + 3;
  };
  return choices
    .map((c, i) => ({ c, i, r: rank(c) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.c);
}
