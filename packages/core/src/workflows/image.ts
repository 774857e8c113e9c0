/**
 * Images: a named set of snapshots (EC2 RegisterImage / DescribeImages / DeregisterImage /
 * CopyImage). `copyImage` copies every snapshot of a shared image into the caller's account —
 * pre-checking all of them first, then copying in parallel up to the core count with one combined
 * progress — and publishes the copies only when all are written, then registers the new image:
 * an interrupted copy shows neither a partial image nor orphan snapshots.
 */
import { availableParallelism } from 'node:os';
import { AccessDeniedException, ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import type { CopyMode, ImageMeta, SnapshotMeta } from './artifact-types.js';
import { assertPlanComplete, planSnapshotCopy, prepareSnapshotCopy, type CopyPlan, type PreparedCopy } from './copy-snapshot.js';
import { imageNotSharedMessage } from './share.js';
import { validateTags } from './tags.js';
import type { ProgressListener, WorkflowContext } from './workflow-context.js';

const NAME_RE = /^[a-zA-Z0-9().\-/_ ]{3,128}$/;

export interface CreateImageInput {
  readonly caller: CallContext;
  readonly region: string;
  readonly name: string;
  readonly snapshotIds: readonly string[];
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** EC2 image names: 3–128 characters of letters, digits, ( ) . - / _ and spaces. */
export function assertImageName(name: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new ValidationException(`Image name '${String(name)}' must be 3 to 128 characters of letters, digits, spaces and ( ) . - / _`);
  }
  return name;
}

/** `envelope image create --snapshot … --name …`: the snapshots must be the caller's, in this region. */
export async function createImage(ctx: WorkflowContext, input: CreateImageInput): Promise<ImageMeta> {
  const scope = { account: input.caller.accountId, region: input.region };
  assertImageName(input.name);
  if (input.snapshotIds.length === 0) throw new ValidationException('An image needs at least one snapshot (--snapshot)');
  if (new Set(input.snapshotIds).size !== input.snapshotIds.length) throw new ValidationException('An image may list each snapshot once');
  for (const id of input.snapshotIds) await ctx.store.getSnapshot(scope, id);
  return ctx.store.putImage({
    imageId: ctx.store.newImageId(),
    name: input.name,
    ownerAccount: scope.account,
    region: scope.region,
    snapshotIds: [...input.snapshotIds],
    createdAt: ctx.clock().toISOString(),
    description: input.description ?? '',
    tags: validateTags(input.tags ?? {}),
    sharedWith: [],
  });
}

/** Returns an image the caller may use: its own or shared with its account. */
export async function readableImage(ctx: WorkflowContext, caller: CallContext, scope: { account: string; region: string }, imageId: string): Promise<ImageMeta> {
  const image = await ctx.store.getImage(scope, imageId);
  if (image.ownerAccount !== caller.accountId && !image.sharedWith.includes(caller.accountId)) {
    throw new AccessDeniedException(imageNotSharedMessage(image, caller.accountId));
  }
  return image;
}

export interface CopyImageInput {
  readonly caller: CallContext;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly imageId: string;
  readonly region?: string;
  readonly keyId: string;
  readonly mode?: CopyMode;
  /** Name of the new image (default: the source's name). */
  readonly name?: string;
  readonly description?: string;
  /** Snapshots copied at once (default: the core count). */
  readonly concurrency?: number;
  /** Combined progress over all snapshots. */
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface CopyImageResult {
  readonly image: ImageMeta;
  readonly snapshots: readonly SnapshotMeta[];
}

export async function copyImage(ctx: WorkflowContext, input: CopyImageInput): Promise<CopyImageResult> {
  const { caller } = input;
  const targetRegion = input.region ?? input.sourceRegion;
  const source = await ctx.store.getImage({ account: input.sourceAccount, region: input.sourceRegion }, input.imageId);
  const name = assertImageName(input.name ?? source.name);

  // 1. Plan and pre-check every snapshot before any data moves.
  const plans: CopyPlan[] = [];
  for (const snapshotId of source.snapshotIds) {
    plans.push(await planSnapshotCopy(ctx, {
      caller,
      sourceAccount: source.ownerAccount,
      sourceRegion: source.region,
      snapshotId,
      region: targetRegion,
      keyId: input.keyId,
      ...(input.mode ? { mode: input.mode } : {}),
      viaImage: source,
      ...(input.signal ? { signal: input.signal } : {}),
    }));
  }
  assertPlanComplete(`The copy of image ${source.imageId}`, plans);
  if ((await ctx.store.listImages({ account: caller.accountId, region: targetRegion })).some((i) => i.name === name)) {
    throw new ValidationException(`An image named '${name}' already exists in account ${caller.accountId}, region ${targetRegion}; pass --name`);
  }

  // 2. Copy the snapshots, up to `concurrency` at a time, with one combined progress.
  const total = plans.reduce((n, p) => n + p.source.size, 0);
  const done = new Array<number>(plans.length).fill(0);
  const report = () => input.onProgress?.(done.reduce((a, b) => a + b, 0), total);
  const prepared = new Array<PreparedCopy>(plans.length);
  const limit = Math.max(1, Math.min(input.concurrency ?? availableParallelism(), plans.length));
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < plans.length && !failed) {
      const i = next++;
      const plan = plans[i]!;
      prepared[i] = await prepareSnapshotCopy(ctx, {
        ...plan,
        input: {
          ...plan.input,
          description: `Copied from ${plan.source.snapshotId} of ${source.imageId} (${source.ownerAccount}, ${source.region})`,
          onProgress: (bytes) => {
            done[i] = bytes;
            report();
          },
        },
      });
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: limit }, () => worker().catch((e: unknown) => {
    failed = true;
    throw e;
  })));
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) {
    // Nothing was published: drop every staged copy.
    for (const p of prepared) await p?.abort();
    throw failure.reason;
  }

  // 3. Publish the snapshots (each one rename), then register the image. Should any of it fail,
  // the snapshots already published are deleted and the rest dropped: all or nothing.
  const results: SnapshotMeta[] = [];
  try {
    for (const p of prepared) results.push(await p.commit());
    const image = await ctx.store.putImage({
      imageId: ctx.store.newImageId(),
      name,
      ownerAccount: caller.accountId,
      region: targetRegion,
      snapshotIds: results.map((s) => s.snapshotId),
      createdAt: ctx.clock().toISOString(),
      description: input.description ?? `Copied from ${source.imageId} (${source.ownerAccount}, ${source.region})`,
      tags: {},
      sharedWith: [],
      copiedFrom: { imageId: source.imageId, account: source.ownerAccount, region: source.region },
    });
    return { image, snapshots: results };
  } catch (e) {
    for (const p of prepared.slice(results.length)) await p.abort().catch(() => undefined);
    const scope = { account: caller.accountId, region: targetRegion };
    for (const s of results) await ctx.store.deleteSnapshot(scope, s.snapshotId).catch(() => undefined);
    throw e;
  }
}
