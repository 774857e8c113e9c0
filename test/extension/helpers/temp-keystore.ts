/**
 * A real embedded keystore in a temp directory (never ~/.envelope) opened through the extension's
 * own backend code, with two keys and aliases, for the command-handler tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKeyBackend, type KeyBackend } from '../../../extension/src/key-backend.js';
import { settingsFor } from './fake-ui.js';

export interface TempKeystore {
  readonly dir: string;
  readonly home: string;
  readonly backend: KeyBackend;
  readonly keyA: string;
  readonly keyB: string;
  cleanup(): void;
}

export async function tempKeystore(): Promise<TempKeystore> {
  const dir = mkdtempSync(join(tmpdir(), 'envelope-ext-test-'));
  const home = join(dir, 'home');
  const backend = await openKeyBackend(settingsFor(home), { confirmCreateKeystore: async () => true, passphrase: async () => undefined });
  const a = await backend.api.CreateKey({ Description: 'key A' });
  const b = await backend.api.CreateKey({ Description: 'key B' });
  await backend.api.CreateAlias({ AliasName: 'alias/a', TargetKeyId: a.KeyMetadata!.KeyId! });
  await backend.api.CreateAlias({ AliasName: 'alias/b', TargetKeyId: b.KeyMetadata!.KeyId! });
  return {
    dir,
    home,
    backend,
    keyA: a.KeyMetadata!.Arn!,
    keyB: b.KeyMetadata!.Arn!,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
