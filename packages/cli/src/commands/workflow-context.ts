/**
 * Wiring shared by `envelope snapshot | image | replicate` (docs/WORKFLOWS.md): the core
 * WorkflowContext over this invocation's Kms (one Kms serves every region through the caller's
 * region), the artifact store under <home>/artifacts (or --store), the active profile's caller,
 * and one progress bar fed by a workflow's byte counts.
 */
import { join } from 'node:path';
import { ArtifactStore, type CallContext, type ProgressListener, type WorkflowContext } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { createProgress } from '../util/progress.js';

export interface OpenedWorkflow {
  readonly wf: WorkflowContext;
  readonly caller: CallContext;
  readonly region: string;
  /** The keystore home (bucket-like locations live under <home>/buckets). */
  readonly home: string;
}

/** Opens the workflow context; `store` overrides the artifact directory. */
export async function openWorkflow(ctx: CliContext, store?: string): Promise<OpenedWorkflow> {
  const services = await ctx.open();
  const root = store !== undefined ? ctx.path(store) : join(services.home, 'artifacts');
  const wf: WorkflowContext = {
    store: new ArtifactStore({ root, random: ctx.random }),
    kmsFor: () => services.kms,
    clock: ctx.clock,
    random: ctx.random,
  };
  return { wf, caller: { ...services.caller, region: services.region }, region: services.region, home: services.home };
}

/** `{ concurrency }` from a `--concurrency <n>` flag (a positive whole number), or nothing. */
export function concurrencyOf(value: string | undefined): { concurrency?: number } {
  if (value === undefined) return {};
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--concurrency expects a positive whole number, got "${value}"`);
  return { concurrency: Number(value) };
}

/** `{ signal }` when the CLI was given an abort signal (SIGINT/SIGTERM), for a workflow input. */
export function signalOf(ctx: CliContext): { signal?: AbortSignal } {
  return ctx.io.signal ? { signal: ctx.io.signal } : {};
}

/** Runs `fn` with a progress bar (see workflowProgress) that is stopped however `fn` ends. */
export async function withProgress<T>(ctx: CliContext, label: string, fn: (onProgress: ProgressListener) => Promise<T>): Promise<T> {
  const bar = workflowProgress(ctx, label);
  try {
    return await fn(bar.onProgress);
  } finally {
    bar.stop();
  }
}

/** One progress bar (TTY only, not with --quiet) driven by a workflow's (done, total) reports. */
export function workflowProgress(ctx: CliContext, label: string): { onProgress: ProgressListener; stop(): void } {
  let progress: ReturnType<typeof createProgress> | undefined;
  let seen = 0;
  const enabled = ctx.io.stderrIsTTY === true && !ctx.opts.quiet;
  return {
    onProgress: (done, total) => {
      if (!enabled) return;
      progress ??= createProgress({ enabled, stream: ctx.io.stderr, label, ...(total > 0 ? { total } : {}) });
      if (done > seen) progress.advance(done - seen);
      seen = Math.max(seen, done);
    },
    stop: () => progress?.stop(),
  };
}
