/**
 * The one place the CLI wires itself to @envelope/core: opens the embedded keystore's Kms for a
 * home, the Iam over the same store, resolves the active profile to the caller identity
 * (CallContext), and builds KmsKeyrings for the file commands. Everything else goes through
 * `Services`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_REGION,
  defaultHome,
  KEYSTORE_FILE,
  ROOT_KEY_FILE,
  Iam,
  KmsKeyring,
  openDefaultKms,
  type CallContext,
  type Clock,
  type Keyring,
  type Kms,
  type Random,
} from '@envelope/core';
import type { AccessKeyRecord } from './serve/sigv4.js';

export interface ServicesOptions {
  readonly home?: string;
  /** --region / ENVELOPE_REGION when given; else the profile's region; else us-east-1. */
  readonly region?: string;
  readonly profile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface Services {
  readonly home: string;
  /** True when this open created a new keystore (a root key or store file that was not there). */
  readonly created: boolean;
  readonly region: string;
  readonly kms: Kms;
  readonly iam: Iam;
  /** Who the CLI acts as: the active profile's principal (default: the default account's root). */
  readonly caller: CallContext;
  /** A keyring that generates under the first key and wraps under every key. */
  keyring(keyIds: readonly string[]): Keyring;
  /** A keyring that unwraps any envelope-kms data key the caller may decrypt. */
  discoveryKeyring(): Keyring;
  /** Access key → principal + secret, for SigV4 verification by `envelope serve`. */
  lookupAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
}

export async function openServices(opts: ServicesOptions): Promise<Services> {
  const home = opts.home ?? defaultHome(opts.env);
  const present = () => existsSync(join(home, KEYSTORE_FILE)) || existsSync(join(home, ROOT_KEY_FILE));
  const existed = present();
  const kms = openDefaultKms({
    home,
    region: opts.region ?? DEFAULT_REGION,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const iam = new Iam({ store: kms.store });
  const profile = iam.resolveProfile(opts.profile);
  const region = opts.region ?? profile.region ?? DEFAULT_REGION;
  const caller: CallContext = { principal: profile.principal, accountId: profile.accountId, region };
  return {
    home,
    created: !existed && present(),
    region,
    kms,
    iam,
    caller,
    keyring: (keyIds) => new KmsKeyring({ kms, keyIds: [...keyIds], caller }),
    discoveryKeyring: () => new KmsKeyring({ kms, discovery: true, caller }),
    lookupAccessKey: async (id) => {
      const k = iam.lookupAccessKey(id);
      return k === undefined ? undefined : { secretAccessKey: k.secretAccessKey, principal: k.principal, accountId: k.accountId, status: k.status };
    },
  };
}
