/**
 * `envelope snapshot export <id> -o file`: writes a snapshot's stored Envelope message as one
 * standard Envelope file (readable by `envelope decrypt` / createDecryptStream with a keyring for
 * its key). No KMS call and no decryption: the bytes stay encrypted. The output is written like
 * every CLI output (fsio/output-file.ts): a file appears only when complete; a device or FIFO is
 * written directly and never replaced; a symlink's target is replaced, not the link (the CLI asks
 * for --force first); a directory is refused.
 */
import { pipeline } from 'node:stream/promises';
import { ValidationException } from '../errors.js';
import { openOutputPath } from '../fsio/output-file.js';
import type { CallContext } from '../kms/call-context.js';
import type { SnapshotMeta } from './artifact-types.js';
import { readableSnapshot } from './share.js';
import { ProgressMeter } from './progress-meter.js';
import type { ProgressListener, WorkflowContext } from './workflow-context.js';

export interface ExportSnapshotInput {
  readonly caller: CallContext;
  readonly region: string;
  readonly snapshotId: string;
  /** Owner of the snapshot; defaults to the caller's account (a shared snapshot names its owner). */
  readonly ownerAccount?: string;
  readonly outPath: string;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export async function exportSnapshot(ctx: WorkflowContext, input: ExportSnapshotInput): Promise<SnapshotMeta> {
  const meta = await readableSnapshot(ctx, input.caller, { account: input.ownerAccount ?? input.caller.accountId, region: input.region }, input.snapshotId);
  const out = await openOutputPath(input.outPath, true, (problem) => new ValidationException(problem));
  try {
    await pipeline(
      ctx.store.openMessage(meta),
      new ProgressMeter(input.onProgress, meta.storedSize),
      out.sink,
      input.signal ? { signal: input.signal } : {},
    );
    await out.commit();
  } catch (e) {
    await out.discard();
    throw e;
  }
  return meta;
}
