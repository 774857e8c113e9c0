/**
 * The command tree of `envelope snapshot | image | replicate` (docs/WORKFLOWS.md), registered into
 * the program by run.ts with one call, using run.ts's own `sub` and `bind` helpers.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { collect } from '../util/key-value.js';

// Loaded only when one of their commands runs (run.ts: lazy command modules).
const image = () => import('./image.js');
const snapshot = () => import('./snapshot.js');
const replicate = () => import('./replicate.js');

type Handler = (ctx: CliContext, ...args: any[]) => Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Sub = (parent: Command, name: string, description: string) => Command;
type Bind = (fn: Handler) => (...args: unknown[]) => Promise<void>;
type Opts = Record<string, unknown>;

const STORE = ['--store <dir>', 'artifact directory (default <home>/artifacts)'] as const;

function shareOptions(c: Command): Command {
  return c
    .requiredOption('--account <id>', 'the 12-digit account to share with')
    .option('--grant-key-access', "also add the key-policy statement the account needs (DescribeKey, Decrypt, ReEncrypt*, CreateGrant)")
    .option('--via-service-only', 'with --grant-key-access: only through the workflow (kms:ViaService ec2.<region>.amazonaws.com)')
    .option('--dry-run', 'change nothing; print what is missing')
    .option(...STORE);
}

function copyOptions(c: Command): Command {
  return c
    .option('--source-account <id>', 'owner of the source (default: your account)')
    .option('--source-region <region>', 'region of the source (default: --region)')
    .requiredOption('-k, --key <key>', 'target key in your account and --region')
    .option('--rewrap', 're-encrypt only the wrapped data key (ReEncrypt); the body is shared, not copied')
    .option('--description <text>')
    .option(...STORE);
}

export function registerWorkflowCommands(program: Command, sub: Sub, bind: Bind): void {
  const snap = sub(program, 'snapshot', 'encrypted snapshots: create, share, copy across accounts and regions');
  sub(snap, 'create', 'stream-encrypt a file into a snapshot (CreateSnapshot)')
    .argument('<file>')
    .requiredOption('-k, --key <key>', 'key id, ARN or alias')
    .option('-c, --context <k=v>', 'encryption context pair (repeatable)', collect)
    .option('--description <text>')
    .option('--tag <k=v>', 'tag (repeatable)', collect)
    .option(...STORE)
    .action(bind(async (ctx, f: string, o: Opts) => (await snapshot()).snapshotCreate(ctx, f, o as never)));
  sub(snap, 'list', 'your snapshots in --region (DescribeSnapshots)')
    .option('--shared-with-me', "other accounts' snapshots shared with yours")
    .option(...STORE)
    .action(bind(async (ctx, o: Opts) => (await snapshot()).snapshotList(ctx, o)));
  sub(snap, 'describe', 'one snapshot').argument('<id>').option('--owner <account>', 'owner of a shared snapshot').option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotDescribe(ctx, id, o)));
  sub(snap, 'delete', 'DeleteSnapshot').argument('<id>').option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotDelete(ctx, id, o)));
  sub(snap, 'export', 'write the snapshot as one Envelope file (still encrypted)')
    .argument('<id>')
    .requiredOption('-o, --output <file>')
    .option('--owner <account>', 'owner of a shared snapshot')
    .option('-f, --force', 'overwrite an existing output file')
    .option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotExport(ctx, id, o)));
  shareOptions(sub(snap, 'share', 'share with an account (createVolumePermission)').argument('<id>'))
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotShare(ctx, id, o as never)));
  sub(snap, 'unshare', 'stop sharing with an account').argument('<id>')
    .requiredOption('--account <id>')
    .option('--revoke-key-access', 'also remove the key-policy statement --grant-key-access added')
    .option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotUnshare(ctx, id, o as never)));
  copyOptions(sub(snap, 'copy', 'copy a (shared) snapshot into your account, re-encrypted under your key (CopySnapshot)').argument('<id>'))
    .option('--tag <k=v>', 'tag (repeatable)', collect)
    .option('--check', 'only run the permission pre-check and print what is missing; copy nothing')
    .action(bind(async (ctx, id: string, o: Opts) => (await snapshot()).snapshotCopy(ctx, id, o as never)));

  const img = sub(program, 'image', 'images: named sets of snapshots');
  sub(img, 'create', 'RegisterImage from your snapshots')
    .requiredOption('--name <name>')
    .option('--snapshot <id>', 'snapshot (repeatable)', collect)
    .option('--description <text>')
    .option('--tag <k=v>', 'tag (repeatable)', collect)
    .option(...STORE)
    .action(bind(async (ctx, o: Opts) => (await image()).imageCreate(ctx, o as never)));
  sub(img, 'list', 'your images in --region').option('--shared-with-me').option(...STORE)
    .action(bind(async (ctx, o: Opts) => (await image()).imageList(ctx, o)));
  sub(img, 'describe', 'one image').argument('<id>').option('--owner <account>').option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await image()).imageDescribe(ctx, id, o)));
  sub(img, 'deregister', 'DeregisterImage (snapshots remain)').argument('<id>').option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await image()).imageDeregister(ctx, id, o)));
  shareOptions(sub(img, 'share', 'share with an account (launchPermission)').argument('<id>'))
    .action(bind(async (ctx, id: string, o: Opts) => (await image()).imageShare(ctx, id, o as never, true)));
  sub(img, 'unshare', 'stop sharing with an account').argument('<id>')
    .requiredOption('--account <id>')
    .option('--revoke-key-access')
    .option(...STORE)
    .action(bind(async (ctx, id: string, o: Opts) => (await image()).imageShare(ctx, id, o as never, false)));
  copyOptions(sub(img, 'copy', 'copy a (shared) image and all its snapshots into your account (CopyImage)').argument('<id>'))
    .option('--name <name>', 'name of the copy (default: the source name)')
    .option('--concurrency <n>', 'snapshots copied at once (default: the core count)')
    .action(bind(async (ctx, id: string, o: Opts) => (await image()).imageCopy(ctx, id, o as never)));

  sub(program, 'replicate', 'replicate objects to another directory under a destination key; resumable')
    .requiredOption('--from <dir|s3://bucket/prefix>', 'a directory, or a bucket-like prefix under <home>/buckets')
    .requiredOption('--to <dir|s3://bucket/prefix>')
    .requiredOption('-k, --key <key>', 'destination key in --region')
    .option('--concurrency <n>')
    .action(bind(async (ctx, o: Opts) => (await replicate()).replicateCommand(ctx, o as never)));
}
