/**
 * `envelope policy get|put|explain` (AWS KMS GetKeyPolicy, PutKeyPolicy; docs/ACCESS.md
 * "explain"): read and replace a key's policy, and ask whether a principal may perform an action
 * on a key — decided by the same Authorizer the Kms door uses, with its reason.
 */
import { explainKmsAccess, type WorkflowContext } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { parseKeyValues } from '../util/key-value.js';
import { readValueArg } from '../util/value-arg.js';
import { writeText } from '../io.js';
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
}

export async function policyExplain(ctx: CliContext, key: string, args: ExplainArgs): Promise<void> {
  if (!/^kms:[A-Za-z]+$/.test(args.action)) throw new UsageError(`--action expects a KMS action such as kms:Decrypt, got "${args.action}"`);
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(args.principal);
  if (!m) throw new UsageError(`--principal expects an IAM ARN such as arn:aws:iam::111122223333:user/alice, got "${args.principal}"`);
  const context = parseKeyValues(args.context, '--context');
  const services = await ctx.open();
  const caller = {
    principal: args.principal,
    accountId: m[1] as string,
    region: services.region,
    ...(args.sourceIp !== undefined ? { sourceIp: args.sourceIp } : {}),
    ...(args.viaService !== undefined ? { viaService: args.viaService } : {}),
  };
  const decisionCtx = { kmsFor: () => services.kms, clock: ctx.clock, random: ctx.random } as unknown as WorkflowContext;
  const decision = await explainKmsAccess(decisionCtx, {
    role: 'key',
    caller,
    region: services.region,
    action: args.action,
    keyId: key,
    ...(context !== undefined ? { encryptionContext: context } : {}),
  });
  const out = { Decision: decision.allowed ? 'Allow' : 'Deny', Principal: args.principal, Action: args.action, KeyId: key, Reason: decision.reason };
  await ctx.print(out, `${out.Decision}: ${args.principal} ${args.action} on ${key}\n${decision.reason}`);
}
