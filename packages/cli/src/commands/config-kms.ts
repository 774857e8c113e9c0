/**
 * The KMS each SOPS `kms` master key is used through from the CLI (docs/CONFIG.md "Key sources"),
 * following SOPS's kms key source:
 * - `aws_profile` P: a remote KMS (AWS SDK) signed with P's credentials from ~/.aws/config and
 *   ~/.aws/credentials, at --endpoint-url when given, else P's `endpoint_url` (or
 *   AWS_ENDPOINT_URL_KMS), else AWS KMS; the region is the key ARN's.
 * - no profile: the invocation's KMS — the embedded keystore acting as the active Envelope
 *   profile, or the remote KMS chosen by --endpoint-url / --profile (region from the key ARN).
 * - `role` R: STS AssumeRole for R first, as the identity above (the embedded keystore's STS in
 *   process, or the remote endpoint's STS), with SOPS's session name `sops@<hostname>`; the KMS
 *   calls then act as `arn:aws:sts::ACCOUNT:assumed-role/R/sops@<hostname>`, which is what key
 *   policies, grants and the audit log see.
 * Each (profile, endpoint, region, role) is opened once per invocation and closed with it.
 */
import { hostname } from 'node:os';
import { kmsArnRegion, RemoteKms, stsSessionName, type CallContext, type ConfigKms, type KmsMasterKey } from '@envelope/core';
import type { CliContext } from '../cli-context.js';

/** What a key needs from its KMS: the data key calls, and DescribeKey to turn an alias into an ARN. */
export interface MasterKeyKms extends ConfigKms {
  DescribeKey(req: { KeyId: string }): Promise<{ KeyMetadata?: { Arn?: string } }>;
}

export interface ConfigKmsProvider {
  forKey(key: KmsMasterKey): Promise<MasterKeyKms>;
  close(): void;
}

export function configKmsProvider(ctx: CliContext, sessionName: string = stsSessionName(hostname())): ConfigKmsProvider {
  const opened = new Map<string, Promise<MasterKeyKms>>();
  const remotes: Promise<RemoteKms>[] = [];

  const remote = (o: { endpoint?: string; profile?: string; region?: string; role?: string }): Promise<MasterKeyKms> => {
    const kms = RemoteKms.open({
      ...(o.endpoint !== undefined ? { endpoint: o.endpoint } : {}),
      ...(o.profile !== undefined ? { profile: o.profile } : {}),
      ...(o.region !== undefined ? { region: o.region } : {}),
      ...(o.role !== undefined ? { assumeRole: { roleArn: o.role, sessionName } } : {}),
    });
    remotes.push(kms);
    return kms;
  };

  const embedded = async (role: string | undefined): Promise<MasterKeyKms> => {
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

  const open = async (key: KmsMasterKey): Promise<MasterKeyKms> => {
    const region = kmsArnRegion(key.arn) ?? (ctx.opts.regionGiven ? ctx.opts.region : undefined);
    const choice = await ctx.kmsChoice();
    const endpoint = choice.kind === 'remote' ? choice.endpoint : undefined;
    if (key.awsProfile !== undefined) return remote({ ...(endpoint !== undefined ? { endpoint } : {}), profile: key.awsProfile, ...(region ? { region } : {}), ...(key.role ? { role: key.role } : {}) });
    if (choice.kind === 'remote') {
      return remote({ ...(endpoint !== undefined ? { endpoint } : {}), ...(choice.profile !== undefined ? { profile: choice.profile } : {}), ...(region ? { region } : {}), ...(key.role ? { role: key.role } : {}) });
    }
    return embedded(key.role);
  };

  return {
    forKey(key) {
      const id = JSON.stringify([key.awsProfile ?? '', kmsArnRegion(key.arn) ?? '', key.role ?? '']);
      let kms = opened.get(id);
      if (kms === undefined) {
        kms = open(key);
        opened.set(id, kms);
      }
      return kms;
    },
    close() {
      for (const k of remotes) void k.then((r) => r.close(), () => undefined);
    },
  };
}
