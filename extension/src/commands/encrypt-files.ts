/**
 * Envelope: Encrypt File… (issue #6): QuickPick of keys (last-used first), optional encryption
 * context, then each selected file `x` is encrypted to `x.enc` (createEncryptStream → KmsKeyring →
 * GenerateDataKey) with progress and cancel. What happens to the plaintext original follows
 * `envelope.afterEncrypt`: "ask" (the done notification offers Delete Original), "keep", or
 * "delete". Deleting only unlinks, and only once the encrypted file is durable (written to a temp
 * file, fsync'd, renamed, directory fsync'd by atomic-write.ts); nothing is overwritten.
 */
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseContextInput } from '../context-input.js';
import { encryptFile, isEnvelopeFile } from '../file-crypto.js';
import { rememberKey } from '../key-choices.js';
import { encryptedPathFor } from '../paths.js';
import type { CommandEnv } from '../ui.js';
import { pickEncryptionKey } from './pick-key.js';
import { exists, runFileJobs } from './run-files.js';

/** Answers given up front (keybindings, tasks, tests) instead of asking. */
export interface EncryptPreset {
  readonly keyId?: string;
  readonly context?: Record<string, string>;
}

/** Reads a preset from a command's third argument; anything else is ignored. */
export function presetFrom(arg: unknown): EncryptPreset {
  const a = arg as { keyId?: unknown; context?: unknown } | undefined;
  if (a === null || typeof a !== 'object') return {};
  const out: { keyId?: string; context?: Record<string, string> } = {};
  if (typeof a.keyId === 'string' && a.keyId !== '') out.keyId = a.keyId;
  if (a.context !== null && typeof a.context === 'object' && Object.values(a.context).every((v) => typeof v === 'string')) {
    out.context = { ...(a.context as Record<string, string>) };
  }
  return out;
}

export interface EncryptResult {
  readonly outputs: string[];
  readonly keyId: string;
  /** With afterEncrypt "ask": settles when the question was answered (and the originals removed if chosen). */
  readonly afterEncrypt?: Promise<void>;
}

export const DELETE_ORIGINAL = 'Delete Original';
export const KEEP_ORIGINAL = 'Keep';

export async function encryptFiles(env: CommandEnv, paths: readonly string[], preset: EncryptPreset = {}): Promise<EncryptResult | undefined> {
  const { ui } = env;
  if (paths.length === 0) {
    ui.warn('Envelope: select one or more files to encrypt.');
    return undefined;
  }
  const inputs: string[] = [];
  for (const p of paths) {
    if (await isEnvelopeFile(p)) ui.warn(`Envelope: ${basename(p)} is already an Envelope file; skipped.`);
    else inputs.push(p);
  }
  if (inputs.length === 0) return undefined;

  const backend = await env.backend();
  const title = inputs.length === 1 ? `Encrypt ${basename(inputs[0]!)}` : `Encrypt ${inputs.length} files`;
  const keyId = preset.keyId ?? (await pickEncryptionKey(env, backend, title));
  if (keyId === undefined) return undefined;
  const contextText = preset.context !== undefined ? '' : await ui.input({
    title,
    prompt: 'Encryption context (optional, not secret): key=value pairs separated by commas',
    placeHolder: 'purpose=config, env=dev',
    validate: (v) => {
      try {
        parseContextInput(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (contextText === undefined) return undefined;
  const context = preset.context ?? parseContextInput(contextText);

  const targets = new Map(inputs.map((p) => [p, encryptedPathFor(p)]));
  const existing: string[] = [];
  for (const t of targets.values()) if (await exists(t)) existing.push(basename(t));
  if (existing.length > 0) {
    const ok = await ui.confirm(`Overwrite ${existing.join(', ')}?`, 'The existing encrypted file(s) will be replaced.', 'Overwrite');
    if (!ok) return undefined;
  }

  const keyring = backend.keyring([keyId]);
  const done = await runFileJobs(ui, `Envelope: ${title}`, inputs, (path, job) =>
    encryptFile(path, targets.get(path)!, { keyring, context, ...job }),
  );
  await rememberKey(env.state, keyId);
  const outputs = done.map((p) => targets.get(p)!);
  const mode = env.settings().afterEncrypt;
  const removeOriginals = async () => {
    for (const p of done) await rm(p, { force: true });
    env.filesChanged(done);
  };
  if (mode === 'delete') await removeOriginals();
  env.filesChanged([...outputs, ...done]);
  const summary =
    outputs.length === 1 ? `Envelope: encrypted ${basename(outputs[0]!)} with ${keyId}.` : `Envelope: encrypted ${outputs.length} files with ${keyId}.`;
  if (mode !== 'ask' || done.length === 0) {
    ui.info(summary);
    return { outputs, keyId };
  }
  // Not awaited by the command: the notification stays until answered.
  const originals = done.length === 1 ? basename(done[0]!) : `the ${done.length} plaintext originals`;
  const afterEncrypt = ui
    .choose(`${summary} Delete the plaintext original ${originals}? (envelope.afterEncrypt)`, [DELETE_ORIGINAL, KEEP_ORIGINAL])
    .then(async (choice) => {
      if (choice === DELETE_ORIGINAL) await removeOriginals();
    });
  return { outputs, keyId, afterEncrypt };
}
