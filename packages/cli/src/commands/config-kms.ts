/**
 * The KMS each SOPS `kms` master key is used through from the CLI (docs/CONFIG.md "Key sources"),
 * following SOPS's kms key source:
 * - `aws_profile` P: a remote KMS (AWS SDK) signed with P's credentials from ~/.aws/config and
 *   ~/.aws/credentials, at --endpoint-url when given, else P's `endpoint_url` (or
 *   AWS_ENDPOINT_URL_KMS), else AWS KMS; the region is the key ARN's (core MasterKeyKms).
 * - no profile: the invocation's KMS — the embedded keystore acting as the active Envelope
 *   profile, or the remote KMS chosen by --endpoint-url / --profile (region from the key ARN).
 * - `role` R: STS AssumeRole for R first, as the identity above (the embedded keystore's STS in
 *   process, or the remote endpoint's STS), with SOPS's session name `sops@<hostname>`; the KMS
 *   calls then act as `arn:aws:sts::ACCOUNT:assumed-role/R/sops@<hostname>`, which is what key
 *   policies, grants and the audit log see.
 * Each is opened once per invocation and closed with it.
 */
import { hostname } from 'node:os';
import { MasterKeyKms, stsSessionName, type CallContext, type ConfigKms, type KmsMasterKey } from '@envelope/core';
import type { CliContext } from '../cli-context.js';

/** What a key needs from its KMS: the data key calls, and DescribeKey to turn an alias into an ARN. */
export interface KeyKms extends ConfigKms {
  DescribeKey(req: { KeyId: string }): Promise<{ KeyMetadata?: { Arn?: string } }>;
}

export interface ConfigKmsProvider {
  forKey(key: KmsMasterKey): Promise<KeyKms>;
  close(): void;
}

export function configKmsProvider(ctx: CliContext, sessionName: string = stsSessionName(hostname())): ConfigKmsProvider {
  const embeddedByRole = new Map<string, Promise<KeyKms>>();
  let remote: Promise<MasterKeyKms> | undefined;

  const remoteKeys = (): Promise<MasterKeyKms> => {
    remote ??= ctx.kmsChoice().then(
      (choice) =>
        new MasterKeyKms({
          sessionName,
          ...(choice.kind === 'remote' && choice.endpoint !== undefined ? { endpoint: choice.endpoint } : {}),
          ...(choice.kind === 'remote' && choice.profile !== undefined ? { profile: choice.profile } : {}),
          ...(ctx.opts.regionGiven ? { region: ctx.opts.region } : {}),
        }),
    );
    return remote;
  };

  const embedded = async (role: string | undefined): Promise<KeyKms> => {
    const svc = await ctx.open();
    let caller: CallContext = svc.caller;
    if (role !== undefined) {
      const session = await svc.sts.AssumeRole({ RoleArn: role, RoleSessionName: sessionName }, svc.caller);
      const arn = session.AssumedRoleUser.Arn;
      caller = { principal: arn, accountId: arn.split(':')[4]!, accessKeyId: session.Credentials.AccessKeyId, ...(svc.caller.region !== undefined ? { region: svc.caller.region } : {}) };
    }
    return {
      Encrypt: (req) => svc.kms.Encrypt(req, caller),
      Decrypt: (req) => svc.kms.Decrypt(req, caller),
      DescribeKey: (req) => svc.kms.DescribeKey(req, caller),
    };
  };

  return {
    async forKey(key) {
      if (key.awsProfile !== undefined || (await ctx.kmsChoice()).kind === 'remote') return (await remoteKeys()).forKey(key);
      const id = key.role ?? '';
      let kms = embeddedByRole.get(id);
      if (kms === undefined) {
        kms = embedded(key.role);
        embeddedByRole.set(id, kms);
      }
      return kms;
    },
    close() {
      void remote?.then((r) => r.close(), () => undefined);
    },
  };
}
