/**
 * Key resolution (AWS KMS "Key identifiers"): key id and alias name resolve in the caller's
 * account and the call's region; key ARNs and alias ARNs name their account and region, and
 * must name the call's region.
 */
import { NotFoundException } from '../errors.js';
import { aliasArn, keyArn, parseKeyRef } from './identifiers.js';
import { aliasKey, type KeyRecord, type KmsSection } from './key-record.js';
import type { ResolveEnv } from './operation.js';
import type { AuthorizationResource } from './hooks.js';

export interface Resolved {
  readonly key: KeyRecord;
  /** The alias name if the caller named the key by alias or alias ARN. */
  readonly alias?: string;
}

export function resolveKey(section: KmsSection, ref: string, env: ResolveEnv, field = 'KeyId'): Resolved {
  const parsed = parseKeyRef(ref, field);
  const { region } = env;
  const account = env.caller.accountId;
  switch (parsed.kind) {
    case 'keyId':
      return { key: lookup(section, keyArn(region, account, parsed.keyId)) };
    case 'keyArn':
      if (parsed.region !== region) throw new NotFoundException(`Key '${parsed.arn}' does not exist in region ${region}`);
      return { key: lookup(section, parsed.arn) };
    case 'alias':
    case 'aliasArn': {
      const acct = parsed.kind === 'aliasArn' ? parsed.accountId : account;
      const reg = parsed.kind === 'aliasArn' ? parsed.region : region;
      if (reg !== region) throw new NotFoundException(`Alias ${aliasArn(reg, acct, parsed.aliasName)} is not found.`);
      const alias = section.aliases[aliasKey(acct, reg, parsed.aliasName)];
      if (!alias) throw new NotFoundException(`Alias ${aliasArn(reg, acct, parsed.aliasName)} is not found.`);
      return { key: lookup(section, keyArn(reg, acct, alias.targetKeyId)), alias: parsed.aliasName };
    }
  }
}

export function lookup(section: KmsSection, arn: string): KeyRecord {
  const rec = section.keys[arn];
  if (!rec) throw new NotFoundException(`Key '${arn}' does not exist`);
  return rec;
}

/** Alias names pointing at a key. */
export function aliasesOf(section: KmsSection, key: KeyRecord): string[] {
  const out: string[] = [];
  for (const a of Object.values(section.aliases)) {
    if (a.accountId === key.accountId && a.region === key.region && a.targetKeyId === key.keyId) out.push(a.name);
  }
  return out;
}

/** What the Authorizer sees of a key (the door's view; reuse it to evaluate access the same way). */
export function authorizationResource(section: KmsSection, key: KeyRecord): AuthorizationResource {
  return {
    arn: key.arn, keyId: key.keyId, accountId: key.accountId, region: key.region, keySpec: key.keySpec,
    keyUsage: key.keyUsage, keyState: key.state, origin: key.origin, keyManager: key.keyManager,
    multiRegion: key.multiRegion, aliases: aliasesOf(section, key), policy: key.policy,
    tags: Object.fromEntries(key.tags.map((t) => [t.TagKey, t.TagValue])),
  };
}
