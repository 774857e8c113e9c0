/**
 * Where keys live (docs/EXTENSION.md "Settings"): the embedded keystore (`openDefaultKms`, the
 * same local KMS the CLI uses) or an AWS-compatible KMS endpoint (`envelope serve`, or AWS KMS
 * with the standard AWS credential chain) through @aws-sdk/client-kms. Both expose the AWS-named
 * `KmsApi` and the keyrings the file commands use; no KMS logic lives here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand,
  GetKeyRotationStatusCommand, KMSClient, ListAliasesCommand, ListKeyRotationsCommand, ListKeysCommand,
  RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import {
  AwsKmsKeyring, KMS_API_OPERATIONS, KmsKeyring, openDefaultKms, rootCaller,
  type CallContext, type Keyring, type KmsApi,
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
      close: async () => {},
    };
  }
  const client = new KMSClient({
    region: settings.region,
    ...(b.kind === 'endpoint' ? { endpoint: b.url } : {}),
    ...(settings.profile !== 'default' ? { profile: settings.profile } : {}),
  });
  return {
    kind: b.kind,
    location: b.kind === 'endpoint' ? b.url : `AWS KMS ${settings.region}`,
    api: sdkApi(client),
    keyring: (keyIds) => new AwsKmsKeyring({ client, generatorKeyId: keyIds[0]!, keyIds: keyIds.slice(1) }),
    discoveryKeyring: () => new AwsKmsKeyring({ client, discovery: true }),
    close: async () => client.destroy(),
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

function sdkApi(client: KMSClient): KmsApi {
  return {
    ListKeys: (r) => client.send(new ListKeysCommand(r)),
    ListAliases: (r) => client.send(new ListAliasesCommand(r)),
    DescribeKey: (r) => client.send(new DescribeKeyCommand(r)),
    CreateKey: (r) => client.send(new CreateKeyCommand(r)),
    CreateAlias: (r) => client.send(new CreateAliasCommand(r)),
    EnableKey: (r) => client.send(new EnableKeyCommand(r)),
    DisableKey: (r) => client.send(new DisableKeyCommand(r)),
    ScheduleKeyDeletion: (r) => client.send(new ScheduleKeyDeletionCommand(r)),
    RotateKeyOnDemand: (r) => client.send(new RotateKeyOnDemandCommand(r)),
    GetKeyRotationStatus: (r) => client.send(new GetKeyRotationStatusCommand(r)),
    ListKeyRotations: (r) => client.send(new ListKeyRotationsCommand(r)),
  };
}
