/**
 * CreateAlias, UpdateAlias, DeleteAlias, ListAliases (AWS KMS API Reference; "Using aliases").
 * An alias lives in one account and region; `alias/aws/` names are reserved for AWS managed keys.
 */
import { AlreadyExistsException, NotFoundException, ValidationException } from '../../errors.js';
import { aliasArn, keyArn, validateAliasName } from '../identifiers.js';
import { aliasKey } from '../key-record.js';
import { keyOf, type KeyTarget, type Operation } from '../operation.js';
import type { AliasListEntry, CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest, ListAliasesResponse, UpdateAliasRequest } from '../types.js';
import { paginate } from './validate.js';

/** CreateAlias and UpdateAlias: a valid alias name, and TargetKeyId (the key it is to name) resolved by the door. */
const aliasToKey = {
  mutates: true,
  validate(req: { AliasName: string }) {
    validateAliasName(req.AliasName);
  },
  targets: (req: { TargetKeyId: string }): KeyTarget[] => [{ role: 'target', ref: req.TargetKeyId, field: 'TargetKeyId' }],
} as const;

export const createAliasOp: Operation<CreateAliasRequest, Record<string, never>> = {
  name: 'CreateAlias',
  ...aliasToKey,
  act(ctx, req) {
    const key = keyOf(ctx);
    if (key.accountId !== ctx.caller.accountId) throw new ValidationException('An alias must be in the same account as its key');
    const id = aliasKey(key.accountId, key.region, req.AliasName);
    if (ctx.section.aliases[id]) {
      throw new AlreadyExistsException(`An alias with the name ${aliasArn(key.region, key.accountId, req.AliasName)} already exists`);
    }
    ctx.section.aliases[id] = {
      accountId: key.accountId, region: key.region, name: req.AliasName, targetKeyId: key.keyId, createdAt: ctx.now, updatedAt: ctx.now,
    };
    return {};
  },
};

export const updateAliasOp: Operation<UpdateAliasRequest, Record<string, never>> = {
  name: 'UpdateAlias',
  ...aliasToKey,
  act(ctx, req) {
    const key = keyOf(ctx);
    const alias = ctx.section.aliases[aliasKey(ctx.caller.accountId, ctx.region, req.AliasName)];
    if (!alias) throw new NotFoundException(`Alias ${aliasArn(ctx.region, ctx.caller.accountId, req.AliasName)} is not found.`);
    if (key.accountId !== alias.accountId) throw new ValidationException('An alias must point to a key in its own account');
    const old = ctx.section.keys[keyArn(alias.region, alias.accountId, alias.targetKeyId)];
    if (old && (old.keySpec !== key.keySpec || old.keyUsage !== key.keyUsage)) {
      throw new ValidationException(`UpdateAlias: the new key must have the same KeySpec and KeyUsage as the current one (${old.keySpec}/${old.keyUsage})`);
    }
    alias.targetKeyId = key.keyId;
    alias.updatedAt = ctx.now;
    return {};
  },
};

export const deleteAliasOp: Operation<DeleteAliasRequest, Record<string, never>> = {
  name: 'DeleteAlias',
  mutates: true,
  validate(req) {
    validateAliasName(req.AliasName);
  },
  targets: (req) => [{ role: 'target', ref: req.AliasName, field: 'AliasName' }],
  act(ctx, req) {
    delete ctx.section.aliases[aliasKey(ctx.caller.accountId, ctx.region, req.AliasName)];
    return {};
  },
};

export const listAliasesOp: Operation<ListAliasesRequest, ListAliasesResponse> = {
  name: 'ListAliases',
  mutates: false,
  targets: (req) => (req.KeyId === undefined ? [] : [{ role: 'target', ref: req.KeyId, field: 'KeyId' }]),
  act(ctx, req) {
    const key = req.KeyId === undefined ? undefined : keyOf(ctx);
    const entries: AliasListEntry[] = Object.values(ctx.section.aliases)
      .filter((a) => a.accountId === ctx.caller.accountId && a.region === ctx.region && (!key || a.targetKeyId === key.keyId))
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((a) => ({
        AliasName: a.name,
        AliasArn: aliasArn(a.region, a.accountId, a.name),
        TargetKeyId: a.targetKeyId,
        CreationDate: new Date(a.createdAt),
        LastUpdatedDate: new Date(a.updatedAt),
      }));
    const { page, ...rest } = paginate(entries, req.Limit, req.Marker, 50);
    return { Aliases: page, ...rest };
  },
};
