/**
 * `envelope key …` — key lifecycle over the local Kms (AWS KMS CreateKey, ListKeys, DescribeKey,
 * EnableKey, DisableKey, RotateKeyOnDemand, ListKeyRotations, EnableKeyRotation,
 * DisableKeyRotation, ScheduleKeyDeletion, CancelKeyDeletion, ReplicateKey,
 * GetParametersForImport, ImportKeyMaterial, TagResource/UntagResource).
 */
import { constants, publicEncrypt, createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { CliContext } from '../cli-context.js';
import { AlreadyExistsException, validateAliasName } from '@envelope/core/local-kms';
import { UsageError } from '../errors.js';
import { decodeBase64 } from '../aws-json/shapes.js';
import { parseKeyValues } from '../util/key-value.js';
import { readValueArg } from '../util/value-arg.js';
import { renderTable } from '../util/render.js';
import { callKms, callKmsAll } from './kms-call.js';

export interface KeyCreateArgs {
  readonly alias?: string;
  readonly spec?: string;
  readonly usage?: string;
  readonly description?: string;
  readonly multiRegion?: boolean;
  readonly policy?: string;
  readonly origin?: string;
  readonly tag?: readonly string[];
}

function intArg(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} expects a whole number, got "${value}"`);
  return Number(value);
}

function tagsFrom(pairs: readonly string[] | undefined): { TagKey: string; TagValue: string }[] | undefined {
  const kv = parseKeyValues(pairs, '--tag');
  return kv === undefined ? undefined : Object.entries(kv).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

export async function keyCreate(ctx: CliContext, args: KeyCreateArgs): Promise<void> {
  if (args.alias !== undefined && !args.alias.startsWith('alias/')) {
    throw new UsageError(`--alias must start with "alias/", e.g. alias/${args.alias}`);
  }
  if (args.alias !== undefined) {
    // Check the alias (its name, and that it is free) before any key exists, so a refused alias
    // never leaves an unaliased key behind.
    validateAliasName(args.alias);
    const taken = (await callKmsAll<{ AliasName: string }>(ctx, 'ListAliases', {}, 'Aliases')).some((a) => a.AliasName === args.alias);
    if (taken) throw new AlreadyExistsException(`An alias with the name ${args.alias} already exists; no key was created`);
  }
  const policy = args.policy !== undefined ? await readValueArg(args.policy, ctx.io, '--policy') : undefined;
  const tags = tagsFrom(args.tag);
  const res = await callKms<{ KeyMetadata: Record<string, unknown> }>(ctx, 'CreateKey', {
    ...(args.spec !== undefined ? { KeySpec: args.spec } : {}),
    ...(args.usage !== undefined ? { KeyUsage: args.usage } : {}),
    ...(args.description !== undefined ? { Description: args.description } : {}),
    ...(args.multiRegion === true ? { MultiRegion: true } : {}),
    ...(args.origin !== undefined ? { Origin: args.origin } : {}),
    ...(policy !== undefined ? { Policy: policy } : {}),
    ...(tags !== undefined ? { Tags: tags } : {}),
  });
  if (args.alias !== undefined) {
    try {
      await callKms(ctx, 'CreateAlias', { AliasName: args.alias, TargetKeyId: res.KeyMetadata['KeyId'] });
    } catch (e) {
      // Lost a race for the alias: take the new key back out of use (the shortest AWS waiting period).
      await callKms(ctx, 'ScheduleKeyDeletion', { KeyId: res.KeyMetadata['KeyId'], PendingWindowInDays: 7 }).catch(() => undefined);
      throw e;
    }
  }
  await ctx.print(res);
}

export async function keyList(ctx: CliContext): Promise<void> {
  const listed = await callKmsAll<{ KeyId: string; KeyArn: string }>(ctx, 'ListKeys', {}, 'Keys');
  // ListKeys has no state; DescribeKey each (a key the caller may not describe shows "-").
  const keys = await Promise.all(listed.map(async (k) => {
    const d = await callKms<{ KeyMetadata: { KeyState?: string } }>(ctx, 'DescribeKey', { KeyId: k.KeyArn }).catch(() => undefined);
    return { ...k, ...(d?.KeyMetadata.KeyState !== undefined ? { KeyState: d.KeyMetadata.KeyState } : {}) };
  }));
  if (ctx.opts.json) {
    await ctx.print({ Keys: keys });
    return;
  }
  const aliases = await callKmsAll<{ AliasName: string; TargetKeyId?: string }>(ctx, 'ListAliases', {}, 'Aliases');
  const rows: string[][] = [];
  for (const k of keys) {
    const names = aliases.filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName);
    rows.push([k.KeyId, k.KeyState ?? '-', names.join(',') || '-', k.KeyArn]);
  }
  await ctx.print({ Keys: keys }, renderTable(['KeyId', 'State', 'Aliases', 'Arn'], rows));
}

export async function keyDescribe(ctx: CliContext, key: string): Promise<void> {
  await ctx.print(await callKms(ctx, 'DescribeKey', { KeyId: key }));
}

/** enable | disable | cancel-deletion | disable-rotation | rotate: one KeyId, prints the key's metadata or response. */
export async function keySimple(
  ctx: CliContext,
  operation: 'EnableKey' | 'DisableKey' | 'CancelKeyDeletion' | 'DisableKeyRotation' | 'RotateKeyOnDemand',
  key: string,
): Promise<void> {
  const res = await callKms(ctx, operation, { KeyId: key });
  if (ctx.opts.json) {
    await ctx.print(res);
    return;
  }
  await ctx.print(res, `${operation}: ${key}`);
}

export async function keyRotations(ctx: CliContext, key: string): Promise<void> {
  const rotations = await callKmsAll<Record<string, unknown>>(ctx, 'ListKeyRotations', { KeyId: key }, 'Rotations');
  const status = await callKms(ctx, 'GetKeyRotationStatus', { KeyId: key });
  await ctx.print({ ...status, Rotations: rotations });
}

export async function keyEnableRotation(ctx: CliContext, key: string, period?: string): Promise<void> {
  const days = intArg(period, '--period');
  await callKms(ctx, 'EnableKeyRotation', { KeyId: key, ...(days !== undefined ? { RotationPeriodInDays: days } : {}) });
  await ctx.print(await callKms(ctx, 'GetKeyRotationStatus', { KeyId: key }));
}

export async function keyScheduleDeletion(ctx: CliContext, key: string, days?: string): Promise<void> {
  const window = intArg(days, '--days');
  await ctx.print(await callKms(ctx, 'ScheduleKeyDeletion', { KeyId: key, ...(window !== undefined ? { PendingWindowInDays: window } : {}) }));
}

export async function keyReplicate(ctx: CliContext, key: string, args: { replicaRegion?: string; description?: string; policy?: string }): Promise<void> {
  if (args.replicaRegion === undefined) throw new UsageError('key replicate needs --replica-region <region>');
  const policy = args.policy !== undefined ? await readValueArg(args.policy, ctx.io, '--policy') : undefined;
  await ctx.print(
    await callKms(ctx, 'ReplicateKey', {
      KeyId: key,
      ReplicaRegion: args.replicaRegion,
      ...(args.description !== undefined ? { Description: args.description } : {}),
      ...(policy !== undefined ? { Policy: policy } : {}),
    }),
  );
}

export async function keyImportParams(ctx: CliContext, key: string, args: { algorithm?: string; wrappingSpec?: string }): Promise<void> {
  await ctx.print(
    await callKms(ctx, 'GetParametersForImport', {
      KeyId: key,
      WrappingAlgorithm: args.algorithm ?? 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: args.wrappingSpec ?? 'RSA_2048',
    }),
  );
}

/** A binary flag value: base64 text, or `@file` (the file's raw bytes). */
async function binaryArg(ctx: CliContext, value: string, flag: string): Promise<Uint8Array> {
  if (value.startsWith('@')) {
    try {
      return new Uint8Array(await readFile(ctx.path(value.slice(1))));
    } catch (e) {
      throw new UsageError(`${flag}: cannot read ${value.slice(1)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  try {
    return decodeBase64(value, flag);
  } catch {
    throw new UsageError(`${flag} expects base64 or @file`);
  }
}

export interface KeyImportArgs {
  /** Plaintext key material (32 bytes for SYMMETRIC_DEFAULT): wrapped here with fresh import parameters. */
  readonly material?: string;
  readonly encryptedMaterial?: string;
  readonly importToken?: string;
  readonly validTo?: string;
}

export async function keyImport(ctx: CliContext, key: string, args: KeyImportArgs): Promise<void> {
  const validTo = args.validTo !== undefined ? new Date(args.validTo) : undefined;
  if (validTo !== undefined && Number.isNaN(validTo.getTime())) throw new UsageError(`--valid-to is not a date: ${args.validTo}`);
  let encrypted: Uint8Array;
  let token: Uint8Array;
  if (args.material !== undefined) {
    if (args.encryptedMaterial !== undefined || args.importToken !== undefined) {
      throw new UsageError('give either --material, or --encrypted-material with --import-token');
    }
    const material = await binaryArg(ctx, args.material, '--material');
    const params = await callKms<{ PublicKey: Uint8Array; ImportToken: Uint8Array }>(ctx, 'GetParametersForImport', {
      KeyId: key,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    });
    const publicKey = createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
    encrypted = new Uint8Array(
      publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(material)),
    );
    material.fill(0);
    token = params.ImportToken;
  } else {
    if (args.encryptedMaterial === undefined || args.importToken === undefined) {
      throw new UsageError('key import needs --material <@file|base64>, or --encrypted-material and --import-token');
    }
    encrypted = await binaryArg(ctx, args.encryptedMaterial, '--encrypted-material');
    token = await binaryArg(ctx, args.importToken, '--import-token');
  }
  await callKms(ctx, 'ImportKeyMaterial', {
    KeyId: key,
    EncryptedKeyMaterial: encrypted,
    ImportToken: token,
    ExpirationModel: validTo !== undefined ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ...(validTo !== undefined ? { ValidTo: validTo } : {}),
  });
  await ctx.print(await callKms(ctx, 'DescribeKey', { KeyId: key }));
}

export async function keyTag(ctx: CliContext, key: string, pairs: readonly string[], untag: readonly string[] | undefined): Promise<void> {
  const tags = tagsFrom(pairs);
  if (tags !== undefined) await callKms(ctx, 'TagResource', { KeyId: key, Tags: tags });
  if (untag !== undefined && untag.length > 0) await callKms(ctx, 'UntagResource', { KeyId: key, TagKeys: [...untag] });
  const all = await callKmsAll<{ TagKey: string; TagValue: string }>(ctx, 'ListResourceTags', { KeyId: key }, 'Tags');
  await ctx.print({ Tags: all }, all.length === 0 ? '(no tags)' : renderTable(['TagKey', 'TagValue'], all.map((t) => [t.TagKey, t.TagValue])));
}
