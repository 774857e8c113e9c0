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
 * The key policy of an AWS managed key (`alias/aws/<service>`) for `service` (e.g. "ec2", "s3",
 * "secretsmanager") in `region`: cryptographic use by any principal of the account, only via
 * `<service>.<region>.amazonaws.com`; metadata reads by the account directly.
 */
export function awsManagedKeyPolicy(accountId: string, service: string, region: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `auto-${service}-1`,
    Statement: [
      {
        Sid: `Allow access through ${service} for all principals in the account that are authorized to use ${service}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `${service}.${region}.amazonaws.com` },
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
