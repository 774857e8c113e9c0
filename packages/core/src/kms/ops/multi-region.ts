/**
 * ReplicateKey, UpdatePrimaryRegion (AWS KMS API Reference; Developer Guide "Multi-Region
 * keys"). A replica is its own key record in another region with the same key id and the same
 * key material (the same sealed versions), but its own state, aliases, tags and policy.
 */
import { AlreadyExistsException, NotFoundException, UnsupportedOperationException, ValidationException } from '../../errors.js';
import { keyArn } from '../identifiers.js';
import type { KeyRecord } from '../key-record.js';
import { relatedMultiRegionKeys, toKeyMetadata } from '../metadata.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type { ReplicateKeyRequest, ReplicateKeyResponse, UpdatePrimaryRegionRequest } from '../types.js';
import { defaultKeyPolicy, validateDescription, validatePolicy, validateTags } from './keys.js';

const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function requireRegion(region: unknown, field: string): string {
  if (typeof region !== 'string' || !REGION_RE.test(region)) {
    throw new ValidationException(`${field} must be a region name such as us-west-2, got ${JSON.stringify(region)}`);
  }
  return region;
}

function requireMultiRegion(key: KeyRecord, op: string): void {
  if (!key.multiRegion) throw new UnsupportedOperationException(`${key.arn} is not a multi-Region key; ${op} needs one (CreateKey MultiRegion=true).`);
}

export const replicateKeyOp: Operation<ReplicateKeyRequest, ReplicateKeyResponse> = {
  name: 'ReplicateKey',
  mutates: true,
  validate(req) {
    requireRegion(req.ReplicaRegion, 'ReplicaRegion');
    validateDescription(req.Description);
    validateTags(req.Tags);
    if (req.Policy !== undefined) validatePolicy(req.Policy);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    requireMultiRegion(key, 'ReplicateKey');
    if (key.primaryRegion !== key.region) {
      throw new UnsupportedOperationException(`${key.arn} is a replica; replicate the primary key in ${key.primaryRegion}.`);
    }
    const arn = keyArn(req.ReplicaRegion, key.accountId, key.keyId);
    if (relatedMultiRegionKeys(ctx.section, key).some((k) => k.region === req.ReplicaRegion)) {
      throw new AlreadyExistsException(`${arn} already exists`);
    }
    const replica: KeyRecord = {
      ...key,
      arn,
      region: req.ReplicaRegion,
      createdAt: ctx.now,
      description: req.Description ?? key.description,
      policy: req.Policy ?? defaultKeyPolicy(key.accountId),
      tags: validateTags(req.Tags),
      state: key.origin === 'EXTERNAL' ? 'PendingImport' : key.state === 'Disabled' ? 'Disabled' : 'Enabled',
      rotation: { ...key.rotation },
      versions: key.origin === 'EXTERNAL'
        ? key.versions.map((v) => ({ id: v.id, createdAt: v.createdAt }))
        : key.versions.map((v) => ({ ...v })),
    };
    delete replica.deletionDate;
    delete replica.pendingWindowDays;
    delete replica.validTo;
    ctx.section.keys[arn] = replica;
    return { ReplicaKeyMetadata: toKeyMetadata(ctx.section, replica), ReplicaPolicy: replica.policy, ReplicaTags: replica.tags.map((t) => ({ ...t })) };
  },
};

export const updatePrimaryRegionOp: Operation<UpdatePrimaryRegionRequest, Record<string, never>> = {
  name: 'UpdatePrimaryRegion',
  mutates: true,
  validate(req) {
    requireRegion(req.PrimaryRegion, 'PrimaryRegion');
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    requireMultiRegion(key, 'UpdatePrimaryRegion');
    if (key.primaryRegion !== key.region) {
      throw new UnsupportedOperationException(`${key.arn} is a replica; call UpdatePrimaryRegion on the primary key in ${key.primaryRegion}.`);
    }
    const related = relatedMultiRegionKeys(ctx.section, key);
    if (!related.some((k) => k.region === req.PrimaryRegion)) {
      throw new NotFoundException(`${keyArn(req.PrimaryRegion, key.accountId, key.keyId)} does not exist; replicate the key there first.`);
    }
    for (const k of related) k.primaryRegion = req.PrimaryRegion;
    return {};
  },
};
