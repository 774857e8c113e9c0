/**
 * `envelope image create | list | describe | deregister | share | unshare | copy`
 * (docs/WORKFLOWS.md; EC2 RegisterImage, DescribeImages, DeregisterImage, ModifyImageAttribute
 * launchPermission, CopyImage). Thin: parse flags → one core workflow call → print.
 */
import { copyImage, createImage, readableImage, shareImage, type ImageMeta } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { parseKeyValues } from '../util/key-value.js';
import { printShareReport, type CopyArgs, type ShareArgs, type StoreArg } from './snapshot.js';
import { concurrencyOf, openWorkflow, signalOf, withProgress } from './workflow-context.js';

function imageLine(i: ImageMeta): string {
  const shared = i.sharedWith.length > 0 ? ` shared:${i.sharedWith.join(',')}` : '';
  return `${i.imageId}  ${i.name}  ${i.ownerAccount}  ${i.region}  ${i.snapshotIds.join(',')}  ${i.createdAt}${shared}`;
}

export async function imageCreate(ctx: CliContext, o: StoreArg & { snapshot?: string[]; name: string; description?: string; tag?: string[] }): Promise<void> {
  if (!o.snapshot || o.snapshot.length === 0) throw new UsageError('image create needs at least one --snapshot <id>');
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const image = await createImage(wf, {
    caller, region, name: o.name, snapshotIds: o.snapshot,
    tags: parseKeyValues(o.tag, '--tag') ?? {},
    ...(o.description !== undefined ? { description: o.description } : {}),
  });
  await ctx.print({ Image: image }, `${image.imageId}\n`);
}

export async function imageList(ctx: CliContext, o: StoreArg & { sharedWithMe?: boolean }): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const scope = { account: caller.accountId, region };
  const list = o.sharedWithMe ? await wf.store.listImagesSharedWith(scope) : await wf.store.listImages(scope);
  await ctx.print({ Images: list }, list.map(imageLine).join('\n'));
}

export async function imageDescribe(ctx: CliContext, id: string, o: StoreArg & { owner?: string }): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  await ctx.print({ Image: await readableImage(wf, caller, { account: o.owner ?? caller.accountId, region }, id) });
}

export async function imageDeregister(ctx: CliContext, id: string, o: StoreArg): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  await wf.store.deleteImage({ account: caller.accountId, region }, id);
  await ctx.done({ ImageId: id }, `deregistered ${id} (its snapshots remain)`);
}

export async function imageShare(ctx: CliContext, id: string, o: ShareArgs, add = true): Promise<void> {
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const report = await shareImage(wf, {
    caller, region, imageId: id, account: o.account,
    keyAccess: add ? o.grantKeyAccess === true : o.revokeKeyAccess === true,
    restrictToWorkflow: o.viaServiceOnly === true,
    dryRun: add && o.dryRun === true,
  }, add);
  await printShareReport(ctx, report, add && o.dryRun === true);
}

export async function imageCopy(ctx: CliContext, id: string, o: CopyArgs & { name?: string; concurrency?: string }): Promise<void> {
  const concurrency = concurrencyOf(o.concurrency); // flags first: no keystore is opened for bad input
  const { wf, caller, region } = await openWorkflow(ctx, o.store);
  const { image } = await withProgress(ctx, `image copy ${id}`, (onProgress) => copyImage(wf, {
    caller,
    sourceAccount: o.sourceAccount ?? caller.accountId,
    sourceRegion: o.sourceRegion ?? region,
    imageId: id,
    region,
    keyId: o.key,
    mode: o.rewrap ? 'rewrap' : 'rekey',
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...concurrency,
    onProgress,
    ...signalOf(ctx),
  }));
  await ctx.print({ Image: image }, `${image.imageId}\n`);
}
