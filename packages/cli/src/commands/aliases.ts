/**
 * `envelope alias create|update|delete|list` (AWS KMS CreateAlias, UpdateAlias, DeleteAlias,
 * ListAliases).
 */
import type { CliContext } from '../cli-context.js';
import { renderTable } from '../util/render.js';
import { callKms, callKmsAll } from './kms-call.js';

export async function aliasCreate(ctx: CliContext, alias: string, key: string): Promise<void> {
  await callKms(ctx, 'CreateAlias', { AliasName: alias, TargetKeyId: key });
  await ctx.print({ AliasName: alias, TargetKeyId: key }, `created ${alias} -> ${key}`);
}

export async function aliasUpdate(ctx: CliContext, alias: string, key: string): Promise<void> {
  await callKms(ctx, 'UpdateAlias', { AliasName: alias, TargetKeyId: key });
  await ctx.print({ AliasName: alias, TargetKeyId: key }, `updated ${alias} -> ${key}`);
}

export async function aliasDelete(ctx: CliContext, alias: string): Promise<void> {
  await callKms(ctx, 'DeleteAlias', { AliasName: alias });
  await ctx.print({ AliasName: alias }, `deleted ${alias}`);
}

export async function aliasList(ctx: CliContext, key?: string): Promise<void> {
  const aliases = await callKmsAll<{ AliasName: string; TargetKeyId?: string; AliasArn: string }>(
    ctx,
    'ListAliases',
    key !== undefined ? { KeyId: key } : {},
    'Aliases',
  );
  await ctx.print({ Aliases: aliases }, renderTable(['AliasName', 'TargetKeyId'], aliases.map((a) => [a.AliasName, a.TargetKeyId ?? '-'])));
}
