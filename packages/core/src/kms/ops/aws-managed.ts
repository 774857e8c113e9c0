/**
 * AWS managed keys (AWS KMS Developer Guide, "AWS managed keys"): created on first use by an
 * integrated service as `alias/aws/<service>`, KeyManager AWS, rotated every year, visible in
 * DescribeKey/ListAliases, used by callers only through that service (kms:ViaService).
 */
import { ValidationException } from '../../errors.js';
import { DAY_MS } from '../constants.js';
import { aliasKey } from '../key-record.js';
import { toKeyMetadata } from '../metadata.js';
import type { Operation } from '../operation.js';
import type { DescribeKeyResponse } from '../types.js';
import { keyArn } from '../identifiers.js';
import { createKeyRecord } from './keys.js';
import { awsManagedKeyPolicy } from '../../policy/default-key-policy.js';

export interface GetOrCreateAwsManagedKeyRequest {
  /** The service short name, e.g. "ebs", "s3", "envelope-snapshots". */
  Service: string;
}

const SERVICE_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const getOrCreateAwsManagedKeyOp: Operation<GetOrCreateAwsManagedKeyRequest, DescribeKeyResponse> = {
  name: 'GetOrCreateAwsManagedKey',
  action: 'kms:DescribeKey',
  mutates: true,
  validate(req) {
    if (typeof req.Service !== 'string' || !SERVICE_RE.test(req.Service)) {
      throw new ValidationException(`Service must be a lowercase service name, got ${JSON.stringify(req.Service)}`);
    }
  },
  async act(ctx, req) {
    const account = ctx.caller.accountId;
    const aliasName = `alias/aws/${req.Service}`;
    const id = aliasKey(account, ctx.region, aliasName);
    const existing = ctx.section.aliases[id];
    if (existing) {
      const rec = ctx.section.keys[keyArn(ctx.region, account, existing.targetKeyId)];
      if (rec) return { KeyMetadata: toKeyMetadata(ctx.section, rec) };
    }
    const rec = await createKeyRecord(ctx, {
      accountId: account, region: ctx.region, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS',
      description: `Default key that protects my ${req.Service} resources when no other key is defined`,
      policy: awsManagedKeyPolicy(account, req.Service, ctx.region), tags: [], multiRegion: false,
      keyManager: 'AWS', awsService: req.Service,
    });
    rec.rotation = { enabled: true, periodDays: 365, nextRotation: ctx.now + 365 * DAY_MS };
    ctx.section.aliases[id] = { accountId: account, region: ctx.region, name: aliasName, targetKeyId: rec.keyId, createdAt: ctx.now, updatedAt: ctx.now };
    return { KeyMetadata: toKeyMetadata(ctx.section, rec) };
  },
};
