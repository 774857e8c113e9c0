/**
 * Key policies AWS KMS attaches itself (KMS Developer Guide, "Default key policy": the policy
 * CreateKey applies when none is given, whose one statement "Enable IAM User Permissions" gives the
 * account root full access and so lets IAM policies in that account take effect; and "AWS managed
 * keys": usable by every principal of the account, but only through the named service).
 */
import { rootArn } from './principal.js';

/** The key policy name AWS KMS supports (ListKeyPolicies / GetKeyPolicy). */
export const DEFAULT_POLICY_NAME = 'default';

/** The programmatic default key policy for a key in `accountId`, as pretty-printed JSON. */
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: rootArn(accountId) },
      Action: 'kms:*',
      Resource: '*',
    }],
  }, null, 2);
}

/**
 * AWS managed keys whose policy AWS documents, by the short name in `alias/aws/<name>`: the service
 * name shown in the Sid, the policy Id, and the service endpoint in kms:ViaService — which is not
 * always the alias's name (aws/ebs is used through EC2: `ec2.<region>.amazonaws.com`).
 */
const MODELLED: Readonly<Record<string, { name: string; id: string; via: string }>> = {
  ebs: { name: 'EBS', id: 'auto-ebs-2', via: 'ec2' },
};

/** The service whose endpoint uses `alias/aws/<service>` (kms:ViaService `<it>.<region>.amazonaws.com`). */
export function awsManagedViaService(service: string): string {
  return MODELLED[service]?.via ?? service;
}

/**
 * The key policy of an AWS managed key (`alias/aws/<service>`) for `service` (e.g. "ebs", "s3",
 * "secretsmanager") in `region`: cryptographic use by any principal of the account, only via the
 * service's endpoint; metadata reads by the account directly. For the services in MODELLED it is
 * AWS's own policy (fixtures/policies/policies.json "aws-managed-ebs", from the AWS KMS Developer Guide).
 */
export function awsManagedKeyPolicy(accountId: string, service: string, region: string): string {
  const m = MODELLED[service];
  const name = m?.name ?? service;
  return JSON.stringify({
    Version: '2012-10-17',
    Id: m?.id ?? `auto-${service}-1`,
    Statement: [
      {
        Sid: `Allow access through ${name} for all principals in the account that are authorized to use ${name}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `${awsManagedViaService(service)}.${region}.amazonaws.com` },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: rootArn(accountId) },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  }, null, 2);
}
