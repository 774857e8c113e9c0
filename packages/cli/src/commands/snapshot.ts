/**
 * `envelope snapshot create | list | describe | delete | export | share | unshare | copy`
 * (docs/WORKFLOWS.md; EC2 CreateSnapshot, DescribeSnapshots, DeleteSnapshot,
 * ModifySnapshotAttribute, CopySnapshot). Thin: parse flags → one core workflow call → print.
 */
import {
  copySnapshot, createSnapshot, exportSnapshot, planSnapshotCopy, readableSnapshot, shareSnapshot, unshareSnapshot,
  type ShareReport, type SnapshotMeta,
} from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { EXIT_SERVICE, ExitError, UsageError } from '../errors.js';
import { assertWritable } from '../util/atomic-output.js';
import { parseKeyValues } from '../util/key-value.js';
import { openWorkflow, signalOf, withProgress } from './workflow-context.js';

export interface StoreArg {
  readonly store?: string;
}

/** The one-line summary `list` prints per snapshot. */
function snapshotLine(s: SnapshotMeta): string {
  const shared = s.sharedWith.length > 0 ? ` shared:${s.sharedWith.join(',')}` : '';
  return `${s.snapshotId}  ${s.ownerAccount}  ${s.region}  ${s.size} B  ${s.keyArn}  ${s.createdAt}${shared}  ${s.description}`;
}

export async function snapshotCreate(
  ctx: CliContext,
  file: string,
  o: StoreArg & { key: string; context?: string[]; description?: string; tag?: string[] },
): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const meta = await withProgress(ctx, 'snapshot create', (onProgress) => createSnapshot(wf, {
    caller,
    region,
    keyId: o.key,
    source: { path: ctx.path(file) },
    context: parseKeyValues(o.context, '--context') ?? {},
    tags: parseKeyValues(o.tag, '--tag') ?? {},
    ...(o.description !== undefined ? { description: o.description } : {}),
    onProgress,
    ...signalOf(ctx),
  }));
  await ctx.print({ Snapshot: meta }, `${meta.snapshotId}\n`);
}

export async function snapshotList(ctx: CliContext, o: StoreArg & { sharedWithMe?: boolean }): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const scope = { account: caller.accountId, region };
  const list = o.sharedWithMe ? await wf.store.listSnapshotsSharedWith(scope) : await wf.store.listSnapshots(scope);
  await ctx.print({ Snapshots: list }, list.map(snapshotLine).join('\n'));
}

export async function snapshotDescribe(ctx: CliContext, id: string, o: StoreArg & { owner?: string }): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const meta = await readableSnapshot(wf, caller, { account: o.owner ?? caller.accountId, region }, id);
  await ctx.print({ Snapshot: meta });
}

export async function snapshotDelete(ctx: CliContext, id: string, o: StoreArg): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  await wf.store.deleteSnapshot({ account: caller.accountId, region }, id);
  await ctx.done({ SnapshotId: id }, `deleted ${id}`);
}

export async function snapshotExport(ctx: CliContext, id: string, o: StoreArg & { output?: string; owner?: string; force?: boolean }): Promise<void> {
  if (o.output === undefined) throw new UsageError('snapshot export needs -o <file>');
  const outPath = ctx.path(o.output);
  if (outPath === '-') throw new UsageError('snapshot export writes a file; give -o <file>');
  await assertWritable({ path: outPath, force: o.force === true });
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const meta = await withProgress(ctx, 'snapshot export', (onProgress) => exportSnapshot(wf, {
    caller, region, snapshotId: id, outPath,
    ...(o.owner !== undefined ? { ownerAccount: o.owner } : {}),
    onProgress,
    ...signalOf(ctx),
  }));
  await ctx.done({ SnapshotId: id, Output: outPath, StoredBytes: meta.storedSize }, `exported ${id} to ${outPath}`);
}

/** Prints a share report: what changed (or would), and what is still missing. */
export async function printShareReport(ctx: CliContext, report: ShareReport, dryRun: boolean): Promise<void> {
  const lines: string[] = [];
  const verb = dryRun ? 'would' : 'did';
  if (report.changes.length === 0) lines.push(`${report.artifactId}: nothing to change`);
  for (const c of report.changes) lines.push(`${verb}: ${c}`);
  for (const m of report.missing) lines.push(`missing: ${m}`);
  if (!dryRun && report.missing.length > 0) lines.push('(the target account cannot copy until these are added; --grant-key-access adds the key-policy statement)');
  await ctx.print({ ArtifactId: report.artifactId, DryRun: dryRun, Changes: report.changes, Missing: report.missing }, lines.join('\n'));
}

export interface ShareArgs extends StoreArg {
  readonly account: string;
  readonly grantKeyAccess?: boolean;
  readonly revokeKeyAccess?: boolean;
  readonly viaServiceOnly?: boolean;
  readonly dryRun?: boolean;
}

export async function snapshotShare(ctx: CliContext, id: string, o: ShareArgs): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const report = await shareSnapshot(wf, {
    caller, region, snapshotId: id, account: o.account,
    keyAccess: o.grantKeyAccess === true, restrictToWorkflow: o.viaServiceOnly === true, dryRun: o.dryRun === true,
  });
  await printShareReport(ctx, report, o.dryRun === true);
}

export async function snapshotUnshare(ctx: CliContext, id: string, o: ShareArgs): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const report = await unshareSnapshot(wf, { caller, region, snapshotId: id, account: o.account, keyAccess: o.revokeKeyAccess === true });
  await printShareReport(ctx, report, false);
}

export interface CopyArgs extends StoreArg {
  /** Only run the pre-check and print what is missing; copy nothing. */
  readonly check?: boolean;
  readonly sourceAccount?: string;
  readonly sourceRegion?: string;
  readonly key: string;
  readonly rewrap?: boolean;
  readonly description?: string;
  readonly tag?: string[];
}

export async function snapshotCopy(ctx: CliContext, id: string, o: CopyArgs): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const input = {
    caller,
    sourceAccount: o.sourceAccount ?? caller.accountId,
    sourceRegion: o.sourceRegion ?? region,
    snapshotId: id,
    region,
    keyId: o.key,
    mode: o.rewrap ? 'rewrap' as const : 'rekey' as const,
    tags: parseKeyValues(o.tag, '--tag') ?? {},
    ...(o.description !== undefined ? { description: o.description } : {}),
  };
  if (o.check) {
    const plan = await planSnapshotCopy(wf, input);
    const missing = plan.missing.map((m) => ({ What: m.what, Reason: m.reason }));
    const text = missing.length === 0
      ? `the copy of ${id} (${plan.mode}) has every permission it needs`
      : missing.map((m) => `missing: ${m.What}: ${m.Reason}`).join('\n');
    await ctx.print({ SnapshotId: id, Mode: plan.mode, TargetKeyArn: plan.targetKeyArn, Missing: missing }, text);
    // Like a test: exit 1 when anything is missing (the list is printed either way).
    if (missing.length > 0) throw new ExitError(EXIT_SERVICE);
    return;
  }
  const meta = await withProgress(ctx, `snapshot copy ${id}`, (onProgress) => copySnapshot(wf, { ...input, onProgress, ...signalOf(ctx) }));
  await ctx.print({ Snapshot: meta }, `${meta.snapshotId}\n`);
}
