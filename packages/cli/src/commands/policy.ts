/**
 * `envelope policy get|put|explain` (AWS KMS GetKeyPolicy, PutKeyPolicy; docs/ACCESS.md
 * "explain"): read and replace a key's policy, and ask whether a principal may perform an action
 * on a key — decided by the same Authorizer the Kms door uses, with its reason.
 */
import { explainAccess } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { parseKeyValues } from '../util/key-value.js';
import { readValueArg } from '../util/value-arg.js';
import { writeText } from '../io.js';
import { EXIT_SERVICE, ExitError } from '../errors.js';
import { callKms } from './kms-call.js';

export async function policyGet(ctx: CliContext, key: string): Promise<void> {
  const res = await callKms<{ Policy: string; PolicyName?: string }>(ctx, 'GetKeyPolicy', { KeyId: key, PolicyName: 'default' });
  if (ctx.opts.json) {
    await ctx.print(res);
    return;
  }
  let pretty = res.Policy;
  try {
    pretty = JSON.stringify(JSON.parse(res.Policy), null, 2);
  } catch {
    // print verbatim
  }
  await writeText(ctx.io.stdout, `${pretty}\n`);
}

export async function policyPut(ctx: CliContext, key: string, document: string, bypass: boolean): Promise<void> {
  const policy = await readValueArg(document, ctx.io, '--document');
  await callKms(ctx, 'PutKeyPolicy', { KeyId: key, PolicyName: 'default', Policy: policy, ...(bypass ? { BypassPolicyLockoutSafetyCheck: true } : {}) });
  await ctx.print({ KeyId: key, PolicyName: 'default' }, `key policy of ${key} replaced`);
}

export interface ExplainArgs {
  readonly principal: string;
  readonly action: string;
  readonly context?: readonly string[];
  readonly sourceIp?: string;
  readonly viaService?: string;
  readonly grantToken?: readonly string[];
}

/** `envelope policy explain <key> --principal ARN --action kms:Decrypt [--context k=v …]` */
export async function policyExplain(ctx: CliContext, key: string, args: ExplainArgs): Promise<void> {
  const context = parseKeyValues(args.context, '--context');
  const services = await ctx.open();
  const res = explainAccess(services.kms, {
    Principal: args.principal,
    AccountId: services.caller.accountId,
    Action: args.action,
    KeyId: key,
    Region: services.region,
    ...(context !== undefined ? { EncryptionContext: context } : {}),
    ...(args.sourceIp !== undefined ? { SourceIp: args.sourceIp } : {}),
    ...(args.viaService !== undefined ? { ViaService: args.viaService } : {}),
    ...(args.grantToken !== undefined && args.grantToken.length > 0 ? { GrantTokens: [...args.grantToken] } : {}),
  });
  const lines = [`${res.decision}: ${res.Principal} ${res.Action} on ${res.KeyArn}`, `  ${res.reason}`];
  for (const s of res.deciding) {
    lines.push(`  deciding: ${s.effect} ${s.source === 'iam-policy' ? `IAM policy ${s.policyName ?? ''} ` : 'key policy '}statement ${s.label}`);
  }
  for (const g of res.grants) lines.push(`  deciding grant: ${JSON.stringify(g)}`);
  await ctx.print(res, lines.join('\n'));
  // Like a test: exit 1 on Deny (the decision is printed either way), so scripts can branch on it.
  if (!res.allowed) throw new ExitError(EXIT_SERVICE);
}
