/**
 * Key identifiers (AWS KMS Developer Guide, "Key identifiers (KeyId)"): key id (UUID, or
 * `mrk-` + 32 hex for multi-Region keys), key ARN `arn:aws:kms:<region>:<account>:key/<id>`,
 * alias name `alias/<name>` and alias ARN `arn:aws:kms:<region>:<account>:alias/<name>`.
 */
import type { Random } from '../defaults.js';
import { InvalidAliasNameException, NotFoundException, ValidationException } from '../errors.js';
import { PARTITION } from './constants.js';

export type KeyRef =
  | { kind: 'keyId'; keyId: string }
  | { kind: 'keyArn'; keyId: string; region: string; accountId: string; arn: string }
  | { kind: 'alias'; aliasName: string }
  | { kind: 'aliasArn'; aliasName: string; region: string; accountId: string; arn: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK_RE = /^mrk-[0-9a-f]{32}$/;
const ARN_RE = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;
const ALIAS_RE = /^alias\/[a-zA-Z0-9/_-]{1,250}$/;

export function isKeyId(s: string): boolean {
  return UUID_RE.test(s) || MRK_RE.test(s);
}

/** Parses any accepted key identifier form; throws NotFoundException/ValidationException. */
export function parseKeyRef(value: unknown, field = 'KeyId'): KeyRef {
  if (typeof value !== 'string' || value.length < 1 || value.length > 2048) {
    throw new ValidationException(`1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between 1 and 2048`);
  }
  const m = ARN_RE.exec(value);
  if (m) {
    const [, , region, accountId, type, rest] = m as unknown as [string, string, string, string, string, string];
    if (type === 'key') {
      if (!isKeyId(rest)) throw new NotFoundException(`Invalid keyId ${value}`);
      return { kind: 'keyArn', keyId: rest, region, accountId, arn: value };
    }
    const aliasName = `alias/${rest}`;
    if (!ALIAS_RE.test(aliasName)) throw new NotFoundException(`Alias ${value} is not found.`);
    return { kind: 'aliasArn', aliasName, region, accountId, arn: value };
  }
  if (value.startsWith('alias/')) {
    if (!ALIAS_RE.test(value)) throw new NotFoundException(`Alias ${value} is not found.`);
    return { kind: 'alias', aliasName: value };
  }
  if (value.startsWith('arn:')) throw new NotFoundException(`Invalid arn ${value}`);
  if (!isKeyId(value)) throw new NotFoundException(`Invalid keyId ${value}`);
  return { kind: 'keyId', keyId: value };
}

/** Checks an alias name for CreateAlias/UpdateAlias/DeleteAlias (`alias/aws/` is reserved for AWS managed keys). */
export function validateAliasName(name: unknown): string {
  if (typeof name !== 'string' || !ALIAS_RE.test(name)) {
    throw new ValidationException(`Alias name must begin with 'alias/' followed by 1-250 characters of [a-zA-Z0-9/_-]; got ${JSON.stringify(name)}`);
  }
  if (name.startsWith('alias/aws/')) {
    throw new InvalidAliasNameException(`Alias names that begin with 'alias/aws/' are reserved for AWS managed keys: ${name}`);
  }
  return name;
}

export function keyArn(region: string, accountId: string, keyId: string): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(region: string, accountId: string, aliasName: string): string {
  return `arn:${PARTITION}:kms:${region}:${accountId}:${aliasName}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** A random RFC 4122 v4 UUID from the injected random source. */
export function newKeyId(random: Random, multiRegion: boolean): string {
  const b = random(16);
  if (multiRegion) return `mrk-${hex(b)}`;
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A key version (key material) id: 32 hex characters. */
export function newVersionId(random: Random): string {
  return hex(random(16));
}
