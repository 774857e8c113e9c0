/**
 * `envelope audit query|verify` — the CloudTrail-like, hash-chained audit log (docs/ACCESS.md
 * "Audit log"): filter events by key, principal, event name, error and time; verify the keyed chain,
 * the head file, the signed digests and the keystore anchor, naming each kind of tampering; sign a
 * digest on demand.
 */
import { openAuditLogFor, type AuditLog, type VerifyReport } from '@envelope/core';
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

export async function auditVerify(ctx: CliContext, args: { account?: string; strict?: boolean }): Promise<void> {
  const { log, account } = await openAudit(ctx);
  const report = log.verify(args.account ?? account, { strict: args.strict === true });
  await ctx.print(report, renderVerify(report));
  if (!report.ok) throw new ExitError(EXIT_SERVICE);
}

function renderVerify(r: VerifyReport): string {
  const lines = [
    `${r.ok ? 'ok' : 'FAILED'}: ${r.events} events, ${r.digests} digests, signed through event ${r.signedThrough}, anchored in the keystore through event ${r.anchoredThrough}, ${r.unanchored} unanchored`,
  ];
  if (r.legacy) lines.push(`legacy (v1) log: ${r.legacy.events} events, ${r.legacy.migrated ? 'moved aside and anchored at migration' : 'not migrated yet (unanchored)'}`);
  for (const i of r.issues) lines.push(`  ${i.kind}: ${i.message}`);
  return lines.join('\n');
}

export async function auditDigest(ctx: CliContext, args: { account?: string }): Promise<void> {
  const { log, account } = await openAudit(ctx);
  const d = await log.writeDigest(args.account ?? account);
  await ctx.print({ Digest: d ?? null }, d ? `signed digest ${d.digestSequence} over events ${d.startSequence} to ${d.endSequence}` : 'nothing to sign: every event is covered by a digest');
}
