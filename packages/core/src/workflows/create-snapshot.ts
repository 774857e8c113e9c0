/**
 * `envelope snapshot create` (EC2 CreateSnapshot, with EBS encryption by a KMS key): stream-encrypt
 * a file into the artifact store under a key of the caller's account. Constant memory (one frame);
 * the snapshot is published only once completely written (artifact-store.ts staging).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { CallContext } from '../kms/call-context.js';
import { KmsKeyring } from '../keyrings/kms-keyring.js';
import { createEncryptStream } from '../stream/node-streams.js';
import type { SnapshotMeta } from './artifact-types.js';
import { ProgressMeter } from './progress-meter.js';
import { snapshotViaService } from './via-service.js';
import { viaCaller, type ProgressListener, type WorkflowContext } from './workflow-context.js';
import { validateTags } from './tags.js';

export interface CreateSnapshotInput {
  readonly caller: CallContext;
  readonly region: string;
  /** Key id, ARN, alias name or alias ARN of a symmetric key in the caller's account. */
  readonly keyId: string;
  /** A file path, or a stream with a name recorded as its source. */
  readonly source: { readonly path: string } | { readonly stream: Readable; readonly name: string };
  readonly context?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly frameLength?: number;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

/** Resolves a key reference to its ARN through DescribeKey (as the workflow service). */
export async function resolveKeyArn(ctx: WorkflowContext, caller: CallContext, region: string, keyId: string): Promise<string> {
  const via = viaCaller(caller, region, snapshotViaService(region));
  const { KeyMetadata } = await ctx.kmsFor(region).DescribeKey({ KeyId: keyId }, via);
  return KeyMetadata.Arn;
}

export async function createSnapshot(ctx: WorkflowContext, input: CreateSnapshotInput): Promise<SnapshotMeta> {
  const { caller, region } = input;
  const tags = validateTags(input.tags ?? {});
  const scope = { account: caller.accountId, region };
  const via = viaCaller(caller, region, snapshotViaService(region));
  const kms = ctx.kmsFor(region);
  const keyArn = await resolveKeyArn(ctx, caller, region, input.keyId);
  const keyring = new KmsKeyring({ kms, keyIds: [keyArn], caller: via });
  const context = { ...(input.context ?? {}) };

  let source: Readable;
  let sourceMeta: SnapshotMeta['source'];
  let total = 0;
  if ('path' in input.source) {
    const path = resolve(input.source.path);
    total = (await stat(path)).size;
    source = createReadStream(path, { highWaterMark: 1 << 20 });
    sourceMeta = { kind: 'file', path };
  } else {
    source = input.source.stream;
    sourceMeta = { kind: 'stream', name: input.source.name };
  }

  const staged = await ctx.store.stageSnapshot(scope);
  try {
    const meter = new ProgressMeter(input.onProgress, total);
    const encrypt = createEncryptStream({ keyring, context, frameLength: input.frameLength, random: ctx.random });
    const out = createWriteStream(staged.bodyPath, { flags: 'wx', mode: 0o600 });
    await pipeline(source, meter, encrypt, out, input.signal ? { signal: input.signal } : {});
    const storedSize = (await stat(staged.bodyPath)).size;
    return await staged.commit({
      source: sourceMeta,
      size: meter.bytes,
      storedSize,
      keyArn,
      context,
      createdAt: ctx.clock().toISOString(),
      description: input.description ?? '',
      tags,
      sharedWith: [],
      layout: { header: null, body: 'body.env', bodyOffset: 0 },
    });
  } catch (e) {
    await staged.abort();
    throw e;
  }
}
