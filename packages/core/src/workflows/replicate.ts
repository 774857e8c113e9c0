/**
 * `envelope replicate --from <dir> --to <dir> --key <dest>` (S3 Replication of encrypted objects:
 * "Replicating objects created with server-side encryption (SSE-C, SSE-S3, SSE-KMS)"): every object
 * under `from` is written under the same key below `to`, encrypted under the destination key.
 *
 * - An Envelope object wrapped by a KMS key (SSE-KMS) is re-keyed: Decrypt on its source key,
 *   GenerateDataKey on the destination key, streamed (constant memory).
 * - An Envelope object whose data key is wrapped only by customer-provided keys (no KMS wrapping:
 *   raw AES and other non-KMS keyrings — the analogue of SSE-C) is never replicated; it is counted
 *   and listed in the result.
 * - An object that is not an Envelope message is encrypted under the destination key.
 *
 * Every object is written to a temp file and renamed; then a line is appended to the journal
 * (replication-journal.ts) so a rerun after an interruption skips finished objects. All needed
 * KMS permissions are pre-checked before any object moves. KMS calls carry kms:ViaService
 * `s3.<region>.amazonaws.com`.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Transform } from 'node:stream';
import { ValidationException } from '../errors.js';
import type { CallContext } from '../kms/call-context.js';
import type { EncryptedDataKey } from '../keyrings/keyring.js';
import { KmsKeyring, KMS_PROVIDER_ID } from '../keyrings/kms-keyring.js';
import { AWS_KMS_PROVIDER_ID } from '../keyrings/aws-kms-keyring.js';
import { fileSource } from '../stream/file-source.js';
import { createDecryptStream, createEncryptStream } from '../stream/node-streams.js';
import { readHeader } from '../stream/random-access.js';
import { publishFile, tempPathFor, tempWriter } from './atomic-file.js';
import { ownerAlive } from '../fsio/owner.js';
import { findMissing, MissingPermissionsException, type RequiredPermission } from './preflight.js';
import { JOURNAL_FILE, objectFingerprint, ReplicationJournal } from './replication-journal.js';
import { replicationViaService } from './via-service.js';
import { viaCaller, type ProgressListener, type WorkflowContext } from './workflow-context.js';

/** EDK providers that are KMS keys; anything else is a customer-provided key. */
const KMS_PROVIDERS: ReadonlySet<string> = new Set([KMS_PROVIDER_ID, AWS_KMS_PROVIDER_ID]);

export interface ReplicateInput {
  readonly caller: CallContext;
  readonly from: string;
  readonly to: string;
  /** Destination key (id, ARN or alias) in `region`. */
  readonly keyId: string;
  /** Region of the destination key. */
  readonly region: string;
  readonly concurrency?: number;
  /** Bytes of source objects processed so far, of the total still to do. */
  readonly onProgress?: ProgressListener;
  readonly signal?: AbortSignal;
}

export interface ReplicateResult {
  /** Objects written to the destination in this run. */
  readonly replicated: readonly string[];
  /** Objects encrypted with a customer-provided key: never replicated. */
  readonly skippedCustomerKey: readonly string[];
  /** Objects finished by an earlier run (from the journal). */
  readonly alreadyDone: number;
  readonly bytes: number;
}

/** `context`: the message's encryption context, which the Decrypt of its data key carries. */
type Kind = { kind: 'kms'; keyArns: string[]; context: Readonly<Record<string, string>> } | { kind: 'customer-key' } | { kind: 'plain' };

/** A replica carries its source object's encryption context (none for a plain object), as S3 replication keeps an object's metadata. */
function replicaContext(kind: Kind): Readonly<Record<string, string>> {
  return kind.kind === 'kms' ? kind.context : {};
}

interface SourceObject {
  readonly key: string;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

async function listObjects(root: string, dir = root): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith('.')) continue; // journals, temp files
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listObjects(root, path)));
    else if (entry.isFile()) {
      const s = await stat(path);
      out.push({ key: relative(root, path).split(sep).join('/'), path, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return out;
}

/** Removes temp files left under `dir` by a replication that was killed (their writer is gone). */
async function sweepPartials(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await sweepPartials(path);
    else {
      const owner = tempWriter(entry.name);
      if (owner !== undefined && !ownerAlive(owner)) await rm(path, { force: true });
    }
  }
}

async function classify(path: string): Promise<Kind> {
  const source = await fileSource(path);
  let edks: readonly EncryptedDataKey[];
  let context: Readonly<Record<string, string>>;
  try {
    ({ encryptedDataKeys: edks, context } = await readHeader(source));
  } catch (e) {
    if ((e as Error).name === 'InvalidCiphertextException') return { kind: 'plain' };
    throw e;
  } finally {
    await source.close?.();
  }
  const kms = edks.filter((k) => KMS_PROVIDERS.has(k.providerId));
  return kms.length === 0 ? { kind: 'customer-key' } : { kind: 'kms', keyArns: [...new Set(kms.map((k) => k.keyId))], context };
}

function regionOf(keyArn: string, fallback: string): string {
  return /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(keyArn)?.[1] ?? fallback;
}

export async function replicate(ctx: WorkflowContext, input: ReplicateInput): Promise<ReplicateResult> {
  const from = resolve(input.from);
  const to = resolve(input.to);
  if (to === from || to.startsWith(from + sep) || from.startsWith(to + sep)) {
    throw new ValidationException(`--from (${from}) and --to (${to}) must not contain each other`);
  }
  const { caller } = input;
  const dstVia = viaCaller(caller, input.region, replicationViaService(input.region));
  const dstKms = ctx.kmsFor(input.region);
  let destKeyArn = input.keyId;
  try {
    destKeyArn = (await dstKms.DescribeKey({ KeyId: input.keyId }, dstVia)).KeyMetadata.Arn;
  } catch (e) {
    // Reported with every other missing permission by the pre-check below.
    if ((e as Error).name !== 'AccessDeniedException' && (e as Error).name !== 'NotFoundException') throw e;
  }

  await mkdir(to, { recursive: true });
  await sweepPartials(to);
  const journal = await ReplicationJournal.open(join(to, JOURNAL_FILE));
  try {
    const objects = await listObjects(from);
    const todo: { obj: SourceObject; kind: Kind; fingerprint: string }[] = [];
    let alreadyDone = 0;
    for (const obj of objects) {
      const fingerprint = objectFingerprint(obj.size, obj.mtimeMs, destKeyArn);
      if (journal.finished(obj.key, fingerprint)) {
        alreadyDone += 1;
        continue;
      }
      todo.push({ obj, kind: await classify(obj.path), fingerprint });
    }

    // Pre-check: Decrypt on every source key, GenerateDataKey on the destination key.
    const required: RequiredPermission[] = [
      { role: 'destination key', caller: dstVia, region: input.region, action: 'kms:DescribeKey', keyId: destKeyArn },
    ];
    // A replica keeps its source object's encryption context, so GenerateDataKey is asked once per
    // distinct context, exactly as the real calls will be.
    const destContexts = new Map<string, Readonly<Record<string, string>>>();
    for (const t of todo) {
      if (t.kind.kind === 'customer-key') continue;
      const c = replicaContext(t.kind);
      destContexts.set(JSON.stringify(Object.entries(c).sort()), c);
    }
    for (const c of destContexts.values()) {
      required.push({ role: 'destination key', caller: dstVia, region: input.region, action: 'kms:GenerateDataKey', keyId: destKeyArn, encryptionContext: c });
    }
    for (const t of todo) {
      if (t.kind.kind !== 'kms') continue;
      for (const arn of t.kind.keyArns) {
        const r = regionOf(arn, input.region);
        required.push({ role: `source key of ${t.obj.key}`, caller: viaCaller(caller, r, replicationViaService(r)), region: r, action: 'kms:Decrypt', keyId: arn, encryptionContext: t.kind.context });
      }
    }
    const missing = await findMissing(ctx, required);
    if (missing.length > 0) throw new MissingPermissionsException(`Replication from ${from} to ${to}`, missing);

    const replicated: string[] = [];
    const skippedCustomerKey: string[] = [];
    const total = todo.reduce((n, t) => n + t.obj.size, 0);
    let bytes = 0;
    let next = 0;
    const one = async (t: (typeof todo)[number]) => {
      if (t.kind.kind === 'customer-key') {
        skippedCustomerKey.push(t.obj.key);
      } else {
        const target = join(to, ...t.obj.key.split('/'));
        await mkdir(dirname(target), { recursive: true });
        const tmp = tempPathFor(target);
        const stages: Transform[] = [];
        if (t.kind.kind === 'kms') {
          const r = regionOf(t.kind.keyArns[0]!, input.region);
          const srcVia = viaCaller(caller, r, replicationViaService(r));
          stages.push(createDecryptStream({ keyring: new KmsKeyring({ kms: ctx.kmsFor(r), keyIds: t.kind.keyArns, caller: srcVia }) }));
        }
        stages.push(createEncryptStream({
          keyring: new KmsKeyring({ kms: dstKms, keyIds: [destKeyArn], caller: dstVia }),
          context: replicaContext(t.kind),
          random: ctx.random,
        }));
        try {
          await pipeline(
            [createReadStream(t.obj.path, { highWaterMark: 1 << 20 }), ...stages, createWriteStream(tmp, { flags: 'wx', mode: 0o600 })],
            input.signal ? { signal: input.signal } : {},
          );
          await publishFile(tmp, target);
        } catch (e) {
          await rm(tmp, { force: true });
          throw e;
        }
        replicated.push(t.obj.key);
      }
      await journal.record({
        key: t.obj.key,
        fingerprint: t.fingerprint,
        outcome: t.kind.kind === 'customer-key' ? 'skipped-customer-key' : 'replicated',
        at: ctx.clock().toISOString(),
      });
      bytes += t.obj.size;
      input.onProgress?.(bytes, total);
    };
    const limit = Math.max(1, Math.min(input.concurrency ?? availableParallelism(), todo.length));
    await Promise.all(Array.from({ length: limit }, async () => {
      while (next < todo.length) await one(todo[next++]!);
    }));
    return { replicated: replicated.sort(), skippedCustomerKey: skippedCustomerKey.sort(), alreadyDone, bytes };
  } finally {
    await journal.close();
  }
}
