/**
 * `envelope audit query|verify` — the CloudTrail-like, hash-chained audit log (docs/ACCESS.md
 * "Audit log"): filter events by key, principal, event name, error and time; verify the chain and
 * the signed digests, naming the first edited, deleted, inserted or reordered event.
 */
import { openAuditLogFor, type AuditLog } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError, ExitError, EXIT_SERVICE } from '../errors.js';
import { renderTable } from '../util/render.js';

export interface AuditQueryArgs {
  readonly account?: string;
  readonly key?: string;
  readonly principal?: string;
  readonly event?: string;
  readonly error?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
}

function dateArg(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`${flag} expects an ISO-8601 time, got "${value}"`);
  return new Date(t);
}

async function openAudit(ctx: CliContext): Promise<{ log: AuditLog; account: string }> {
  const services = await ctx.open();
  return { log: openAuditLogFor(services.kms.store), account: services.caller.accountId };
}

export async function auditQuery(ctx: CliContext, args: AuditQueryArgs): Promise<void> {
  const { log, account } = await openAudit(ctx);
  const limit = args.limit !== undefined ? Number(args.limit) : undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0)) throw new UsageError('--limit expects a positive integer');
  const from = dateArg(args.since, '--since');
  const to = dateArg(args.until, '--until');
  const events = log.query({
    accountId: args.account ?? account,
    ...(args.key !== undefined ? { keyId: args.key } : {}),
    ...(args.principal !== undefined ? { principal: args.principal } : {}),
    ...(args.event !== undefined ? { eventName: args.event } : {}),
    ...(args.error !== undefined ? { error: args.error } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  await ctx.print(
    { Events: events },
    events.length === 0
      ? '(no matching events)'
      : renderTable(
          ['Time', 'Event', 'Principal', 'Error'],
          events.map((e) => [e.eventTime, e.eventName, e.userIdentity.arn, e.errorCode ?? '-']),
        ),
  );
}

export async function auditVerify(ctx: CliContext, args: { account?: string }): Promise<void> {
  const { log, account } = await openAudit(ctx);
  const report = log.verify(args.account ?? account);
  await ctx.print(report);
  if (!report.ok) throw new ExitError(EXIT_SERVICE);
}
