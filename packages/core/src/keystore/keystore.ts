/**
 * The embedded keystore (docs/KMS.md "The embedded keystore"): one msgpack file in
 * $ENVELOPE_HOME holding named sections ("kms", and whatever other features register), with
 * key material sealed under the root key (sealer.ts). Generic transactional API:
 *   - `read()` returns the current state (reloaded when the file changed on disk);
 *   - `update(fn)` takes the inter-process lock, reloads, runs `fn` on a private copy,
 *     and commits it with temp file + fsync + rename (atomic-file.ts). If `fn` throws, nothing
 *     is written.
 */
import { mkdirSync, readFileSync, statSync, existsSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
// 'msgpackr/pack' (Packr, which also unpacks) without the native string-decoding addon the package
// root loads: ~25 ms less start-up for every KMS call from the CLI; the same bytes either way.
import { Packr } from 'msgpackr/pack';
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { KeystoreException } from '../errors.js';
import { createSealer, type Sealer } from './sealer.js';
import { writeFileAtomicSync } from './atomic-file.js';
import { acquireFileLock } from './file-lock.js';
import { sweepStaleTemps } from '../fsio/owner.js';

/** Temp names of earlier versions: `.<file>.<pid>.<n>.tmp`. */
const LEGACY_TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;
import {
  chooseRootKeySource,
  deriveFromPassphrase,
  generateRootKeyFile,
  type RootKeyOptions,
  type ScryptParams,
} from './root-key.js';

export const KEYSTORE_FILE = 'keystore.msgpack';
const LOCK_FILE = 'keystore.lock';
const MAGIC = 'envelope-keystore';
const FORMAT_VERSION = 1;
const CHECK_AAD = 'envelope-keystore/root-key-check/v1';
const DEFAULT_SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

/** The persisted state: a generation counter and named sections owned by features. */
export interface KeystoreState {
  /** Incremented by every committed update. */
  generation: number;
  sections: Record<string, unknown>;
}

/** The file: a small header and the msgpack of the sections as one binary `body`. */
interface FileImage {
  magic: string;
  format: number;
  kdf?: { salt: Uint8Array; N: number; r: number; p: number };
  check: Uint8Array;
  generation: number;
  body: Uint8Array;
}

interface Decoded {
  image: FileImage;
  sections: Record<string, unknown>;
}

export interface KeystoreOptions extends RootKeyOptions {
  /** Directory of the store; created (mode 0700) on first use. */
  readonly home: string;
  readonly clock?: Clock;
  readonly random?: Random;
  /** How long `update` waits for another process's lock. Default 30 s. */
  readonly lockTimeoutMs?: number;
  /**
   * fsync each commit (default true). `false` keeps commits atomic for process crashes but not
   * for power loss; meant for tests and throwaway stores.
   */
  readonly durable?: boolean;
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Returns `state.sections[name]`, creating it with `init()` when absent (inside `update`). */
export function section<T>(state: KeystoreState, name: string, init: () => T): T {
  let s = state.sections[name] as T | undefined;
  if (s === undefined) {
    s = init();
    state.sections[name] = s;
  }
  return s;
}

export class Keystore {
  readonly home: string;
  readonly path: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly sealer: Sealer;
  private readonly lockTimeoutMs: number;
  private readonly durable: boolean;
  private readonly kdf: FileImage['kdf'];
  private readonly check: Uint8Array;
  private cache: { state: KeystoreState; stat: BigIntStats | undefined; raw: Uint8Array | undefined };
  private queue: Promise<unknown> = Promise.resolve();

  /** True while the file's stat is known to be current (see `read`). */
  private checked = false;

  private constructor(opts: KeystoreOptions, sealer: Sealer, kdf: FileImage['kdf'], check: Uint8Array, decoded: Decoded | undefined, raw: Uint8Array | undefined, stat: BigIntStats | undefined) {
    this.home = opts.home;
    this.path = join(opts.home, KEYSTORE_FILE);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.lockTimeoutMs = opts.lockTimeoutMs ?? 30_000;
    this.durable = opts.durable ?? true;
    this.sealer = sealer;
    this.kdf = kdf;
    this.check = check;
    this.cache = { state: { generation: decoded?.image.generation ?? 0, sections: decoded?.sections ?? {} }, stat, raw };
  }

  /** Opens (creating the directory and root key on first use) and verifies the root key. */
  static open(opts: KeystoreOptions): Keystore {
    const random = opts.random ?? systemRandom;
    try {
      mkdirSync(opts.home, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new KeystoreException(`Cannot create the keystore directory ${opts.home}: ${(e as Error).message}`);
    }
    const path = join(opts.home, KEYSTORE_FILE);
    let raw: Uint8Array | undefined;
    let decoded: Decoded | undefined;
    let stat: BigIntStats | undefined;
    if (existsSync(path)) {
      stat = statSync(path, { bigint: true });
      raw = readFileSync(path);
      decoded = decodeImage(raw, path);
    }
    const source = chooseRootKeySource(opts.home, opts);
    let derived: { salt: Uint8Array; key: Uint8Array } | undefined;
    if (source.kind === 'passphrase' && !decoded) {
      // First use with a passphrase: fix the salt on disk before anything is sealed under a root
      // key derived from it. An empty store (generation 0) is created only if no file exists; a
      // process that loses that race adopts the winner's salt instead of its own.
      const kdf = { salt: random(16), ...DEFAULT_SCRYPT };
      derived = { salt: kdf.salt, key: deriveFromPassphrase(source.passphrase, kdf) };
      const first = createSealer(derived.key, random);
      const empty = encodeImage(kdf, first.seal(new Uint8Array(0), CHECK_AAD), 0, Buffer.from(packr.pack({})));
      try {
        writeFileAtomicSync(path, empty, 0o600, opts.durable ?? true, false);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new KeystoreException(`Cannot write the keystore ${path}: ${(e as Error).message}`);
      }
      stat = statSync(path, { bigint: true });
      raw = readFileSync(path);
      decoded = decodeImage(raw, path);
    }
    const image = decoded?.image;
    let rootKey: Uint8Array;
    const kdf = image?.kdf;
    if (source.kind === 'passphrase') {
      if (!kdf) {
        throw new KeystoreException(`The keystore at ${path} was created with a root key, not a passphrase; set ENVELOPE_ROOT_KEY or restore root.key`);
      }
      // The key derived above serves when this process created the store (no second scrypt).
      const ours = derived !== undefined && Buffer.from(derived.salt).equals(Buffer.from(kdf.salt));
      if (derived && !ours) derived.key.fill(0); // another process's salt won
      rootKey = ours ? derived!.key : deriveFromPassphrase(source.passphrase, kdf as ScryptParams);
    } else {
      if (image?.kdf) {
        throw new KeystoreException(`The keystore at ${path} is protected by a passphrase; set ENVELOPE_PASSPHRASE`);
      }
      if (source.kind === 'generate') {
        if (image) {
          throw new KeystoreException(`The keystore at ${path} exists but its root key is missing: set ENVELOPE_ROOT_KEY, ENVELOPE_PASSPHRASE, or restore ${join(opts.home, 'root.key')}`);
        }
        rootKey = generateRootKeyFile(opts.home, random);
      } else {
        rootKey = source.key;
      }
    }
    const sealer = createSealer(rootKey, random);
    let check: Uint8Array;
    if (image) {
      verifyRootKey(sealer, image, path);
      check = image.check;
    } else {
      check = sealer.seal(new Uint8Array(0), CHECK_AAD);
    }
    return new Keystore(opts, sealer, kdf, check, decoded, raw, stat);
  }

  /**
   * The current committed state (do not mutate it; use `update`). Reloads if the file changed.
   * The file is checked once per synchronous stretch of code: reads until the current job yields
   * (a microtask later) share one `stat`. No I/O or other process can be observed in between, so
   * this sees every change another process finished before the read, exactly as a stat per read.
   */
  read(): Readonly<KeystoreState> {
    if (!this.checked) {
      this.refresh();
      this.checked = true;
      queueMicrotask(() => { this.checked = false; });
    }
    return this.cache.state;
  }

  /**
   * Runs `fn` on a private copy of the freshest state under the inter-process lock and commits
   * the result atomically. Calls are serialized within the process as well.
   */
  update<T>(fn: (state: KeystoreState) => T | Promise<T>): Promise<T> {
    const run = this.queue.then(() => this.runUpdate(fn));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runUpdate<T>(fn: (state: KeystoreState) => T | Promise<T>): Promise<T> {
    const lock = await acquireFileLock(join(this.home, LOCK_FILE), {
      clock: this.clock,
      random: this.random,
      timeoutMs: this.lockTimeoutMs,
    });
    // Full sealed copies left by killed writers (named after a dead owner; older versions: .<name>.<pid>.<n>.tmp).
    sweepStaleTemps(this.home, LEGACY_TEMP);
    try {
      // Under the lock, always start from the bytes on disk: stat-based change detection can be
      // fooled (inode reuse + equal size + coarse mtime), a lost update must not be.
      let base: Uint8Array | undefined;
      try {
        base = readFileSync(this.path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new KeystoreException(`Cannot read the keystore ${this.path}: ${(e as Error).message}`);
        if (this.cache.raw) throw new KeystoreException(`The keystore file ${this.path} disappeared`);
      }
      const decoded = base ? decodeImage(base, this.path) : undefined;
      if (decoded) verifyRootKey(this.sealer, decoded.image, this.path);
      const image = decoded?.image;
      const state: KeystoreState = { generation: image?.generation ?? 0, sections: decoded?.sections ?? {} };
      const result = await fn(state);
      // Keep the header of the file on disk (another instance may have created it first).
      const kdf = image ? image.kdf : this.kdf;
      const check = image ? image.check : this.check;
      // One encode of the sections; unchanged sections mean nothing to commit.
      const body = Buffer.from(packr.pack(state.sections));
      if (image && body.equals(Buffer.from(image.body))) {
        // Nothing changed: no write, but readers now see the fresh copy.
        this.cache = { state, stat: statSync(this.path, { bigint: true }), raw: base! };
        return result;
      }
      state.generation += 1;
      const bytes = encodeImage(kdf, check, state.generation, body);
      try {
        writeFileAtomicSync(this.path, bytes, 0o600, this.durable);
      } catch (e) {
        throw new KeystoreException(`Cannot write the keystore ${this.path}: ${(e as Error).message}`);
      }
      this.cache = { state, stat: statSync(this.path, { bigint: true }), raw: bytes };
      return result;
    } finally {
      lock.release();
    }
  }

  /** Reloads the cached state when the file was replaced by another process or writer. */
  private refresh(): void {
    let stat: BigIntStats | undefined;
    try {
      stat = statSync(this.path, { bigint: true });
    } catch {
      stat = undefined;
    }
    const old = this.cache.stat;
    if (stat === undefined) {
      if (old !== undefined) throw new KeystoreException(`The keystore file ${this.path} disappeared`);
      return;
    }
    if (old && old.ino === stat.ino && old.mtimeNs === stat.mtimeNs && old.size === stat.size) return;
    const raw = readFileSync(this.path);
    const { image, sections } = decodeImage(raw, this.path);
    verifyRootKey(this.sealer, image, this.path);
    this.cache = { state: { generation: image.generation, sections }, stat, raw };
  }
}

function verifyRootKey(sealer: Sealer, image: FileImage, path: string): void {
  try {
    sealer.open(image.check, CHECK_AAD);
  } catch {
    throw new KeystoreException(
      `Wrong root key for the keystore at ${path}: check ENVELOPE_ROOT_KEY, ENVELOPE_PASSPHRASE or root.key (nothing was changed)`,
    );
  }
}

function encodeImage(kdf: FileImage['kdf'], check: Uint8Array, generation: number, body: Uint8Array): Uint8Array {
  const image: FileImage = { magic: MAGIC, format: FORMAT_VERSION, check, generation, body };
  if (kdf) image.kdf = kdf;
  return Buffer.from(packr.pack(image));
}

function decodeImage(raw: Uint8Array, path: string): Decoded {
  const unpack = (bytes: Uint8Array) => {
    try {
      return packr.unpack(bytes) as unknown;
    } catch (e) {
      throw new KeystoreException(`The keystore ${path} is corrupt: ${(e as Error).message}`);
    }
  };
  const image = unpack(raw) as FileImage | undefined;
  if (!image || typeof image !== 'object' || image.magic !== MAGIC) throw new KeystoreException(`${path} is not an Envelope keystore`);
  if (image.format !== FORMAT_VERSION) {
    throw new KeystoreException(`${path} has keystore format ${image.format}; this version reads format ${FORMAT_VERSION}`);
  }
  if (!(image.body instanceof Uint8Array)) throw new KeystoreException(`The keystore ${path} is corrupt: no body`);
  const sections = unpack(image.body) as Record<string, unknown> | undefined;
  if (!sections || typeof sections !== 'object') throw new KeystoreException(`The keystore ${path} is corrupt: bad sections`);
  return { image, sections };
}
