/**
 * Local AWS STS (AWS STS API Reference: AssumeRole, GetCallerIdentity): temporary credentials for
 * IAM roles. AssumeRole is authorized the way AWS authorizes it (IAM User Guide, "Granting a user
 * permissions to switch roles", "How to use an external ID"): the role's trust policy must allow
 * the caller `sts:AssumeRole` (conditions see `sts:ExternalId`, `sts:RoleSessionName`,
 * `aws:PrincipalArn`, …), and — unless the trust policy names the caller itself in the role's own
 * account — the caller's IAM policies must allow `sts:AssumeRole` on the role ARN too; an explicit
 * Deny anywhere wins, and account root users cannot assume roles. The evaluation is the policy
 * area's pure `evaluateAccess` with the trust policy in the resource policy's place.
 *
 * A session is an access key id (ASIA…), a secret and a session token; it acts as
 * `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`, whose policies are the role's (matched through
 * `aws:PrincipalArn`). Sessions live in the keystore's "sts" section with secret and token sealed
 * under the keystore root key, like IAM access keys; a session past its expiration is refused with
 * ExpiredTokenException, and one expired for more than a day is pruned on the next AssumeRole.
 */
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import { AccessDeniedException, ExpiredTokenException, ValidationException } from '../errors.js';
import type { SectionStore } from '../iam/iam.js';
import { DEFAULT_MAX_SESSION_DURATION, MAX_MAX_SESSION_DURATION } from '../iam/iam.js';
import { iamSectionOf, identityPoliciesOf, type IamState, type IdentityRecord } from '../iam/iam-state.js';
import type { CallContext } from '../kms/call-context.js';
import { evaluateAccess } from '../policy/evaluate.js';
import { parsePolicyDocument } from '../policy/policy-document.js';
import { parsePrincipal, tryParsePrincipal } from '../policy/principal.js';
import { buildConditionContext } from '../policy/request-context.js';
import { UnsealedCache } from '../keystore/unsealed-cache.js';

export const STS_SECTION = 'sts';
/** AWS STS: DurationSeconds 900 s to the role's MaxSessionDuration (at most 43,200 s); 3600 by default. */
export const MIN_SESSION_SECONDS = 900;
export const DEFAULT_SESSION_SECONDS = 3600;
/** Role chaining (a role session assuming a role) is limited to one hour, as in AWS. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;
const PRUNE_AFTER_MS = 24 * 3600 * 1000;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface SessionRecord {
  readonly AccessKeyId: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION */
  readonly Arn: string;
  readonly RoleArn: string;
  /** ROLEID:SESSION (AWS's AssumedRoleId). */
  readonly AssumedRoleId: string;
  readonly RoleSessionName: string;
  readonly AccountId: string;
  /** Who assumed the role. */
  readonly SourceIdentityArn: string;
  readonly CreateDate: string;
  readonly Expiration: string;
  /** Secret and session token, each sealed under the keystore root key (plain when no sealer). */
  readonly sealedSecret: Uint8Array | string;
  readonly sealedToken: Uint8Array | string;
}

export interface StsState {
  version: 1;
  sessions: Record<string, SessionRecord>;
}

export interface AssumeRoleRequest {
  readonly RoleArn: string;
  readonly RoleSessionName: string;
  readonly DurationSeconds?: number;
  readonly ExternalId?: string;
}

export interface Credentials {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly SessionToken: string;
  readonly Expiration: Date;
}

export interface AssumeRoleResponse {
  readonly Credentials: Credentials;
  readonly AssumedRoleUser: { readonly AssumedRoleId: string; readonly Arn: string };
}

export interface GetCallerIdentityResponse {
  readonly UserId: string;
  readonly Account: string;
  readonly Arn: string;
}

/** A session as `envelope serve` needs it for SigV4 (secret and token opened). */
export interface SessionLookup {
  readonly AccessKeyId: string;
  readonly principal: string;
  readonly accountId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
  readonly roleArn: string;
  readonly roleSessionName: string;
}

export interface StsOptions {
  readonly store: SectionStore;
  readonly clock?: Clock;
  readonly random?: Random;
}

function emptyStsState(): StsState {
  return { version: 1, sessions: {} };
}

function sealAad(kind: 'secret' | 'token', accessKeyId: string): string {
  return `envelope/sts/session-${kind}/${accessKeyId}`;
}

export class Sts {
  readonly store: SectionStore;
  private readonly clock: Clock;
  private readonly random: Random;
  /** Unsealed session secrets and tokens, so SigV4 verification does not unseal per request. */
  private readonly unsealed: UnsealedCache;

  constructor(opts: StsOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? opts.store.clock ?? systemClock;
    this.random = opts.random ?? opts.store.random ?? systemRandom;
    this.unsealed = new UnsealedCache(this.clock);
  }

  private state(): StsState {
    return (this.store.read().sections[STS_SECTION] as StsState | undefined) ?? emptyStsState();
  }

  private id(prefix: string, n: number): string {
    return prefix + Array.from(this.random(n), (b) => BASE32[b & 31]).join('');
  }

  private seal(value: string, aad: string): Uint8Array | string {
    return this.store.sealer ? this.store.sealer.seal(new TextEncoder().encode(value), aad) : value;
  }

  private open(value: Uint8Array | string, aad: string): string {
    return this.unsealed.open(value, (sealed) => new TextDecoder().decode(this.store.sealer!.open(sealed, aad)));
  }

  /** AssumeRole: temporary credentials for `RoleArn`, if the caller may assume it. */
  async AssumeRole(req: AssumeRoleRequest, caller: CallContext): Promise<AssumeRoleResponse> {
    const name = req?.RoleSessionName;
    if (typeof name !== 'string' || !SESSION_NAME.test(name)) {
      throw new ValidationException(`1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length 2-64`);
    }
    if (req.ExternalId !== undefined && (typeof req.ExternalId !== 'string' || !EXTERNAL_ID.test(req.ExternalId))) {
      throw new ValidationException("1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must have length 2-1224 and match [\\w+=,.@:\\/-]*");
    }
    const duration = req.DurationSeconds ?? DEFAULT_SESSION_SECONDS;
    if (!Number.isInteger(duration) || duration < MIN_SESSION_SECONDS || duration > MAX_MAX_SESSION_DURATION) {
      throw new ValidationException(`1 validation error detected: Value '${req.DurationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between ${MIN_SESSION_SECONDS} and ${MAX_MAX_SESSION_DURATION}`);
    }
    const roleArn = req.RoleArn;
    const target = typeof roleArn === 'string' ? tryParsePrincipal(roleArn) : undefined;
    if (!target || target.type !== 'Role') throw new ValidationException(`RoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got '${roleArn}'`);
    const iam = iamSectionOf(this.store.read().sections);
    const principal = parsePrincipal(caller.principal);
    const denied = () => new AccessDeniedException(`User: ${caller.principal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    const role = findRole(iam, roleArn);
    if (principal.type === 'Account') throw new AccessDeniedException('Roles may not be assumed by root accounts.');
    if (!role || role.AssumeRolePolicyDocument === undefined) throw denied();
    const now = this.clock();
    const trust = parsePolicyDocument(role.AssumeRolePolicyDocument, { kind: 'trust' });
    const decision = evaluateAccess({
      principal,
      action: 'sts:AssumeRole',
      resource: role.Arn,
      resourceAccountId: role.AccountId,
      keyPolicy: trust,
      identityPolicies: identityPoliciesOf(iam, principal),
      context: buildConditionContext({
        principal,
        now,
        ...(caller.sourceIp ? { sourceIp: caller.sourceIp } : {}),
        ...(caller.region ? { region: caller.region } : {}),
        extra: { 'sts:RoleSessionName': name, ...(req.ExternalId !== undefined ? { 'sts:ExternalId': req.ExternalId } : {}) },
      }),
    });
    if (!decision.allowed) throw denied();
    const maxDuration = principal.type === 'AssumedRole' ? ROLE_CHAINING_MAX_SECONDS : (role.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION);
    if (duration > maxDuration) {
      throw new ValidationException(
        principal.type === 'AssumedRole'
          ? `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`
          : `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    }
    const AccessKeyId = this.id('ASIA', 16);
    const secretBytes = this.random(30);
    const tokenBytes = this.random(96);
    const SecretAccessKey = Buffer.from(secretBytes).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
    const SessionToken = `IQoJ${Buffer.from(tokenBytes).toString('base64')}`;
    secretBytes.fill(0);
    tokenBytes.fill(0);
    const Expiration = new Date(now.getTime() + duration * 1000);
    const arn = `arn:aws:sts::${role.AccountId}:assumed-role/${role.Name}/${name}`;
    const record: SessionRecord = {
      AccessKeyId, Arn: arn, RoleArn: role.Arn, AssumedRoleId: `${role.Id}:${name}`, RoleSessionName: name,
      AccountId: role.AccountId, SourceIdentityArn: caller.principal, CreateDate: now.toISOString(), Expiration: Expiration.toISOString(),
      sealedSecret: this.seal(SecretAccessKey, sealAad('secret', AccessKeyId)),
      sealedToken: this.seal(SessionToken, sealAad('token', AccessKeyId)),
    };
    await this.store.update((st) => {
      const s = (st.sections[STS_SECTION] as StsState | undefined) ?? emptyStsState();
      for (const [id, old] of Object.entries(s.sessions)) {
        if (Date.parse(old.Expiration) + PRUNE_AFTER_MS < now.getTime()) delete s.sessions[id];
      }
      s.sessions[AccessKeyId] = record;
      st.sections[STS_SECTION] = s;
    });
    return { Credentials: { AccessKeyId, SecretAccessKey, SessionToken, Expiration }, AssumedRoleUser: { AssumedRoleId: record.AssumedRoleId, Arn: arn } };
  }

  /** GetCallerIdentity: who the credentials are (needs no permission, as in AWS). */
  GetCallerIdentity(caller: CallContext): GetCallerIdentityResponse {
    const p = parsePrincipal(caller.principal);
    const iam = iamSectionOf(this.store.read().sections);
    let userId = p.accountId;
    if (p.type === 'User') userId = iam.users[p.arn]?.Id ?? p.accountId;
    if (p.type === 'AssumedRole' && p.roleArn) userId = `${iam.roles[p.roleArn]?.Id ?? p.accountId}:${p.name}`;
    return { UserId: userId, Account: p.accountId, Arn: p.arn };
  }

  /** A session by access key id (secret and token opened), or undefined. Expired ones are returned too: the caller refuses them. */
  lookupSession(accessKeyId: string): SessionLookup | undefined {
    const r = this.state().sessions[accessKeyId];
    if (!r) return undefined;
    return {
      AccessKeyId: r.AccessKeyId,
      principal: r.Arn,
      accountId: r.AccountId,
      secretAccessKey: this.open(r.sealedSecret, sealAad('secret', r.AccessKeyId)),
      sessionToken: this.open(r.sealedToken, sealAad('token', r.AccessKeyId)),
      expiration: new Date(r.Expiration),
      roleArn: r.RoleArn,
      roleSessionName: r.RoleSessionName,
    };
  }

  /** The session a principal acts in when it comes from a saved profile: refused once expired. */
  requireLiveSession(accessKeyId: string): SessionLookup {
    const s = this.lookupSession(accessKeyId);
    if (!s) throw new ExpiredTokenException('The security token included in the request is invalid: the session no longer exists');
    if (s.expiration.getTime() <= this.clock().getTime()) {
      throw new ExpiredTokenException(`The security token included in the request is expired (session ${s.principal} expired ${s.expiration.toISOString()})`);
    }
    return s;
  }
}

function findRole(iam: IamState, roleArn: string): IdentityRecord | undefined {
  const direct = iam.roles[roleArn];
  if (direct) return direct;
  // A role ARN may be given without its path: arn:aws:iam::ACCOUNT:role/NAME.
  const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? Object.values(iam.roles).find((r) => r.AccountId === m[1] && r.Name === m[2]) : undefined;
}
