/**
 * The one place the CLI wires itself to @envelope/core: opens the KMS of this invocation — the
 * embedded keystore's Kms for a home (with the Iam over the same store and the active profile's
 * caller identity), or a RemoteKms (AWS KMS or an endpoint such as `envelope serve`) — and builds
 * the keyrings for the file commands. Commands that only call KMS operations take a `KmsBackend`;
 * commands that manage the keystore itself (iam, profiles, audit, serve, workflows) take `Services`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  AWS_KMS_PROVIDER_ID,
  DEFAULT_REGION,
  defaultHome,
  KEYSTORE_FILE,
  ROOT_KEY_FILE,
  Iam,
  IncorrectKeyException,
  KMS_PROVIDER_ID,
  keyringFor,
  openDefaultKms,
  Sts,
  RemoteKms,
  type CallContext,
  type Clock,
  type Keyring,
  type Kms,
  type KmsApi,
  type Random,
} from '@envelope/core/local-kms';
import type { AccessKeyRecord } from './serve/sigv4.js';

/** The KMS a command's operations and keyrings go to: the embedded keystore or a remote KMS. */
export interface KmsBackend {
  readonly kind: 'embedded' | 'remote';
  /** Where the keys are, for messages: the keystore home, an endpoint URL, or AWS KMS's regional URL. */
  readonly location: string;
  readonly region: string;
  readonly kms: KmsApi;
  /** Who the embedded Kms is called as; a remote KMS acts as its AWS credentials (undefined). */
  readonly caller: CallContext | undefined;
  /** A keyring that generates under the first key and wraps under every key. */
  keyring(keyIds: readonly string[]): Keyring;
  /** A keyring that unwraps any data key of this KMS the caller may decrypt. */
  discoveryKeyring(): Keyring;
  /** Releases connections (a remote KMS's HTTP agents). */
  close(): void;
}

export interface RemoteOptions {
  /** An http(s) URL; undefined: AWS KMS. */
  readonly endpoint?: string;
  /** An AWS profile (~/.aws/config, ~/.aws/credentials); undefined: AWS_PROFILE, else the default chain. */
  readonly profile?: string;
  /** --region / ENVELOPE_REGION when given; else the AWS SDK's region (AWS_REGION, the profile's), else us-east-1. */
  readonly region?: string;
}

/** Opens a remote KMS through the AWS SDK (no request is sent until a command runs). */
export async function openRemote(opts: RemoteOptions): Promise<KmsBackend> {
  const kms = await RemoteKms.open(opts);
  return {
    kind: 'remote',
    location: kms.location(),
    region: kms.region,
    kms,
    caller: undefined,
    keyring: (keyIds) => keyringFor(kms, { keyIds }),
    discoveryKeyring: () => explaining(keyringFor(kms, { discovery: true }), AWS_KMS_PROVIDER_ID),
    close: () => kms.close(),
  };
}

/**
 * A discovery keyring that, when a message's data keys are all wrapped by the other kind of KMS,
 * says which KMS to decrypt with instead of the stream's bare IncorrectKeyException.
 */
function explaining(inner: Keyring, provider: typeof KMS_PROVIDER_ID | typeof AWS_KMS_PROVIDER_ID): Keyring {
  return {
    onEncrypt: (request) => inner.onEncrypt(request),
    onDecrypt: async (request) => {
      const key = await inner.onDecrypt(request);
      if (key !== undefined || request.encryptedDataKeys.some((k) => k.providerId === provider)) return key;
      const other = request.encryptedDataKeys.find((k) => k.providerId === (provider === KMS_PROVIDER_ID ? AWS_KMS_PROVIDER_ID : KMS_PROVIDER_ID));
      if (other === undefined) return undefined;
      throw new IncorrectKeyException(
        provider === KMS_PROVIDER_ID
          ? `the data key is wrapped by a remote KMS (aws-kms, ${other.keyId}), not by the embedded keystore: decrypt with --endpoint-url <url> (or --profile <AWS profile>)`
          : `the data key is wrapped by an embedded keystore (envelope-kms, ${other.keyId}), not by a remote KMS: decrypt without --endpoint-url`,
      );
    },
  };
}

export interface ServicesOptions {
  readonly home?: string;
  /** --region / ENVELOPE_REGION when given; else the profile's region; else us-east-1. */
  readonly region?: string;
  readonly profile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface Services extends KmsBackend {
  readonly kind: 'embedded';
  readonly home: string;
  /** True when this open created a new keystore (a root key or store file that was not there). */
  readonly created: boolean;
  readonly kms: Kms;
  readonly iam: Iam;
  /** Local STS over the same store (AssumeRole sessions). */
  readonly sts: Sts;
  /** Who the CLI acts as: the active profile's principal (default: the default account's root). */
  readonly caller: CallContext;
  /** Access key (IAM key or STS session) → principal + secret (+ session token), for SigV4 verification by `envelope serve`. */
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
  const sts = new Sts({ store: kms.store });
  const profile = iam.resolveProfile(opts.profile);
  // A profile saved by `sts assume-role --save-profile` acts as its role session while it lasts.
  const session = profile.sessionAccessKeyId !== undefined ? sts.requireLiveSession(profile.sessionAccessKeyId) : undefined;
  const region = opts.region ?? profile.region ?? DEFAULT_REGION;
  const caller: CallContext = { principal: profile.principal, accountId: profile.accountId, region, ...(session ? { accessKeyId: session.AccessKeyId } : {}) };
  return {
    kind: 'embedded',
    location: home,
    home,
    created: !existed && present(),
    region,
    kms,
    iam,
    sts,
    caller,
    keyring: (keyIds) => keyringFor(kms, { keyIds, caller }),
    discoveryKeyring: () => explaining(keyringFor(kms, { discovery: true, caller }), KMS_PROVIDER_ID),
    close: () => undefined,
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
