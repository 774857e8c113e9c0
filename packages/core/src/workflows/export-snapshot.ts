/**
 * `envelope snapshot export <id> -o file`: writes a snapshot's stored Envelope message as one
 * standard Envelope file (readable by `envelope decrypt` / createDecryptStream with a keyring for
 * its key). No KMS call and no decryption: the bytes stay encrypted. The output appears only when
 * complete (temp file + fsync + rename).
 */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { CallContext } from '../kms/call-context.js';
import type { SnapshotMeta } from './artifact-types.js';
import { publishFile, tempPathFor } from './atomic-file.js';
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
  const tmp = tempPathFor(input.outPath);
  try {
    await pipeline(
      ctx.store.openMessage(meta),
      new ProgressMeter(input.onProgress, meta.storedSize),
      createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
      input.signal ? { signal: input.signal } : {},
    );
    await publishFile(tmp, input.outPath);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return meta;
}
