/**
 * Opening the embedded keystore with no set-up (docs/KMS.md "Quick start"): $ENVELOPE_HOME or
 * ~/.envelope, created on first use, root key from ENVELOPE_ROOT_KEY / ENVELOPE_PASSPHRASE /
 * a generated root.key.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Clock, Random } from '../defaults.js';
import { Keystore } from '../keystore/keystore.js';
import type { AuditSink, Authorizer } from './hooks.js';
import type { CallContext } from './call-context.js';
import { Kms } from './kms.js';

/** $ENVELOPE_HOME, else ~/.envelope. */
export function defaultHome(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.ENVELOPE_HOME && env.ENVELOPE_HOME.length > 0 ? env.ENVELOPE_HOME : join(homedir(), '.envelope');
}

export interface OpenDefaultKmsOptions {
  home?: string;
  region?: string;
  clock?: Clock;
  random?: Random;
  /** 32 bytes, or 64 hex characters / base64. Overrides ENVELOPE_ROOT_KEY. */
  rootKey?: Uint8Array | string;
  passphrase?: string;
  defaultCaller?: CallContext;
  authorizer?: Authorizer;
  audit?: AuditSink;
  lockTimeoutMs?: number;
}

const cache = new Map<string, Kms>();

/**
 * Opens (creating on first use) the embedded keystore and returns a Kms over it. Calls with no
 * options share one instance per home directory.
 */
export function openDefaultKms(opts: OpenDefaultKmsOptions = {}): Kms {
  const home = opts.home ?? defaultHome();
  const shareable = Object.keys(opts).every((k) => k === 'home');
  if (shareable) {
    const hit = cache.get(home);
    if (hit) return hit;
  }
  const store = Keystore.open({
    home,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.rootKey !== undefined ? { rootKey: opts.rootKey } : {}),
    ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
    ...(opts.lockTimeoutMs !== undefined ? { lockTimeoutMs: opts.lockTimeoutMs } : {}),
  });
  const kms = new Kms({
    store,
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.defaultCaller ? { defaultCaller: opts.defaultCaller } : {}),
    ...(opts.authorizer ? { authorizer: opts.authorizer } : {}),
    ...(opts.audit ? { audit: opts.audit } : {}),
  });
  if (shareable) cache.set(home, kms);
  return kms;
}
