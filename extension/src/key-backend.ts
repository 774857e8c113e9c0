/**
 * Where keys live (docs/EXTENSION.md "Settings"): the embedded keystore (`openDefaultKms`, the
 * same local KMS the CLI uses) or an AWS-compatible KMS endpoint (`envelope serve`, or AWS KMS
 * with the standard AWS credential chain) through @aws-sdk/client-kms. Both expose the AWS-named
 * `KmsApi` and the keyrings the file commands use; no KMS logic lives here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  KMS_API_OPERATIONS, KmsKeyring, keyringFor, openDefaultKms, RemoteKms, rootCaller,
  type CallContext, type ConfigKms, type Keyring, type KmsApi,
} from './core-adapter.js';
import type { EnvelopeSettings } from './settings.js';

/** The embedded keystore's file inside its home (packages/core/src/keystore/keystore.ts). */
export const KEYSTORE_FILE = 'keystore.msgpack';

export interface KeyBackend {
  /** "embedded" or "endpoint"/"aws". */
  readonly kind: EnvelopeSettings['backend']['kind'];
  /** Where the keys are, for messages ("~/.envelope", "http://127.0.0.1:8080"). */
  readonly location: string;
  readonly api: KmsApi;
  /** Generates under the first key and wraps under every key (KMS GenerateDataKey + Encrypt). */
  keyring(keyIds: readonly string[]): Keyring;
  /** Unwraps any data key the caller may decrypt (KMS Decrypt). */
  discoveryKeyring(): Keyring;
  /** KMS Encrypt/Decrypt for the `kms` entries of SOPS config files (wrapping their data keys). */
  readonly configKms: ConfigKms;
  close(): Promise<void>;
}

export interface OpenBackendHooks {
  /** Asked once before the embedded keystore is created; false cancels the operation. */
  confirmCreateKeystore(home: string): Promise<boolean>;
  /** The root-key passphrase from SecretStorage, if the user stored one. */
  passphrase(): Promise<string | undefined>;
}

/** Thrown when the user declined creating the keystore; commands end quietly. */
export class KeystoreCreationDeclined extends Error {
  constructor(home: string) {
    super(`the Envelope keystore at ${home} was not created`);
    this.name = 'KeystoreCreationDeclined';
  }
}

export async function openKeyBackend(settings: EnvelopeSettings, hooks: OpenBackendHooks): Promise<KeyBackend> {
  const b = settings.backend;
  if (b.kind === 'embedded') {
    if (!existsSync(join(b.home, KEYSTORE_FILE))) {
      if (!(await hooks.confirmCreateKeystore(b.home))) throw new KeystoreCreationDeclined(b.home);
    }
    const passphrase = await hooks.passphrase();
    const kms = await openDefaultKms({ home: b.home, region: settings.region, ...(passphrase ? { passphrase } : {}) });
    const caller: CallContext = rootCaller(undefined, settings.region);
    return {
      kind: 'embedded',
      location: b.home,
      api: bindKms(kms as unknown as Record<string, unknown>, caller),
      keyring: (keyIds) => new KmsKeyring({ kms, keyIds: [...keyIds], caller }),
      discoveryKeyring: () => new KmsKeyring({ kms, discovery: true, caller }),
      configKms: { Encrypt: (req) => kms.Encrypt(req, caller), Decrypt: (req) => kms.Decrypt(req, caller) },
      close: async () => {},
    };
  }
  // The core's remote KMS (the same one the CLI's --endpoint-url uses): AWS SDK KMSClient, standard credential chain.
  const remote = await RemoteKms.open({
    region: settings.region,
    ...(b.kind === 'endpoint' ? { endpoint: b.url } : {}),
    ...(settings.profile !== 'default' ? { profile: settings.profile } : {}),
  });
  return {
    kind: b.kind,
    location: b.kind === 'endpoint' ? b.url : `AWS KMS ${settings.region}`,
    api: remote as unknown as KmsApi,
    keyring: (keyIds) => keyringFor(remote, { keyIds }),
    discoveryKeyring: () => keyringFor(remote, { discovery: true }),
    configKms: { Encrypt: (req) => remote.Encrypt(req), Decrypt: (req) => remote.Decrypt(req) },
    close: async () => remote.close(),
  };
}

/** The embedded Kms's AWS-named methods with the caller bound (`kms.Op(request, caller)`). */
function bindKms(kms: Record<string, unknown>, caller: CallContext): KmsApi {
  const call = (op: string) => (req: unknown) => {
    const fn = kms[op];
    if (typeof fn !== 'function') throw new TypeError(`the embedded Kms has no ${op} operation`);
    return (fn as (r: unknown, c: CallContext) => Promise<unknown>).call(kms, req, caller);
  };
  return Object.fromEntries(KMS_API_OPERATIONS.map((op) => [op, call(op)])) as unknown as KmsApi;
}
