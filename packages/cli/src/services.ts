/**
 * The one place the CLI wires itself to @envelope/core: opens the embedded keystore's Kms for a
 * home, the Iam over the same store, resolves the active profile to the caller identity
 * (CallContext), and builds KmsKeyrings for the file commands. Everything else goes through
 * `Services`.
 */
import {
  DEFAULT_REGION,
  defaultHome,
  Iam,
  KmsKeyring,
  openDefaultKms,
  Sts,
  type CallContext,
  type Clock,
  type Keyring,
  type Kms,
  type Random,
} from '@envelope/core/local-kms';
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
  readonly region: string;
  readonly kms: Kms;
  readonly iam: Iam;
  /** Local STS over the same store (AssumeRole sessions). */
  readonly sts: Sts;
  /** Who the CLI acts as: the active profile's principal (default: the default account's root). */
  readonly caller: CallContext;
  /** A keyring that generates under the first key and wraps under every key. */
  keyring(keyIds: readonly string[]): Keyring;
  /** A keyring that unwraps any envelope-kms data key the caller may decrypt. */
  discoveryKeyring(): Keyring;
  /** Access key (IAM key or STS session) → principal + secret (+ session token), for SigV4 verification by `envelope serve`. */
  lookupAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
}

export async function openServices(opts: ServicesOptions): Promise<Services> {
  const home = opts.home ?? defaultHome(opts.env);
  const kms = openDefaultKms({
    home,
    region: opts.region ?? DEFAULT_REGION,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.random ? { random: opts.random } : {}),
  });
  const iam = new Iam({ store: kms.store });
  const sts = new Sts({ store: kms.store });
  const profile = iam.resolveProfile(opts.profile);
  // A profile saved by `sts assume-role --save-profile` acts as its role session while it lasts.
  const session = profile.sessionAccessKeyId !== undefined ? sts.requireLiveSession(profile.sessionAccessKeyId) : undefined;
  const region = opts.region ?? profile.region ?? DEFAULT_REGION;
  const caller: CallContext = { principal: profile.principal, accountId: profile.accountId, region, ...(session ? { accessKeyId: session.AccessKeyId } : {}) };
  return {
    home,
    region,
    kms,
    iam,
    sts,
    caller,
    keyring: (keyIds) => new KmsKeyring({ kms, keyIds: [...keyIds], caller }),
    discoveryKeyring: () => new KmsKeyring({ kms, discovery: true, caller }),
    lookupAccessKey: async (id) => {
      const k = iam.lookupAccessKey(id);
      if (k !== undefined) return { secretAccessKey: k.secretAccessKey, principal: k.principal, accountId: k.accountId, status: k.status };
      const s = sts.lookupSession(id);
      if (s === undefined) return undefined;
      return {
        secretAccessKey: s.secretAccessKey,
        principal: s.principal,
        accountId: s.accountId,
        sessionToken: s.sessionToken,
        expiration: s.expiration,
        session: { roleArn: s.roleArn, roleSessionName: s.roleSessionName },
      };
    },
  };
}
