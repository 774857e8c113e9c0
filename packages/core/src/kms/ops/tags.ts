/** TagResource, UntagResource, ListResourceTags (AWS KMS API Reference; "Tagging keys"). */
import { TagException } from '../../errors.js';
import { MAX_TAGS } from '../constants.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type { ListResourceTagsRequest, ListResourceTagsResponse, TagResourceRequest, UntagResourceRequest } from '../types.js';
import { validateTags } from './keys.js';
import { paginate } from './validate.js';

export const tagResourceOp: Operation<TagResourceRequest, Record<string, never>> = {
  name: 'TagResource',
  mutates: true,
  validate(req) {
    validateTags(req.Tags);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    const tags = new Map(key.tags.map((t) => [t.TagKey, t.TagValue]));
    for (const t of validateTags(req.Tags)) tags.set(t.TagKey, t.TagValue);
    if (tags.size > MAX_TAGS) throw new TagException(`A key can have at most ${MAX_TAGS} tags`);
    key.tags = [...tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
    return {};
  },
};

export const untagResourceOp: Operation<UntagResourceRequest, Record<string, never>> = {
  name: 'UntagResource',
  mutates: true,
  validate(req) {
    if (!Array.isArray(req.TagKeys)) throw new TagException('TagKeys must be a list of strings');
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    const drop = new Set(req.TagKeys);
    key.tags = key.tags.filter((t) => !drop.has(t.TagKey));
    return {};
  },
};

export const listResourceTagsOp: Operation<ListResourceTagsRequest, ListResourceTagsResponse> = {
  name: 'ListResourceTags',
  mutates: false,
  targets: keyIdTarget,
  act(ctx, req) {
    const sorted = keyOf(ctx).tags.map((t) => ({ ...t })).sort((a, b) => (a.TagKey < b.TagKey ? -1 : a.TagKey > b.TagKey ? 1 : 0));
    const { page, ...rest } = paginate(sorted, req.Limit, req.Marker, 50);
    return { Tags: page, ...rest };
  },
};
