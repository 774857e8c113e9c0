/**
 * Remote KMS clients for SOPS `kms` master keys (docs/CONFIG.md "Key sources"), as SOPS's kms key
 * source makes them: the region of the key's ARN; the key's `aws_profile` (else the default
 * profile given here, else the AWS SDK's chain) for credentials and settings, including the
 * profile's `endpoint_url`; and, with a `role`, STS AssumeRole for it before the KMS calls
 * (RemoteKms `assumeRole`). One client per (profile, region, role), closed together.
 * Pass `forKey` as the `kms` option of the config API (`loadConfig`, `decryptConfig`, …).
 */
import { RemoteKms } from './remote-kms.js';

/** The fields of a SOPS kms entry this needs (config/keys/kms-key.ts `KmsMasterKey`). */
export interface MasterKeyRef {
  readonly arn: string;
  readonly role?: string;
  readonly awsProfile?: string;
}

export interface MasterKeyKmsOptions {
  /** An endpoint for every key (e.g. a team's `envelope serve`); default: each profile's, else AWS KMS. */
  readonly endpoint?: string;
  /** The AWS profile for keys without `aws_profile`; default: the AWS SDK's chain (AWS_PROFILE, …). */
  readonly profile?: string;
  /** The region for keys whose id is not an ARN. */
  readonly region?: string;
  /** RoleSessionName for `role` (SOPS: `sops@<hostname>`, config/keys/kms-key.ts `stsSessionName`). */
  readonly sessionName: string;
}

const KMS_ARN_REGION = /^arn:aws[\w-]*:kms:([^:]+):\d+:(?:key|alias)\/.+$/;

export class MasterKeyKms {
  private readonly options: MasterKeyKmsOptions;
  private readonly clients = new Map<string, Promise<RemoteKms>>();

  constructor(options: MasterKeyKmsOptions) {
    this.options = options;
  }

  /** The RemoteKms for `key` (opened on first use; no request is sent until a call). */
  forKey(key: MasterKeyRef): Promise<RemoteKms> {
    const profile = key.awsProfile ?? this.options.profile;
    const region = KMS_ARN_REGION.exec(key.arn)?.[1] ?? this.options.region;
    const id = JSON.stringify([profile ?? null, region ?? null, key.role ?? null]);
    let client = this.clients.get(id);
    if (client === undefined) {
      client = RemoteKms.open({
        ...(this.options.endpoint !== undefined ? { endpoint: this.options.endpoint } : {}),
        ...(profile !== undefined ? { profile } : {}),
        ...(region !== undefined ? { region } : {}),
        ...(key.role !== undefined ? { assumeRole: { roleArn: key.role, sessionName: this.options.sessionName } } : {}),
      });
      this.clients.set(id, client);
    }
    return client;
  }

  /** Closes every client opened. */
  close(): void {
    for (const client of this.clients.values()) void client.then((c) => c.close(), () => undefined);
    this.clients.clear();
  }
}
