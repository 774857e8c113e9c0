/**
 * `envelope snapshot copy` (EC2 CopySnapshot with a KmsKeyId; EBS User Guide "Copy an Amazon EBS
 * snapshot", "Share an encrypted snapshot"), run as a principal of the target account:
 *
 * 1. plan: the snapshot must be the caller's or shared with the caller's account; every KMS
 *    permission the copy needs is evaluated up front (preflight.ts) and all missing ones are
 *    reported together before any data moves.
 * 2. CreateGrant on the source key for the caller (as EC2 does), used through its grant token and
 *    retired when the copy ends.
 * 3. 'rekey' (default): stream-decrypt with the source data key, stream-encrypt under a new data
 *    key from GenerateDataKey on the target key — the source account cannot read the copy.
 *    'rewrap': ReEncrypt the wrapped data key to the target key and write a new header; the body
 *    file is hard-linked, so the cost does not depend on the size (the data key stays the same).
 * 4. The copy is staged and published in one rename: a killed copy leaves nothing visible.
 *
 * Every KMS call carries kms:ViaService `ec2.<region>.amazonaws.com` (via-service.ts).
 */
import { open, stat, writeFile, type FileHandle } from 'node:fs/promises';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MessageHeader } from '../format/header.js';
import { decryptInWorker, PARALLEL_DECRYPT_MIN_BYTES } from './parallel-decrypt.js';
import { ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { KmsKeyring, KMS_PROVIDER_ID } from '../keyrings/kms-keyring.js';
import { createDecryptStream, createEncryptStream } from '../stream/node-streams.js';
import { readHeader } from '../stream/random-access.js';
import { rewrapHeader } from '../stream/rewrap.js';
import type { CopyMode, ImageMeta, SnapshotMeta } from './artifact-types.js';
import { findMissing, MissingPermissionsException, type MissingPermission, type RequiredPermission } from './preflight.js';
import { ProgressMeter } from './progress-meter.js';
import { SyncBehind } from './sync-behind.js';
import { ReEncryptKeyring } from './reencrypt-keyring.js';
import { snapshotNotSharedMessage, imageNotSharedMessage } from './share.js';
import { validateTags } from './tags.js';
import { snapshotViaService } from './via-service.js';
import { viaCaller, type ProgressListener, type WorkflowContext } from './workflow-context.js';
import { replicaIn } from './kms-access.js';

export interface CopySnapshotInput {
  readonly caller: CallContext;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly snapshotId: string;
  /** Target region (default: the source region). */
  readonly region?: string;
  /** Key id, ARN or alias of the target key in the target region. */
  readonly keyId: string;
  readonly mode?: CopyMode;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
  /** Full re-key: decrypt on a second core (worker thread); 'auto' (default) does so from 64 MiB. */
  readonly parallel?: boolean | 'auto';
  /** Set by image copy: the shared image that grants access to its snapshots (launchPermission). */
  readonly viaImage?: ImageMeta;
}

/** A checked copy, ready to run. */
export interface CopyPlan {
  readonly input: CopySnapshotInput;
  readonly source: SnapshotMeta;
  readonly mode: CopyMode;
  readonly targetRegion: string;
  readonly targetKeyArn: string;
  /** The key the data key is unwrapped with: the source key, or its replica in the target region (rewrap of a multi-Region key). */
  readonly unwrapKeyArn: string;
  readonly unwrapRegion: string;
  readonly missing: readonly MissingPermission[];
}

/** Plans a copy and evaluates every permission it needs; never moves data. */
export async function planSnapshotCopy(ctx: WorkflowContext, input: CopySnapshotInput): Promise<CopyPlan> {
  const { caller } = input;
  const mode = input.mode ?? 'rekey';
  if (mode !== 'rekey' && mode !== 'rewrap') throw new ValidationException(`Copy mode must be 'rekey' or 'rewrap', got '${String(mode)}'`);
  const targetRegion = input.region ?? input.sourceRegion;
  const source = await ctx.store.getSnapshot({ account: input.sourceAccount, region: input.sourceRegion }, input.snapshotId);
  const missing: MissingPermission[] = [];

  const visible = source.ownerAccount === caller.accountId || source.sharedWith.includes(caller.accountId) ||
    (input.viaImage !== undefined && input.viaImage.snapshotIds.includes(source.snapshotId) &&
      (input.viaImage.ownerAccount === caller.accountId || input.viaImage.sharedWith.includes(caller.accountId)));
  if (!visible) {
    missing.push({
      what: input.viaImage ? `image ${input.viaImage.imageId}` : `snapshot ${source.snapshotId}`,
      reason: input.viaImage ? imageNotSharedMessage(input.viaImage, caller.accountId) : snapshotNotSharedMessage(source, caller.accountId),
    });
  }

  const srcVia = viaCaller(caller, source.region, snapshotViaService(source.region));
  const dstVia = viaCaller(caller, targetRegion, snapshotViaService(targetRegion));
  let targetKeyArn = input.keyId;
  try {
    targetKeyArn = (await ctx.kmsFor(targetRegion).DescribeKey({ KeyId: input.keyId }, dstVia)).KeyMetadata.Arn;
  } catch (e) {
    if ((e as Error).name !== 'AccessDeniedException' && (e as Error).name !== 'NotFoundException') throw e;
    // Reported below, with the others, through the pre-check of kms:DescribeKey on the target key.
  }

  // Cross-region rewrap works only through a replica of a multi-Region source key in the target region.
  let unwrapKeyArn = source.keyArn;
  let unwrapRegion = source.region;
  if (mode === 'rewrap' && targetRegion !== source.region) {
    const replica = await replicaIn(ctx, source.keyArn, targetRegion);
    if (!replica) {
      throw new ValidationException(
        `A rewrap copy from ${source.region} to ${targetRegion} needs a multi-Region source key with a replica in ${targetRegion}; ` +
          `${source.keyArn} has none. Copy with a full re-key instead (omit --rewrap).`,
      );
    }
    unwrapKeyArn = replica;
    unwrapRegion = targetRegion;
  }
  const unwrapVia = unwrapRegion === source.region ? srcVia : dstVia;
  const ec = source.context;
  const unwrapRole = unwrapKeyArn === source.keyArn ? 'source key' : 'source key replica';
  const required: RequiredPermission[] = [
    { role: unwrapRole, caller: unwrapVia, region: unwrapRegion, action: 'kms:DescribeKey', keyId: unwrapKeyArn },
    { role: unwrapRole, caller: unwrapVia, region: unwrapRegion, action: 'kms:CreateGrant', keyId: unwrapKeyArn },
    { role: unwrapRole, caller: unwrapVia, region: unwrapRegion, action: 'kms:Decrypt', keyId: unwrapKeyArn, encryptionContext: ec },
    { role: 'target key', caller: dstVia, region: targetRegion, action: 'kms:DescribeKey', keyId: targetKeyArn },
  ];
  if (mode === 'rekey') {
    required.push({ role: 'target key', caller: dstVia, region: targetRegion, action: 'kms:GenerateDataKey', keyId: targetKeyArn, encryptionContext: ec });
  } else {
    required.push(
      // ReEncryptKeyring re-wraps under the message's own context: source = destination = ec.
      { role: unwrapRole, caller: unwrapVia, region: unwrapRegion, action: 'kms:ReEncryptFrom', keyId: unwrapKeyArn, encryptionContext: ec, destinationEncryptionContext: ec },
      { role: 'target key', caller: dstVia, region: targetRegion, action: 'kms:ReEncryptTo', keyId: targetKeyArn, encryptionContext: ec, destinationEncryptionContext: ec },
    );
  }
  missing.push(...(await findMissing(ctx, required)));
  return { input, source, mode, targetRegion, targetKeyArn, unwrapKeyArn, unwrapRegion, missing };
}

/** Throws MissingPermissionsException when the plan lacks anything. */
export function assertPlanComplete(subject: string, plans: readonly CopyPlan[]): void {
  const missing = plans.flatMap((p) => p.missing);
  const seen = new Set<string>();
  const unique = missing.filter((m) => (seen.has(m.what) ? false : (seen.add(m.what), true)));
  if (unique.length > 0) throw new MissingPermissionsException(subject, unique);
}

/** Plans, checks and runs a snapshot copy; returns the new snapshot in the caller's account. */
export async function copySnapshot(ctx: WorkflowContext, input: CopySnapshotInput): Promise<SnapshotMeta> {
  const plan = await planSnapshotCopy(ctx, input);
  assertPlanComplete(`The copy of ${plan.source.snapshotId}`, [plan]);
  return runSnapshotCopy(ctx, plan);
}

/** Runs a checked plan and publishes the copy. */
export async function runSnapshotCopy(ctx: WorkflowContext, plan: CopyPlan): Promise<SnapshotMeta> {
  return (await prepareSnapshotCopy(ctx, plan)).commit();
}

/** A copy whose bytes are written and fsynced but not yet visible. */
export interface PreparedCopy {
  /** Publishes the copy (one rename). */
  commit(): Promise<SnapshotMeta>;
  /** Removes the staged copy. */
  abort(): Promise<void>;
}

/**
 * Runs a checked plan up to, but not including, publishing: image copy publishes all its
 * snapshots only once every one of them is written.
 */
export async function prepareSnapshotCopy(ctx: WorkflowContext, plan: CopyPlan): Promise<PreparedCopy> {
  const { input, source, mode, targetRegion, targetKeyArn } = plan;
  const { caller } = input;
  const tags = validateTags(input.tags ?? {});
  const srcVia = viaCaller(caller, source.region, snapshotViaService(source.region));
  const dstVia = viaCaller(caller, targetRegion, snapshotViaService(targetRegion));
  const unwrapVia = plan.unwrapRegion === source.region ? srcVia : dstVia;
  const srcKms = ctx.kmsFor(plan.unwrapRegion);
  const dstKms = ctx.kmsFor(targetRegion);

  // EC2 uses a grant on the source key (here: the key that unwraps, the source key or its
  // replica in the target region) for the duration of the copy.
  const grant = await srcKms.CreateGrant(
    {
      KeyId: plan.unwrapKeyArn,
      GranteePrincipal: caller.principal,
      RetiringPrincipal: caller.principal,
      Operations: mode === 'rekey' ? ['Decrypt', 'DescribeKey'] : ['Decrypt', 'ReEncryptFrom', 'DescribeKey'],
      Name: `envelope-copy-${source.snapshotId}`,
      ...(Object.keys(source.context).length > 0 ? { Constraints: { EncryptionContextEquals: { ...source.context } } } : {}),
    },
    unwrapVia,
  );
  const grantTokens = grant.GrantToken ? [grant.GrantToken] : [];
  const unwrap = new KmsKeyring({ kms: srcKms, keyIds: [plan.unwrapKeyArn], caller: unwrapVia, grantTokens });
  const staged = await ctx.store.stageSnapshot({ account: caller.accountId, region: targetRegion });
  try {
    let layout: SnapshotMeta['layout'];
    let storedSize: number;
    if (mode === 'rekey') {
      const messageSource = await ctx.store.openSource(source);
      let header: MessageHeader;
      try {
        header = await readHeader(messageSource);
      } finally {
        await messageSource.close?.();
      }
      const context = { ...source.context };
      let plaintext: [Readable] | [Readable, Transform];
      const parallel = input.parallel ?? 'auto';
      if (parallel === true || (parallel === 'auto' && source.size >= PARALLEL_DECRYPT_MIN_BYTES)) {
        // Unwrap here (Decrypt, audited), decrypt on another core, encrypt and write on this one.
        const dataKey = await unwrap.onDecrypt({ suiteId: header.suiteId, context: header.context, encryptedDataKeys: header.encryptedDataKeys });
        if (!dataKey) throw new ValidationException(`The snapshot ${source.snapshotId} has no data key wrapped by ${plan.unwrapKeyArn}`);
        try {
          plaintext = [decryptInWorker(ctx.store.root, source, dataKey, context)]; // the worker gets a copy
        } finally {
          dataKey.fill(0);
        }
      } else {
        plaintext = [ctx.store.openMessage(source), createDecryptStream({ keyring: unwrap, context })];
      }
      // The body is written through a FileHandle so that SyncBehind can start its write-back early.
      let body: FileHandle;
      try {
        body = await open(staged.bodyPath, 'wx', 0o600);
      } catch (e) {
        plaintext[0].destroy();
        throw e;
      }
      await pipeline(
        [
          ...plaintext,
          new ProgressMeter(input.onProgress, source.size),
          createEncryptStream({
            keyring: new KmsKeyring({ kms: dstKms, keyIds: [targetKeyArn], caller: dstVia }),
            context,
            frameLength: header.frameLength,
            random: ctx.random,
          }),
          new SyncBehind(body),
          body.createWriteStream({ highWaterMark: 1 << 20 }),
        ],
        input.signal ? { signal: input.signal } : {},
      );
      layout = { header: null, body: 'body.env', bodyOffset: 0 };
      storedSize = (await stat(staged.bodyPath)).size;
    } else {
      const messageSource = await ctx.store.openSource(source);
      let header: Uint8Array;
      let bodyOffset: number;
      try {
        const parsed = await readHeader(messageSource);
        const edk = parsed.encryptedDataKeys.find((k) => k.providerId === KMS_PROVIDER_ID && sameKey(k.keyId, source.keyArn));
        if (!edk) throw new ValidationException(`The snapshot ${source.snapshotId} has no data key wrapped by ${source.keyArn}`);
        ({ header, bodyOffset } = await rewrapHeader(messageSource, {
          decryptKeyring: unwrap,
          encryptKeyring: new ReEncryptKeyring({
            kms: srcKms, caller: unwrapVia, sourceEdk: edk, sourceKeyId: plan.unwrapKeyArn, destinationKeyId: targetKeyArn, grantTokens,
          }),
          context: { ...source.context },
        }));
      } finally {
        await messageSource.close?.();
      }
      // The stored message is header-file || body-file[offset..]; the old header is exactly the
      // first `bodyOffset` bytes of it, so the body continues at the same place in the body file.
      const oldHeaderLength = source.layout.header === null ? 0 : bodyOffset;
      await writeFile(staged.headerPath, header, { flag: 'wx', mode: 0o600 });
      await ctx.store.shareBody(source, staged);
      layout = { header: 'header.env', body: 'body.env', bodyOffset: source.layout.bodyOffset + bodyOffset - oldHeaderLength };
      storedSize = source.storedSize - bodyOffset + header.length;
      input.onProgress?.(source.size, source.size);
    }
    const fields = {
      source: { kind: 'copy', snapshotId: source.snapshotId, account: source.ownerAccount, region: source.region, mode } as const,
      size: source.size,
      storedSize,
      keyArn: targetKeyArn,
      context: source.context,
      createdAt: ctx.clock().toISOString(),
      description: input.description ?? `Copied from ${source.snapshotId} (${source.ownerAccount}, ${source.region})`,
      tags,
      sharedWith: [],
      layout,
    };
    return { commit: () => staged.commit(fields), abort: () => staged.abort() };
  } catch (e) {
    await staged.abort();
    throw e;
  } finally {
    await srcKms.RetireGrant({ KeyId: plan.unwrapKeyArn, GrantId: grant.GrantId }, unwrapVia).catch(() => undefined);
  }
}

/** Two key ARNs name the same key (for multi-Region keys: the same key id in any region). */
function sameKey(a: string, b: string): boolean {
  if (a === b) return true;
  const id = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  return id(a).startsWith('mrk-') && id(a) === id(b);
}
