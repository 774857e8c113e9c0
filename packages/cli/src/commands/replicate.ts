/**
 * `envelope replicate --from <dir|s3://bucket/prefix> --to <dir|s3://bucket/prefix> --key <dest>` (docs/WORKFLOWS.md §6; S3 Replication
 * of SSE-KMS objects, SSE-C objects never replicated). Resumable: rerun the same command after an
 * interruption and finished objects are skipped (journal in <to>/.envelope-replication.journal).
 */
import { replicate } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { join } from 'node:path';
import { openWorkflow, workflowProgress } from './workflow-context.js';

/**
 * A replication location: a directory, or a bucket-like `s3://<bucket>/<prefix>` kept under
 * <home>/buckets/<bucket>/<prefix> (S3 bucket naming: 3–63 lowercase letters, digits, dots, hyphens).
 */
export function resolveLocation(ctx: CliContext, home: string, location: string): string {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(location);
  if (!m) return ctx.path(location);
  const [, bucket = '', prefix = ''] = m;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens)`);
  const parts = prefix.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) throw new UsageError(`the prefix of ${location} may not contain . or .. segments`);
  return join(home, 'buckets', bucket, ...parts);
}

export async function replicateCommand(ctx: CliContext, o: { from: string; to: string; key: string; concurrency?: string }): Promise<void> {
  if (o.concurrency !== undefined && !/^[1-9]\d*$/.test(o.concurrency)) throw new UsageError(`--concurrency expects a positive whole number, got "${o.concurrency}"`);
  const { wf, caller, region, home } = await openWorkflow(ctx);
  const bar = workflowProgress(ctx, 'replicate');
  try {
    const r = await replicate(wf, {
      caller, region, from: resolveLocation(ctx, home, o.from), to: resolveLocation(ctx, home, o.to), keyId: o.key,
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
