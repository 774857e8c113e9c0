/**
 * `envelope replicate --from <dir|s3://bucket/prefix> --to <dir|s3://bucket/prefix> --key <dest>` (docs/WORKFLOWS.md §6; S3 Replication
 * of SSE-KMS objects, SSE-C objects never replicated). Resumable: rerun the same command after an
 * interruption and finished objects are skipped (journal in <to>/.envelope-replication.journal).
 */
import { replicate } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { join } from 'node:path';
import { concurrencyOf, openWorkflow, signalOf, withProgress } from './workflow-context.js';

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
  const concurrency = concurrencyOf(o.concurrency); // flags first: no keystore is opened for bad input
  const { wf, caller, region, home } = await openWorkflow(ctx);
  const r = await withProgress(ctx, 'replicate', (onProgress) => replicate(wf, {
    caller, region, from: resolveLocation(ctx, home, o.from), to: resolveLocation(ctx, home, o.to), keyId: o.key,
    ...concurrency,
    onProgress,
    ...signalOf(ctx),
  }));
  const lines = [
    `replicated: ${r.replicated.length}`,
    `already done (journal): ${r.alreadyDone}`,
    `skipped, customer-provided key (never replicated): ${r.skippedCustomerKey.length}`,
    ...r.skippedCustomerKey.map((k) => `  - ${k}`),
  ];
  await ctx.print({ Replicated: r.replicated, AlreadyDone: r.alreadyDone, SkippedCustomerKey: r.skippedCustomerKey, Bytes: r.bytes }, lines.join('\n'));
}
