/**
 * The artifact store: snapshots and images per account and region, on disk (docs/WORKFLOWS.md §2).
 *
 *   <root>/<account>/<region>/snapshots/<snap-id>/meta.json   the SnapshotMeta
 *                                                /body.env    the Envelope message (or its body)
 *                                                /header.env  a rewrapped copy's own header
 *   <root>/<account>/<region>/images/<ami-id>.json            the ImageMeta
 *   <root>/<account>/<region>/.staging/<id>.<pid>/            a snapshot being written
 *
 * A snapshot becomes visible in one rename(2) of its complete staging directory, so a process
 * killed mid-copy leaves nothing half-visible; stale staging directories of dead processes are
 * swept on the next write. Metadata updates are temp + fsync + rename.
 */
import { createReadStream } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, copyFile, constants as fsConstants } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Random } from '../defaults.js';
import { fileSource } from '../stream/file-source.js';
import type { RandomAccessSource } from '../stream/random-access.js';
import { AlreadyExistsException, NotFoundException, ValidationException } from '../errors.js';
import type { ArtifactScope, ImageMeta, SnapshotMeta } from './artifact-types.js';
import { fsyncPath, isProcessAlive, writeJsonAtomic } from './atomic-file.js';
import { assertAccountId, assertArtifactId, assertRegion, newArtifactId } from './ids.js';

const META = 'meta.json';
const BODY = 'body.env';
const HEADER = 'header.env';
const READ_CHUNK = 1 << 20;

/** A snapshot directory being written; invisible until `commit`. */
export interface StagedSnapshot {
  readonly snapshotId: string;
  readonly scope: ArtifactScope;
  readonly dir: string;
  /** Where the message body (or the whole message) goes. */
  readonly bodyPath: string;
  /** Where a separate header goes (rewrapped copies). */
  readonly headerPath: string;
  /** Writes meta.json and publishes the snapshot atomically. */
  commit(meta: Omit<SnapshotMeta, 'snapshotId' | 'ownerAccount' | 'region'>): Promise<SnapshotMeta>;
  /** Removes the staging directory (idempotent). */
  abort(): Promise<void>;
}

export class ArtifactStore {
  readonly root: string;
  readonly #random: Random;

  constructor(options: { root: string; random: Random }) {
    this.root = options.root;
    this.#random = options.random;
  }

  scopeDir(scope: ArtifactScope): string {
    return join(this.root, assertAccountId(scope.account), assertRegion(scope.region));
  }

  snapshotDir(scope: ArtifactScope, snapshotId: string): string {
    return join(this.scopeDir(scope), 'snapshots', assertArtifactId('snap', snapshotId));
  }

  // --- snapshots -------------------------------------------------------------------------------

  /** Opens a staging directory for a new snapshot (the id comes from the injected random). */
  async stageSnapshot(scope: ArtifactScope): Promise<StagedSnapshot> {
    const scopeDir = this.scopeDir(scope);
    const staging = join(scopeDir, '.staging');
    await mkdir(staging, { recursive: true });
    await mkdir(join(scopeDir, 'snapshots'), { recursive: true });
    await sweepStaging(staging);
    const snapshotId = newArtifactId('snap', this.#random);
    const dir = join(staging, `${snapshotId}.${process.pid}`);
    await mkdir(dir);
    const finalDir = join(scopeDir, 'snapshots', snapshotId);
    let done = false;
    return {
      snapshotId,
      scope,
      dir,
      bodyPath: join(dir, BODY),
      headerPath: join(dir, HEADER),
      commit: async (fields) => {
        if (done) throw new ValidationException(`snapshot ${snapshotId} was already committed or aborted`);
        const meta: SnapshotMeta = { snapshotId, ownerAccount: scope.account, region: scope.region, ...fields };
        // Durable before visible: every staged file, then meta.json, then the directory rename.
        for (const name of await readdir(dir)) await fsyncPath(join(dir, name));
        await writeJsonAtomic(join(dir, META), meta);
        await rename(dir, finalDir);
        await fsyncPath(join(scopeDir, 'snapshots'));
        done = true;
        return meta;
      },
      abort: async () => {
        done = true;
        await rm(dir, { recursive: true, force: true });
      },
    };
  }

  async getSnapshot(scope: ArtifactScope, snapshotId: string): Promise<SnapshotMeta> {
    const file = join(this.snapshotDir(scope, snapshotId), META);
    const meta = await readJson<SnapshotMeta>(file);
    if (!meta) {
      throw new NotFoundException(
        `The snapshot '${snapshotId}' does not exist in account ${scope.account}, region ${scope.region}`,
      );
    }
    return meta;
  }

  /** Snapshots owned by the scope's account, oldest first. */
  async listSnapshots(scope: ArtifactScope): Promise<SnapshotMeta[]> {
    const dir = join(this.scopeDir(scope), 'snapshots');
    const out: SnapshotMeta[] = [];
    for (const name of await readdirOrEmpty(dir)) {
      const meta = await readJson<SnapshotMeta>(join(dir, name, META));
      if (meta) out.push(meta);
    }
    return out.sort(byCreated);
  }

  /** Snapshots of other accounts in the same region that are shared with the scope's account. */
  async listSnapshotsSharedWith(scope: ArtifactScope): Promise<SnapshotMeta[]> {
    const out: SnapshotMeta[] = [];
    for (const owner of await this.#otherAccounts(scope)) {
      for (const meta of await this.listSnapshots({ account: owner, region: scope.region })) {
        if (meta.sharedWith.includes(scope.account)) out.push(meta);
      }
    }
    return out.sort(byCreated);
  }

  /** Rewrites a snapshot's metadata atomically (e.g. its sharing attribute or tags). */
  async updateSnapshot(
    scope: ArtifactScope,
    snapshotId: string,
    mutate: (meta: SnapshotMeta) => SnapshotMeta,
  ): Promise<SnapshotMeta> {
    const meta = await this.getSnapshot(scope, snapshotId);
    const next = mutate(meta);
    if (next.snapshotId !== meta.snapshotId || next.ownerAccount !== meta.ownerAccount || next.region !== meta.region) {
      throw new ValidationException('a snapshot update may not change its id, owner or region');
    }
    await writeJsonAtomic(join(this.snapshotDir(scope, snapshotId), META), next);
    return next;
  }

  /** Deletes a snapshot; refuses while an image of the account references it (EC2 InvalidSnapshot.InUse). */
  async deleteSnapshot(scope: ArtifactScope, snapshotId: string): Promise<void> {
    await this.getSnapshot(scope, snapshotId);
    const users = (await this.listImages(scope)).filter((i) => i.snapshotIds.includes(snapshotId));
    if (users.length > 0) {
      throw new ValidationException(
        `The snapshot '${snapshotId}' is in use by image ${users.map((i) => i.imageId).join(', ')}; deregister the image first`,
      );
    }
    // Rename out of sight first so the delete is atomic for readers, then remove.
    const trash = join(this.scopeDir(scope), '.staging', `deleted-${snapshotId}.${process.pid}`);
    await mkdir(join(this.scopeDir(scope), '.staging'), { recursive: true });
    await rename(this.snapshotDir(scope, snapshotId), trash);
    await rm(trash, { recursive: true, force: true });
  }

  /** The snapshot's stored Envelope message as one stream (its header, then its body). */
  openMessage(meta: SnapshotMeta): Readable {
    const dir = this.snapshotDir({ account: meta.ownerAccount, region: meta.region }, meta.snapshotId);
    const { header, body, bodyOffset } = meta.layout;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      if (header !== null) yield new Uint8Array(await readFile(join(dir, header)));
      yield* createReadStream(join(dir, body), { start: bodyOffset, highWaterMark: READ_CHUNK });
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /**
   * The snapshot's stored Envelope message as a RandomAccessSource (for readHeader and
   * rewrapHeader): positional reads across its header file and its body file.
   */
  async openSource(meta: SnapshotMeta): Promise<RandomAccessSource> {
    const { header, body, bodyOffset } = meta.layout;
    const headerBytes = header === null ? new Uint8Array(0) : new Uint8Array(await readFile(this.snapshotFile(meta, header)));
    const bodySource = await fileSource(this.snapshotFile(meta, body));
    const h = headerBytes.length;
    return {
      size: h + bodySource.size - bodyOffset,
      async read(offset, length) {
        const out: Uint8Array[] = [];
        if (offset < h) out.push(headerBytes.subarray(offset, Math.min(h, offset + length)));
        const fromBody = Math.max(0, offset - h);
        const want = length - (out[0]?.length ?? 0);
        if (want > 0) out.push(await bodySource.read(bodyOffset + fromBody, want));
        if (out.length === 1) return out[0]!;
        const joined = new Uint8Array(out.reduce((n, b) => n + b.length, 0));
        let at = 0;
        for (const b of out) {
          joined.set(b, at);
          at += b.length;
        }
        return joined;
      },
      close: () => bodySource.close?.() ?? Promise.resolve(),
    };
  }

  /** Path of a stored snapshot's file (header.env or body.env). */
  snapshotFile(meta: SnapshotMeta, name: string): string {
    return join(this.snapshotDir({ account: meta.ownerAccount, region: meta.region }, meta.snapshotId), name);
  }

  /**
   * Shares `meta`'s body file with a staged snapshot without copying it: a hard link, or a
   * copy-on-write clone where the link is impossible (another filesystem). Returns how it was shared.
   */
  async shareBody(meta: SnapshotMeta, staged: StagedSnapshot): Promise<'link' | 'clone'> {
    const from = this.snapshotFile(meta, meta.layout.body);
    try {
      await link(from, staged.bodyPath);
      return 'link';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV' && (e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      await copyFile(from, staged.bodyPath, fsConstants.COPYFILE_FICLONE);
      return 'clone';
    }
  }

  // --- images ----------------------------------------------------------------------------------

  newImageId(): string {
    return newArtifactId('ami', this.#random);
  }

  /** Registers an image; its name must be unique in the account and region (EC2 InvalidAMIName.Duplicate). */
  async putImage(image: ImageMeta): Promise<ImageMeta> {
    const scope = { account: image.ownerAccount, region: image.region };
    assertArtifactId('ami', image.imageId);
    const dir = join(this.scopeDir(scope), 'images');
    await mkdir(dir, { recursive: true });
    const clash = (await this.listImages(scope)).find((i) => i.name === image.name && i.imageId !== image.imageId);
    if (clash) {
      throw new AlreadyExistsException(
        `An image named '${image.name}' already exists in account ${scope.account}, region ${scope.region} (${clash.imageId})`,
      );
    }
    await writeJsonAtomic(join(dir, `${image.imageId}.json`), image);
    return image;
  }

  async getImage(scope: ArtifactScope, imageId: string): Promise<ImageMeta> {
    assertArtifactId('ami', imageId);
    const image = await readJson<ImageMeta>(join(this.scopeDir(scope), 'images', `${imageId}.json`));
    if (!image) {
      throw new NotFoundException(`The image '${imageId}' does not exist in account ${scope.account}, region ${scope.region}`);
    }
    return image;
  }

  async listImages(scope: ArtifactScope): Promise<ImageMeta[]> {
    const dir = join(this.scopeDir(scope), 'images');
    const out: ImageMeta[] = [];
    for (const name of await readdirOrEmpty(dir)) {
      if (!name.endsWith('.json') || name.startsWith('.')) continue;
      const image = await readJson<ImageMeta>(join(dir, name));
      if (image) out.push(image);
    }
    return out.sort(byCreated);
  }

  async listImagesSharedWith(scope: ArtifactScope): Promise<ImageMeta[]> {
    const out: ImageMeta[] = [];
    for (const owner of await this.#otherAccounts(scope)) {
      for (const image of await this.listImages({ account: owner, region: scope.region })) {
        if (image.sharedWith.includes(scope.account)) out.push(image);
      }
    }
    return out.sort(byCreated);
  }

  async updateImage(scope: ArtifactScope, imageId: string, mutate: (image: ImageMeta) => ImageMeta): Promise<ImageMeta> {
    const image = await this.getImage(scope, imageId);
    const next = mutate(image);
    if (next.imageId !== image.imageId || next.ownerAccount !== image.ownerAccount || next.region !== image.region) {
      throw new ValidationException('an image update may not change its id, owner or region');
    }
    return this.putImage(next);
  }

  /** Deregisters an image (its snapshots stay, as in EC2 DeregisterImage). */
  async deleteImage(scope: ArtifactScope, imageId: string): Promise<void> {
    await this.getImage(scope, imageId);
    await rm(join(this.scopeDir(scope), 'images', `${imageId}.json`));
  }

  async #otherAccounts(scope: ArtifactScope): Promise<string[]> {
    return (await readdirOrEmpty(this.root)).filter((a) => /^\d{12}$/.test(a) && a !== scope.account);
  }
}

function byCreated(a: { createdAt: string }, b: { createdAt: string }): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0;
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** Removes staging directories whose writing process is gone (killed mid-copy). */
async function sweepStaging(staging: string): Promise<void> {
  for (const name of await readdirOrEmpty(staging)) {
    const pid = Number(name.slice(name.lastIndexOf('.') + 1));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(join(staging, name), { recursive: true, force: true });
  }
}
