/**
 * The shape of one Kms operation as the door runs it (docs/KMS.md "The door"). Adding an AWS
 * operation = one `Operation` object in ops/ + one thin method on Kms.
 */
import type { Clock, Random } from '../defaults.js';
import type { Sealer } from '../keystore/sealer.js';
import type { KeystoreState } from '../keystore/keystore.js';
import type { CallContext } from './call-context.js';
import type { KeyRecord, KmsSection } from './key-record.js';

export type TargetRole = 'target' | 'source' | 'destination';

/** A key the door must resolve, state-check and authorize before `act` runs. */
export interface KeyTarget {
  readonly role: TargetRole;
  /** Any key identifier form (id, ARN, alias, alias ARN). */
  readonly ref: string;
  /** Request field named in errors ("KeyId", "TargetKeyId", ...). */
  readonly field: string;
  /** IAM action checked for this key; defaults to `kms:<operation>`. */
  readonly action?: string;
}

export interface ResolveEnv {
  readonly caller: CallContext;
  readonly region: string;
}

/** What `act` receives: the resolved keys, the mutable (or read-only) state and the edges. */
export interface OpContext extends ResolveEnv {
  readonly section: KmsSection;
  /** The whole store state, for operations that persist other sections (access control). */
  readonly store: KeystoreState;
  readonly keys: Partial<Record<TargetRole, KeyRecord>>;
  /** The alias each target was named by, if any. */
  readonly aliases: Partial<Record<TargetRole, string>>;
  readonly now: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly sealer: Sealer;
  /** The Kms's default region (for ReplicateKey/UpdatePrimaryRegion validation). */
  readonly defaultRegion: string;
  /** What `prepare` returned (undefined when the operation has none). */
  readonly prepared?: unknown;
}

export interface Operation<Req, Res> {
  /** AWS operation name, e.g. "Encrypt". */
  readonly name: string;
  /** IAM action when no key is targeted, or the default for targets. Default `kms:<name>`. */
  readonly action?: string;
  /** True when `act` changes state (it then runs inside `Keystore.update`). */
  readonly mutates: boolean;
  /** Request checks that need no state (throw ValidationException). */
  validate?(req: Req): void;
  /**
   * Slow work that needs no state (e.g. RSA key generation), done before the keystore lock is
   * taken so other writers are not held up; the result reaches `act` as `ctx.prepared`.
   */
  prepare?(req: Req, env: ResolveEnv): Promise<unknown>;
  /** Keys to resolve; may throw (e.g. InvalidCiphertextException for an unreadable blob). */
  targets?(req: Req, env: ResolveEnv): KeyTarget[];
  /** Extra condition values for the Authorizer. */
  conditions?(req: Req): Record<string, unknown>;
  /**
   * Throws UnsupportedOperationException when the operation can never apply to this kind of key
   * (e.g. rotation of imported key material); checked before the key state, as AWS does.
   */
  supports?(key: KeyRecord): void;
  /**
   * Checks that need the resolved keys or the state but change nothing; they run after
   * authorization and before a DryRun is answered, so DryRun reports what the call would.
   */
  check?(ctx: OpContext, req: Req): void;
  act(ctx: OpContext, req: Req): Res | Promise<Res>;
}

export function keyOf(ctx: OpContext, role: TargetRole = 'target'): KeyRecord {
  const k = ctx.keys[role];
  if (!k) throw new Error(`internal: ${role} key was not resolved`);
  return k;
}

/** `targets` of the many operations whose key is the request's KeyId. */
export function keyIdTarget(req: { KeyId: string }): KeyTarget[] {
  return [{ role: 'target', ref: req.KeyId, field: 'KeyId' }];
}
