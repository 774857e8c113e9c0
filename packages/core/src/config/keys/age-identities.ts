/**
 * Where age identities are found, as SOPS finds them: the SOPS_AGE_KEY variable (identities
 * text), the file named by SOPS_AGE_KEY_FILE, and `$XDG_CONFIG_HOME/sops/age/keys.txt` (default
 * `~/.config/sops/age/keys.txt`). Missing places are skipped; an unreadable or malformed one is
 * an error naming it (never its content).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigKeyUnavailableException } from './key-sources.js';
import { parseIdentities, type AgeIdentity } from '../../crypto/age.js';

export async function loadAgeIdentities(env: NodeJS.ProcessEnv = process.env): Promise<AgeIdentity[]> {
  const out: AgeIdentity[] = [];
  const add = (text: string, where: string) => {
    try {
      out.push(...parseIdentities(text));
    } catch (e) {
      throw new ConfigKeyUnavailableException(`${where}: ${(e as Error).message}`);
    }
  };
  if (env['SOPS_AGE_KEY']) add(env['SOPS_AGE_KEY'], 'SOPS_AGE_KEY');
  const file = env['SOPS_AGE_KEY_FILE'];
  if (file) add(await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ConfigKeyUnavailableException(`SOPS_AGE_KEY_FILE ${file}: ${e.code ?? e.message}`);
  }), 'SOPS_AGE_KEY_FILE');
  const config = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  const user = join(config, 'sops', 'age', 'keys.txt');
  const text = await readFile(user, 'utf8').catch(() => undefined);
  if (text !== undefined) add(text, user);
  return out;
}
