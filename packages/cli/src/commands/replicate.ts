/**
 * `envelope replicate --from <dir> --to <dir> --key <dest>` (docs/WORKFLOWS.md §6; S3 Replication
 * of SSE-KMS objects, SSE-C objects never replicated). Resumable: rerun the same command after an
 * interruption and finished objects are skipped (journal in <to>/.envelope-replication.journal).
 */
import { replicate } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { openWorkflow, workflowProgress } from './workflow-context.js';

export async function replicateCommand(ctx: CliContext, o: { from: string; to: string; key: string; concurrency?: string }): Promise<void> {
  if (o.concurrency !== undefined && !/^[1-9]\d*$/.test(o.concurrency)) throw new UsageError(`--concurrency expects a positive whole number, got "${o.concurrency}"`);
  const { wf, caller, region } = await openWorkflow(ctx);
  const bar = workflowProgress(ctx, 'replicate');
  try {
    const r = await replicate(wf, {
      caller, region, from: ctx.path(o.from), to: ctx.path(o.to), keyId: o.key,
      ...(o.concurrency !== undefined ? { concurrency: Number(o.concurrency) } : {}),
      onProgress: bar.onProgress,
      ...(ctx.io.signal ? { signal: ctx.io.signal } : {}),
    });
    bar.stop();
    const lines = [
      `replicated: ${r.replicated.length}`,
      `already done (journal): ${r.alreadyDone}`,
      `skipped, customer-provided key (never replicated): ${r.skippedCustomerKey.length}`,
      ...r.skippedCustomerKey.map((k) => `  - ${k}`),
    ];
    await ctx.print({ Replicated: r.replicated, AlreadyDone: r.alreadyDone, SkippedCustomerKey: r.skippedCustomerKey, Bytes: r.bytes }, lines.join('\n'));
  } finally {
    bar.stop();
  }
}
