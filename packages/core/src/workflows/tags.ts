/**
 * Artifact tags, with EC2's limits (EC2 User Guide, "Tag restrictions"): at most 50 tags, keys
 * 1–128 characters, values 0–256 characters, no key starting with the reserved prefix `aws:`.
 */
import { ValidationException } from '../errors.js';

export const MAX_TAGS = 50;

export function validateTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new ValidationException(`At most ${MAX_TAGS} tags are allowed, got ${entries.length}`);
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128) throw new ValidationException(`Tag key '${k}' must be 1 to 128 characters long`);
    if (k.toLowerCase().startsWith('aws:')) throw new ValidationException(`Tag key '${k}' uses the reserved prefix 'aws:'`);
    if (typeof v !== 'string' || v.length > 256) throw new ValidationException(`Tag value of '${k}' must be a string of at most 256 characters`);
  }
  return Object.fromEntries(entries);
}
