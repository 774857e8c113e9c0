/**
 * Root key resolution for the embedded keystore (docs/KMS.md "Root key").
 * Precedence: explicit option > ENVELOPE_ROOT_KEY (32 bytes, base64 or hex) > passphrase
 * (option or ENVELOPE_PASSPHRASE, scrypt with the salt stored in the keystore file) >
 * a generated key file `root.key` (mode 0600) beside the store.
 */
import { existsSync, readFileSync, chmodSync } from 'node:fs';
import { scryptSync } from 'node:crypto';
import { join } from 'node:path';
import type { Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';
import { ROOT_KEY_LENGTH } from './sealer.js';
import { writeFileAtomicSync } from './atomic-file.js';

export const ROOT_KEY_FILE = 'root.key';

/** scrypt parameters (RFC 7914). N=2^15, r=8, p=1: ~32 MiB, ~100 ms. */
export interface ScryptParams {
  readonly salt: Uint8Array;
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export type RootKeySource =
  | { readonly kind: 'key'; readonly key: Uint8Array; readonly origin: 'option' | 'env' | 'file' }
  | { readonly kind: 'passphrase'; readonly passphrase: string };

/** Parses a 32-byte key written as 64 hex characters or base64. */
export function parseRootKey(text: string, origin: string): Uint8Array {
  const t = text.trim();
  let bytes: Uint8Array | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = new Uint8Array(Buffer.from(t, 'hex'));
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) bytes = new Uint8Array(Buffer.from(t, 'base64'));
  if (!bytes || bytes.length !== ROOT_KEY_LENGTH) {
    throw new KeystoreException(`${origin} must be ${ROOT_KEY_LENGTH} bytes as 64 hex characters or base64`);
  }
  return bytes;
}

export interface RootKeyOptions {
  readonly rootKey?: Uint8Array | string;
  readonly passphrase?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Decides where the root key comes from, without creating anything. */
export function chooseRootKeySource(home: string, opts: RootKeyOptions): RootKeySource | { kind: 'generate' } {
  const env = opts.env ?? process.env;
  if (opts.rootKey !== undefined) {
    const key = typeof opts.rootKey === 'string' ? parseRootKey(opts.rootKey, 'rootKey') : opts.rootKey;
    if (key.length !== ROOT_KEY_LENGTH) throw new KeystoreException(`rootKey must be ${ROOT_KEY_LENGTH} bytes`);
    return { kind: 'key', key, origin: 'option' };
  }
  const fromEnv = env.ENVELOPE_ROOT_KEY;
  if (fromEnv) return { kind: 'key', key: parseRootKey(fromEnv, 'ENVELOPE_ROOT_KEY'), origin: 'env' };
  const passphrase = opts.passphrase ?? env.ENVELOPE_PASSPHRASE;
  if (passphrase) return { kind: 'passphrase', passphrase };
  const file = join(home, ROOT_KEY_FILE);
  if (existsSync(file)) return { kind: 'key', key: parseRootKey(readFileSync(file, 'utf8'), file), origin: 'file' };
  return { kind: 'generate' };
}

/**
 * Creates root.key (0600) with a fresh key; never overwrites an existing file. Exclusive, not
 * check-then-write: two processes opening a fresh home at once must agree on one key (a replaced
 * root.key would leave a store sealed under a key nobody has).
 */
export function generateRootKeyFile(home: string, random: Random): Uint8Array {
  const file = join(home, ROOT_KEY_FILE);
  if (existsSync(file)) return parseRootKey(readFileSync(file, 'utf8'), file);
  const key = random(ROOT_KEY_LENGTH);
  try {
    writeFileAtomicSync(file, Buffer.from(key).toString('hex') + '\n', 0o600, true, false);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    key.fill(0);
    return parseRootKey(readFileSync(file, 'utf8'), file);
  }
  chmodSync(file, 0o600);
  return key;
}

export function deriveFromPassphrase(passphrase: string, params: ScryptParams): Uint8Array {
  return new Uint8Array(
    scryptSync(passphrase.normalize('NFC'), params.salt, ROOT_KEY_LENGTH, {
      N: params.N,
      r: params.r,
      p: params.p,
      maxmem: 256 * params.N * params.r + 1024 * 1024,
    }),
  );
}
