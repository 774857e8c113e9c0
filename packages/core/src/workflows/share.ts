/**
 * Sharing artifacts with other accounts (EC2 ModifySnapshotAttribute `createVolumePermission`,
 * ModifyImageAttribute `launchPermission`; EBS User Guide "Share an encrypted snapshot": the target
 * account also needs access to the KMS key through its key policy). `grantKeyAccess` adds the
 * minimal key-policy statement (key-access-statement.ts) with GetKeyPolicy + PutKeyPolicy;
 * `dryRun` changes nothing and reports what is missing, each with the policy evaluator's reason.
 */
import { AccessDeniedException, ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import { rootArn } from '../policy/principal.js';
import type { ArtifactScope, ImageMeta, SnapshotMeta } from './artifact-types.js';
import { assertAccountId } from './ids.js';
import { addKeyAccess, removeKeyAccess } from './key-access-statement.js';
import { findMissing } from './preflight.js';
import { snapshotViaService } from './via-service.js';
import { viaCaller, type WorkflowContext } from './workflow-context.js';

/** The actions the target account needs on the source key to copy (share-side view). */
export const COPY_SOURCE_KEY_ACTIONS = ['kms:DescribeKey', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'] as const;

export interface ShareInput {
  readonly caller: CallContext;
  readonly region: string;
  /** The account to share with (or stop sharing with). */
  readonly account: string;
  /** Also add (share) or remove (unshare) the key-policy statement for `account`. */
  readonly keyAccess?: boolean;
  /** With keyAccess: restrict the statement to calls through the workflow (kms:ViaService). */
  readonly restrictToWorkflow?: boolean;
  /** Change nothing; report what is missing. */
  readonly dryRun?: boolean;
}

export interface ShareReport {
  /** The artifact after the change (unchanged on a dry run). */
  readonly artifactId: string;
  /** What was changed (or, on a dry run, what would be). */
  readonly changes: readonly string[];
  /** What the target account still lacks to copy (dry run: before any change; otherwise after). */
  readonly missing: readonly string[];
}

/**
 * Returns a snapshot the caller may read: its own, or one whose owner shared it with the caller's
 * account. Otherwise AccessDeniedException naming the fix.
 */
export async function readableSnapshot(
  ctx: WorkflowContext,
  caller: CallContext,
  scope: ArtifactScope,
  snapshotId: string,
): Promise<SnapshotMeta> {
  const meta = await ctx.store.getSnapshot(scope, snapshotId);
  if (meta.ownerAccount !== caller.accountId && !meta.sharedWith.includes(caller.accountId)) {
    throw new AccessDeniedException(snapshotNotSharedMessage(meta, caller.accountId));
  }
  return meta;
}

export function snapshotNotSharedMessage(meta: SnapshotMeta, account: string): string {
  return `The snapshot ${meta.snapshotId} of account ${meta.ownerAccount} (${meta.region}) is not shared with account ${account}: ` +
    `its createVolumePermission does not list ${account}. The owner can run: envelope snapshot share ${meta.snapshotId} --account ${account}`;
}

export function imageNotSharedMessage(image: ImageMeta, account: string): string {
  return `The image ${image.imageId} of account ${image.ownerAccount} (${image.region}) is not shared with account ${account}: ` +
    `its launchPermission does not list ${account}. The owner can run: envelope image share ${image.imageId} --account ${account}`;
}

function checkTarget(caller: CallContext, account: string): string {
  assertAccountId(account, 'Account');
  if (account === caller.accountId) throw new ValidationException(`Account ${account} owns the artifact; share it with another account`);
  return account;
}

/**
 * For each snapshot's key, what `account` (as its root, the broadest principal a key policy can
 * name) may not do through the workflow, evaluated as the Kms door would (kms-access.ts) with the
 * snapshot's encryption context where the copy's call carries it, with its reason.
 */
async function missingKeyAccess(ctx: WorkflowContext, region: string, snapshots: readonly SnapshotMeta[], account: string): Promise<string[]> {
  const caller = viaCaller({ principal: rootArn(account), accountId: account }, region, snapshotViaService(region));
  const required = snapshots.flatMap((s) => COPY_SOURCE_KEY_ACTIONS.map((action) => ({
    role: 'shared key', caller, region, action, keyId: s.keyArn,
    ...(action === 'kms:Decrypt' ? { encryptionContext: s.context } : {}),
    // A rewrap's ReEncrypt keeps the snapshot's context (copy-snapshot.ts).
    ...(action === 'kms:ReEncryptFrom' ? { encryptionContext: s.context, destinationEncryptionContext: s.context } : {}),
  })));
  const lines = (await findMissing(ctx, required)).map((m) => `key policy of ${m.permission!.keyId}: ${m.permission!.action} for account ${account} — ${m.reason}`);
  return [...new Set(lines)];
}

async function changeKeyPolicies(ctx: WorkflowContext, caller: CallContext, region: string, keyArns: readonly string[], account: string, add: boolean, restrict: boolean): Promise<string[]> {
  const via = viaCaller(caller, region, snapshotViaService(region));
  const kms = ctx.kmsFor(region);
  const changes: string[] = [];
  for (const keyArn of keyArns) {
    const { Policy } = await kms.GetKeyPolicy({ KeyId: keyArn, PolicyName: 'default' }, via);
    const next = add
      ? addKeyAccess(Policy ?? '{}', account, restrict ? { viaService: snapshotViaService(region) } : {})
      : removeKeyAccess(Policy ?? '{}', account);
    if (next === undefined) continue;
    await kms.PutKeyPolicy({ KeyId: keyArn, PolicyName: 'default', Policy: next }, via);
    changes.push(`${add ? 'added' : 'removed'} key policy statement EnvelopeShareWith${account} on ${keyArn}`);
  }
  return changes;
}

/** Shared body of snapshot and image (un)sharing. */
async function modifySharing(
  ctx: WorkflowContext,
  input: ShareInput,
  add: boolean,
  artifact: { id: string; attribute: string; sharedWith: readonly string[]; snapshots: readonly SnapshotMeta[] },
  write: (sharedWith: string[]) => Promise<void>,
): Promise<ShareReport> {
  const account = checkTarget(input.caller, input.account);
  const artifactKeys = [...new Set(artifact.snapshots.map((s) => s.keyArn))].sort();
  const listed = artifact.sharedWith.includes(account);
  const changes: string[] = [];
  const missing: string[] = [];
  if (add && !listed) {
    if (input.dryRun) missing.push(`${artifact.attribute} of ${artifact.id} does not list account ${account}`);
    changes.push(`add account ${account} to the ${artifact.attribute} of ${artifact.id}`);
  }
  if (!add && listed) changes.push(`remove account ${account} from the ${artifact.attribute} of ${artifact.id}`);
  if (input.dryRun) {
    if (add) missing.push(...(await missingKeyAccess(ctx, input.region, artifact.snapshots, account)));
    if (add && input.keyAccess && missing.length > 0) changes.push(...artifactKeys.map((k) => `add key policy statement EnvelopeShareWith${account} on ${k} if absent`));
    return { artifactId: artifact.id, changes, missing };
  }
  if (changes.length > 0) {
    const next = add ? [...artifact.sharedWith, account].sort() : artifact.sharedWith.filter((a) => a !== account);
    await write(next);
  }
  if (input.keyAccess) {
    let keyArns = artifactKeys;
    if (!add) {
      // Keep the statement on keys that other artifacts still shared with the account need.
      const stillNeeded = await keysSharedWith(ctx, { account: input.caller.accountId, region: input.region }, account);
      for (const k of keyArns.filter((k) => stillNeeded.has(k))) changes.push(`kept key policy statement EnvelopeShareWith${account} on ${k}: other artifacts shared with ${account} use it`);
      keyArns = keyArns.filter((k) => !stillNeeded.has(k));
    }
    changes.push(...(await changeKeyPolicies(ctx, input.caller, input.region, keyArns, account, add, input.restrictToWorkflow ?? false)));
  }
  const after = add ? await missingKeyAccess(ctx, input.region, artifact.snapshots, account) : [];
  return { artifactId: artifact.id, changes, missing: after };
}

/** Keys of the owner's artifacts (in one region) that are still shared with `account`. */
async function keysSharedWith(ctx: WorkflowContext, scope: ArtifactScope, account: string): Promise<Set<string>> {
  const snapshots = await ctx.store.listSnapshots(scope);
  const byId = new Map(snapshots.map((m) => [m.snapshotId, m]));
  const keys = new Set(snapshots.filter((m) => m.sharedWith.includes(account)).map((m) => m.keyArn));
  for (const image of await ctx.store.listImages(scope)) {
    if (!image.sharedWith.includes(account)) continue;
    for (const id of image.snapshotIds) {
      const k = byId.get(id)?.keyArn;
      if (k) keys.add(k);
    }
  }
  return keys;
}

async function ownSnapshot(ctx: WorkflowContext, caller: CallContext, region: string, snapshotId: string): Promise<SnapshotMeta> {
  return ctx.store.getSnapshot({ account: caller.accountId, region }, snapshotId);
}

/** `envelope snapshot share <id> --account <target> [--grant-key-access] [--dry-run]`. */
export async function shareSnapshot(ctx: WorkflowContext, input: ShareInput & { snapshotId: string }): Promise<ShareReport> {
  return modifySnapshotSharing(ctx, input, true);
}

/** `envelope snapshot unshare <id> --account <target> [--revoke-key-access]`. */
export async function unshareSnapshot(ctx: WorkflowContext, input: ShareInput & { snapshotId: string }): Promise<ShareReport> {
  return modifySnapshotSharing(ctx, input, false);
}

async function modifySnapshotSharing(ctx: WorkflowContext, input: ShareInput & { snapshotId: string }, add: boolean): Promise<ShareReport> {
  const scope = { account: input.caller.accountId, region: input.region };
  const meta = await ownSnapshot(ctx, input.caller, input.region, input.snapshotId);
  return modifySharing(
    ctx, input, add,
    { id: meta.snapshotId, attribute: 'createVolumePermission', sharedWith: meta.sharedWith, snapshots: [meta] },
    async (sharedWith) => {
      await ctx.store.updateSnapshot(scope, meta.snapshotId, (m) => ({ ...m, sharedWith }));
    },
  );
}

/** `envelope image share|unshare <id> --account <target>`: the launchPermission, and the keys of all its snapshots. */
export async function shareImage(ctx: WorkflowContext, input: ShareInput & { imageId: string }, add = true): Promise<ShareReport> {
  const scope = { account: input.caller.accountId, region: input.region };
  const image = await ctx.store.getImage(scope, input.imageId);
  const snapshots: SnapshotMeta[] = [];
  for (const id of image.snapshotIds) snapshots.push(await ctx.store.getSnapshot(scope, id));
  return modifySharing(
    ctx, input, add,
    { id: image.imageId, attribute: 'launchPermission', sharedWith: image.sharedWith, snapshots },
    async (sharedWith) => {
      await ctx.store.updateImage(scope, image.imageId, (i) => ({ ...i, sharedWith }));
    },
  );
}
