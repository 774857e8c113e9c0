/**
 * CreateKey, DescribeKey, ListKeys, UpdateKeyDescription (AWS KMS API Reference).
 */
import { MalformedPolicyDocumentException, TagException, UnsupportedOperationException, ValidationException } from '../../errors.js';
import { MAX_DESCRIPTION_LENGTH, MAX_POLICY_BYTES, MAX_TAGS } from '../constants.js';
import { keyArn, newKeyId, newVersionId } from '../identifiers.js';
import type { KeyRecord } from '../key-record.js';
import { KEY_SPECS, validateSpecUsage, keyFamily } from '../key-specs.js';
import { generateMaterial, sealMaterial, type NewMaterial } from '../material.js';
import { generateRsa } from '../asymmetric.js';
import { toKeyMetadata } from '../metadata.js';
import { keyIdTarget, keyOf, type OpContext, type Operation } from '../operation.js';
import type {
  CreateKeyRequest, CreateKeyResponse, DescribeKeyRequest, DescribeKeyResponse, KeySpec, KeyUsage,
  ListKeysRequest, ListKeysResponse, Tag, UpdateKeyDescriptionRequest,
} from '../types.js';
import { paginate, requireEnum, requireString } from './validate.js';
import { defaultKeyPolicy } from '../../policy/default-key-policy.js';
import { parsePolicyDocument } from '../../policy/policy-document.js';
import { checkNewKeyPolicy } from './policies.js';

export { defaultKeyPolicy };

/** Checks a key policy is a JSON object document of at most 32 KiB; returns it verbatim. */
export function validatePolicy(policy: unknown): string {
  if (typeof policy !== 'string' || policy.length === 0 || Buffer.byteLength(policy) > MAX_POLICY_BYTES) {
    throw new MalformedPolicyDocumentException(`Policy must be a JSON document of 1 to ${MAX_POLICY_BYTES} bytes`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch (e) {
    throw new MalformedPolicyDocumentException(`Policy is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || !('Statement' in doc)) {
    throw new MalformedPolicyDocumentException('Policy must be a JSON object with a Statement');
  }
  parsePolicyDocument(policy, { kind: 'key' });
  return policy;
}

export function validateTags(tags: unknown): Tag[] {
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw new ValidationException('Tags must be a list of {TagKey, TagValue}');
  const seen = new Set<string>();
  for (const t of tags as Tag[]) {
    if (typeof t?.TagKey !== 'string' || t.TagKey.length < 1 || t.TagKey.length > 128) throw new TagException('TagKey must be 1 to 128 characters');
    if (typeof t.TagValue !== 'string' || t.TagValue.length > 256) throw new TagException('TagValue must be 0 to 256 characters');
    if (t.TagKey.startsWith('aws:')) throw new TagException(`Tag keys beginning with 'aws:' are reserved: ${t.TagKey}`);
    if (seen.has(t.TagKey)) throw new TagException(`Duplicate tag key ${t.TagKey}`);
    seen.add(t.TagKey);
  }
  if (tags.length > MAX_TAGS) throw new TagException(`A key can have at most ${MAX_TAGS} tags`);
  return (tags as Tag[]).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
}

export function validateDescription(d: unknown): string {
  if (d === undefined) return '';
  if (typeof d !== 'string' || d.length > MAX_DESCRIPTION_LENGTH) {
    throw new ValidationException(`Description must be a string of at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return d;
}

export interface NewKeyOptions {
  accountId: string;
  region: string;
  keySpec: KeySpec;
  keyUsage: KeyUsage;
  origin: 'AWS_KMS' | 'EXTERNAL';
  description: string;
  policy: string;
  tags: Tag[];
  multiRegion: boolean;
  keyManager: 'AWS' | 'CUSTOMER';
  awsService?: string;
}

/** Builds and stores a new key record (with its first version unless the origin is EXTERNAL). */
export async function createKeyRecord(ctx: OpContext, o: NewKeyOptions, pregenerated?: NewMaterial): Promise<KeyRecord> {
  const keyId = newKeyId(ctx.random, o.multiRegion);
  const arn = keyArn(o.region, o.accountId, keyId);
  const rec: KeyRecord = {
    arn, keyId, accountId: o.accountId, region: o.region, createdAt: ctx.now, description: o.description,
    keySpec: o.keySpec, keyUsage: o.keyUsage, origin: o.origin, keyManager: o.keyManager,
    state: o.origin === 'EXTERNAL' ? 'PendingImport' : 'Enabled',
    policy: o.policy, tags: o.tags, multiRegion: o.multiRegion,
    rotation: { enabled: false }, versions: [],
  };
  if (o.multiRegion) rec.primaryRegion = o.region;
  if (o.awsService) rec.awsService = o.awsService;
  if (o.origin === 'AWS_KMS') {
    const versionId = newVersionId(ctx.random);
    const { material, publicKey } = pregenerated ?? await generateMaterial(o.keySpec, ctx.random);
    rec.versions.push({ id: versionId, createdAt: ctx.now, sealed: sealMaterial(ctx.sealer, keyId, versionId, material) });
    material.fill(0);
    if (publicKey) rec.publicKey = publicKey;
  }
  ctx.section.keys[arn] = rec;
  return rec;
}

export const createKeyOp: Operation<CreateKeyRequest, CreateKeyResponse> = {
  name: 'CreateKey',
  mutates: true,
  validate(req) {
    if (req.KeySpec && req.CustomerMasterKeySpec && req.KeySpec !== req.CustomerMasterKeySpec) {
      throw new ValidationException('KeySpec and CustomerMasterKeySpec must not differ; use KeySpec');
    }
  },
  // RSA generation takes seconds: do it before the keystore lock is taken.
  async prepare(req): Promise<NewMaterial | undefined> {
    const spec = req.KeySpec ?? req.CustomerMasterKeySpec;
    if (typeof spec !== 'string' || !/^RSA_(2048|3072|4096)$/.test(spec) || (req.Origin ?? 'AWS_KMS') !== 'AWS_KMS') return undefined;
    validateSpecUsage(spec as KeySpec, (req.KeyUsage ?? 'ENCRYPT_DECRYPT') as KeyUsage);
    const pair = await generateRsa(Number(spec.slice(4)));
    return { material: pair.privateKey, publicKey: pair.publicKey };
  },
  async act(ctx, req) {
    const keySpec = requireEnum(req.KeySpec ?? req.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT', 'KeySpec', KEY_SPECS);
    // AWS: KeyUsage defaults to ENCRYPT_DECRYPT and is required for every spec that cannot encrypt.
    const keyUsage = (req.KeyUsage ?? 'ENCRYPT_DECRYPT') as KeyUsage;
    validateSpecUsage(keySpec, keyUsage);
    const origin = requireEnum(req.Origin ?? 'AWS_KMS', 'Origin', ['AWS_KMS', 'EXTERNAL'] as const);
    if (origin === 'EXTERNAL' && keyFamily(keySpec) !== 'symmetric') {
      throw new UnsupportedOperationException(`Imported key material is supported here for SYMMETRIC_DEFAULT keys only, not ${keySpec}`);
    }
    const rec = await createKeyRecord(ctx, {
      accountId: ctx.caller.accountId,
      region: ctx.region,
      keySpec, keyUsage, origin,
      description: validateDescription(req.Description),
      policy: req.Policy === undefined ? defaultKeyPolicy(ctx.caller.accountId) : validatePolicy(req.Policy),
      tags: validateTags(req.Tags),
      multiRegion: req.MultiRegion === true,
      keyManager: 'CUSTOMER',
    }, ctx.prepared as NewMaterial | undefined);
    // Principals must exist and the caller must keep PutKeyPolicy (lockout safety check).
    if (req.Policy !== undefined) checkNewKeyPolicy(ctx, req.Policy, rec.arn, rec.accountId, req.BypassPolicyLockoutSafetyCheck);
    return { KeyMetadata: toKeyMetadata(ctx.section, rec) };
  },
};

export const describeKeyOp: Operation<DescribeKeyRequest, DescribeKeyResponse> = {
  name: 'DescribeKey',
  mutates: false,
  targets: keyIdTarget,
  act: (ctx) => ({ KeyMetadata: toKeyMetadata(ctx.section, keyOf(ctx)) }),
};

export const listKeysOp: Operation<ListKeysRequest, ListKeysResponse> = {
  name: 'ListKeys',
  mutates: false,
  act(ctx, req) {
    const mine = Object.values(ctx.section.keys)
      .filter((k) => k.accountId === ctx.caller.accountId && k.region === ctx.region)
      .sort((a, b) => a.createdAt - b.createdAt || (a.keyId < b.keyId ? -1 : 1));
    const { page, ...rest } = paginate(mine, req.Limit, req.Marker, 100);
    return { Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), ...rest };
  },
};

export const updateKeyDescriptionOp: Operation<UpdateKeyDescriptionRequest, Record<string, never>> = {
  name: 'UpdateKeyDescription',
  mutates: true,
  validate(req) {
    requireString(req.KeyId, 'KeyId');
    validateDescription(req.Description);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    keyOf(ctx).description = req.Description;
    return {};
  },
};

