/**
 * `envelope grant create|list|retire|revoke` (AWS KMS CreateGrant, ListGrants, RetireGrant,
 * RevokeGrant). Grant tokens are printed once, on create; never logged.
 */
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { parseKeyValues } from '../util/key-value.js';
import { renderTable } from '../util/render.js';
import { callKms, callKmsAll } from './kms-call.js';

export interface GrantCreateArgs {
  readonly grantee?: string;
  readonly operations?: string;
  readonly retiring?: string;
  readonly name?: string;
  readonly contextSubset?: readonly string[];
  readonly contextEquals?: readonly string[];
  readonly grantToken?: readonly string[];
}

export async function grantCreate(ctx: CliContext, key: string, args: GrantCreateArgs): Promise<void> {
  if (args.grantee === undefined) throw new UsageError('grant create needs --grantee <principal ARN>');
  if (args.operations === undefined) throw new UsageError('grant create needs --operations Op1,Op2 (e.g. Encrypt,Decrypt)');
  const operations = args.operations.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const subset = parseKeyValues(args.contextSubset, '--context-subset');
  const equals = parseKeyValues(args.contextEquals, '--context-equals');
  const constraints =
    subset !== undefined || equals !== undefined
      ? { ...(subset !== undefined ? { EncryptionContextSubset: subset } : {}), ...(equals !== undefined ? { EncryptionContextEquals: equals } : {}) }
      : undefined;
  const res = await callKms(ctx, 'CreateGrant', {
    KeyId: key,
    GranteePrincipal: args.grantee,
    Operations: operations,
    ...(args.retiring !== undefined ? { RetiringPrincipal: args.retiring } : {}),
    ...(args.name !== undefined ? { Name: args.name } : {}),
    ...(constraints !== undefined ? { Constraints: constraints } : {}),
    ...(args.grantToken !== undefined && args.grantToken.length > 0 ? { GrantTokens: [...args.grantToken] } : {}),
  });
  await ctx.print(res);
}

export async function grantList(ctx: CliContext, key: string): Promise<void> {
  const grants = await callKmsAll<Record<string, unknown>>(ctx, 'ListGrants', { KeyId: key }, 'Grants');
  await ctx.print(
    { Grants: grants },
    grants.length === 0
      ? '(no grants)'
      : renderTable(
          ['GrantId', 'Name', 'GranteePrincipal', 'Operations'],
          grants.map((g) => [String(g['GrantId'] ?? ''), String(g['Name'] ?? '-'), String(g['GranteePrincipal'] ?? ''), ((g['Operations'] as string[] | undefined) ?? []).join(',')]),
        ),
  );
}

export async function grantRetire(ctx: CliContext, args: { token?: string; key?: string; grantId?: string }): Promise<void> {
  if (args.token === undefined && (args.key === undefined || args.grantId === undefined)) {
    throw new UsageError('grant retire needs --token <grant token>, or --key <key> with --grant-id <id>');
  }
  await callKms(ctx, 'RetireGrant', {
    ...(args.token !== undefined ? { GrantToken: args.token } : {}),
    ...(args.key !== undefined ? { KeyId: args.key } : {}),
    ...(args.grantId !== undefined ? { GrantId: args.grantId } : {}),
  });
  await ctx.print({}, 'grant retired');
}

export async function grantRevoke(ctx: CliContext, key: string, grantId: string): Promise<void> {
  await callKms(ctx, 'RevokeGrant', { KeyId: key, GrantId: grantId });
  await ctx.print({}, `grant ${grantId} revoked`);
}
