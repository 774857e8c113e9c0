/**
 * Local IAM (IAM API Reference: CreateUser, GetUser, ListUsers, DeleteUser, CreateRole, GetRole,
 * ListRoles, DeleteRole, PutUserPolicy, GetUserPolicy, ListUserPolicies, DeleteUserPolicy,
 * PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy, CreateAccessKey,
 * ListAccessKeys, UpdateAccessKey, DeleteAccessKey) plus local accounts and CLI profiles
 * (name → principal; the "default" profile is the default account's root). State lives in the
 * keystore's "iam" section, written through its transactional `update`; access-key secrets are
 * sealed under the keystore root key.
 */
import { systemClock, systemRandom, type Clock, type Random } from '../defaults.js';
import {
  DeleteConflictException, EntityAlreadyExistsException, LimitExceededException, NoSuchEntityException, ValidationException,
} from '../errors.js';
import type { Sealer } from '../keystore/sealer.js';
import { UnsealedCache } from '../keystore/unsealed-cache.js';
import { parsePolicyDocument } from '../policy/policy-document.js';
import { isAccountId, isIamName, parsePrincipal, rootArn } from '../policy/principal.js';
import {
  DEFAULT_PROFILE, emptyIamState, expandPrincipal, IAM_SECTION, iamSectionOf, principalExistsIn,
  type AccessKeyRecord, type IamState, type IdentityRecord, type ProfileRecord,
} from './iam-state.js';

/** The slice of the Keystore API the Iam service needs (Keystore satisfies it). */
export interface SectionStore {
  read(): { readonly sections: Readonly<Record<string, unknown>> };
  update<T>(fn: (state: { sections: Record<string, unknown> }) => T | Promise<T>): Promise<T>;
  readonly sealer?: Sealer;
  readonly clock?: Clock;
  readonly random?: Random;
}

export interface IamOptions {
  readonly store: SectionStore;
  readonly clock?: Clock;
  readonly random?: Random;
}

/** AWS IAM quota: access keys per user. */
export const MAX_ACCESS_KEYS_PER_USER = 2;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface IdentityView {
  readonly Arn: string;
  readonly AccountId: string;
  readonly Path: string;
  readonly CreateDate: string;
  readonly Description?: string;
}
export interface UserView extends IdentityView { readonly UserName: string; readonly UserId: string }
export interface RoleView extends IdentityView {
  readonly RoleName: string;
  readonly RoleId: string;
  readonly AssumeRolePolicyDocument?: string;
  readonly MaxSessionDuration: number;
}

/** AWS IAM: a role's MaxSessionDuration is 3600–43200 seconds, 3600 by default. */
export const DEFAULT_MAX_SESSION_DURATION = 3600;
export const MAX_MAX_SESSION_DURATION = 43_200;
export interface AccessKeyMetadata {
  readonly UserName: string;
  readonly AccessKeyId: string;
  readonly Status: 'Active' | 'Inactive';
  readonly CreateDate: string;
}
export interface AccessKeyLookup {
  readonly AccessKeyId: string;
  readonly principal: string;
  readonly accountId: string;
  readonly secretAccessKey: string;
  readonly status: 'Active' | 'Inactive';
}

interface Target { readonly AccountId?: string }

export class Iam {
  readonly store: SectionStore;
  private readonly clock: Clock;
  private readonly random: Random;
  /** Unsealed access-key secrets, so SigV4 verification does not unseal per request. */
  private readonly secrets: UnsealedCache;

  constructor(opts: IamOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? opts.store.clock ?? systemClock;
    this.random = opts.random ?? opts.store.random ?? systemRandom;
    this.secrets = new UnsealedCache(this.clock);
  }

  /** The current IAM state (read-only). */
  state(): IamState {
    return iamSectionOf(this.store.read().sections);
  }

  private mutate<T>(fn: (s: IamState) => T): Promise<T> {
    return this.store.update((st) => {
      let s = st.sections[IAM_SECTION] as IamState | undefined;
      if (!s) {
        s = emptyIamState(undefined, this.clock().toISOString());
        st.sections[IAM_SECTION] = s;
      }
      return fn(s);
    });
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private id(prefix: string, n = 16): string {
    const bytes = this.random(n);
    return prefix + Array.from(bytes, (b) => BASE32[b & 31]).join('');
  }

  private account(s: IamState, req: Target): string {
    const a = req.AccountId ?? s.defaultAccountId;
    if (!isAccountId(a)) throw new ValidationException(`AccountId must be 12 digits, got "${a}"`);
    if (!s.accounts[a]) throw new NoSuchEntityException(`Account ${a} does not exist; create it with CreateAccount`);
    return a;
  }

  // --- accounts ---

  /** Registers a local account (Organizations CreateAccount, simplified). */
  async CreateAccount(req: { AccountId: string; AccountAlias?: string }): Promise<{ AccountId: string }> {
    if (!isAccountId(req?.AccountId)) throw new ValidationException(`AccountId must be 12 digits, got "${req?.AccountId}"`);
    return this.mutate((s) => {
      if (s.accounts[req.AccountId]) throw new EntityAlreadyExistsException(`Account ${req.AccountId} already exists`);
      s.accounts[req.AccountId] = { AccountId: req.AccountId, CreateDate: this.now(), ...(req.AccountAlias ? { AccountAlias: req.AccountAlias } : {}) };
      return { AccountId: req.AccountId };
    });
  }

  ListAccounts(): { Accounts: Array<{ AccountId: string; AccountAlias?: string; CreateDate: string; Default: boolean }> } {
    const s = this.state();
    return { Accounts: Object.values(s.accounts).map((a) => ({ ...a, Default: a.AccountId === s.defaultAccountId })) };
  }

  // --- users and roles ---

  private async createIdentity(
    kind: 'user' | 'role',
    req: { Name: string; Path?: string; Description?: string; AssumeRolePolicyDocument?: string; MaxSessionDuration?: number } & Target,
  ): Promise<IdentityRecord> {
    if (!isIamName(req.Name)) {
      throw new ValidationException(`${kind === 'user' ? 'UserName' : 'RoleName'} must be 1-128 characters of [A-Za-z0-9+=,.@_-], got "${req.Name}"`);
    }
    const path = req.Path ?? '/';
    if (!/^\/([\x21-\x7e]{0,510}\/)?$/.test(path)) throw new ValidationException(`Path must begin and end with "/", got "${path}"`);
    return this.mutate((s) => {
      const account = this.account(s, req);
      const arn = `arn:aws:iam::${account}:${kind}${path}${req.Name}`;
      const table = kind === 'user' ? s.users : s.roles;
      if (Object.values(table).some((r) => r.AccountId === account && r.Name.toLowerCase() === req.Name.toLowerCase())) {
        throw new EntityAlreadyExistsException(`${kind === 'user' ? 'User' : 'Role'} with name ${req.Name} already exists in account ${account}`);
      }
      if (req.AssumeRolePolicyDocument !== undefined) this.checkTrustPolicy(s, req.AssumeRolePolicyDocument);
      const rec: IdentityRecord = {
        Arn: arn, AccountId: account, Name: req.Name, Id: this.id(kind === 'user' ? 'AIDA' : 'AROA'), Path: path,
        CreateDate: this.now(), ...(req.Description ? { Description: req.Description } : {}),
        ...(req.AssumeRolePolicyDocument !== undefined ? { AssumeRolePolicyDocument: req.AssumeRolePolicyDocument } : {}),
        ...(req.MaxSessionDuration !== undefined ? { MaxSessionDuration: req.MaxSessionDuration } : {}),
        policies: {},
      };
      table[arn] = rec;
      return rec;
    });
  }

  private find(s: IamState, kind: 'user' | 'role', name: string, req: Target): IdentityRecord {
    const account = this.account(s, req);
    const table = kind === 'user' ? s.users : s.roles;
    const rec = Object.values(table).find((r) => r.AccountId === account && r.Name === name);
    if (!rec) throw new NoSuchEntityException(`The ${kind} with name ${name} cannot be found in account ${account}`);
    return rec;
  }

  async CreateUser(req: { UserName: string; Path?: string } & Target): Promise<{ User: UserView }> {
    const r = await this.createIdentity('user', { ...req, Name: req?.UserName });
    return { User: userView(r) };
  }

  GetUser(req: { UserName: string } & Target): { User: UserView } {
    return { User: userView(this.find(this.state(), 'user', req.UserName, req)) };
  }

  ListUsers(req: Target = {}): { Users: UserView[] } {
    const s = this.state();
    const account = this.account(s, req);
    return { Users: Object.values(s.users).filter((u) => u.AccountId === account).map(userView) };
  }

  async DeleteUser(req: { UserName: string } & Target): Promise<Record<string, never>> {
    return this.mutate((s) => {
      const u = this.find(s, 'user', req.UserName, req);
      if (Object.keys(u.policies).length > 0) throw new DeleteConflictException(`Cannot delete user ${req.UserName}: delete its inline policies first (DeleteUserPolicy)`);
      if (Object.values(s.accessKeys).some((k) => k.UserArn === u.Arn)) throw new DeleteConflictException(`Cannot delete user ${req.UserName}: delete its access keys first (DeleteAccessKey)`);
      if (Object.values(s.profiles).some((p) => p.Principal === u.Arn)) throw new DeleteConflictException(`Cannot delete user ${req.UserName}: a profile refers to it (DeleteProfile)`);
      delete s.users[u.Arn];
      return {};
    });
  }

  /**
   * CreateRole. `AssumeRolePolicyDocument` is the trust policy (Principal + sts:AssumeRole, with
   * conditions such as sts:ExternalId); without one nobody can assume the role.
   */
  async CreateRole(
    req: { RoleName: string; Path?: string; Description?: string; AssumeRolePolicyDocument?: string; MaxSessionDuration?: number } & Target,
  ): Promise<{ Role: RoleView }> {
    const max = req?.MaxSessionDuration;
    if (max !== undefined && (!Number.isInteger(max) || max < DEFAULT_MAX_SESSION_DURATION || max > MAX_MAX_SESSION_DURATION)) {
      throw new ValidationException(`MaxSessionDuration must be ${DEFAULT_MAX_SESSION_DURATION}-${MAX_MAX_SESSION_DURATION} seconds, got ${max}`);
    }
    const r = await this.createIdentity('role', { ...req, Name: req?.RoleName });
    return { Role: roleView(r) };
  }

  /** UpdateAssumeRolePolicy: replaces a role's trust policy. */
  async UpdateAssumeRolePolicy(req: { RoleName: string; PolicyDocument: string } & Target): Promise<Record<string, never>> {
    return this.mutate((s) => {
      const r = this.find(s, 'role', req.RoleName, req);
      this.checkTrustPolicy(s, req.PolicyDocument);
      r.AssumeRolePolicyDocument = req.PolicyDocument;
      return {};
    });
  }

  private checkTrustPolicy(s: IamState, text: string): void {
    parsePolicyDocument(text, { kind: 'trust', principalExists: (arn) => principalExistsIn(s, arn) });
  }

  GetRole(req: { RoleName: string } & Target): { Role: RoleView } {
    return { Role: roleView(this.find(this.state(), 'role', req.RoleName, req)) };
  }

  ListRoles(req: Target = {}): { Roles: RoleView[] } {
    const s = this.state();
    const account = this.account(s, req);
    return { Roles: Object.values(s.roles).filter((r) => r.AccountId === account).map(roleView) };
  }

  async DeleteRole(req: { RoleName: string } & Target): Promise<Record<string, never>> {
    return this.mutate((s) => {
      const r = this.find(s, 'role', req.RoleName, req);
      if (Object.keys(r.policies).length > 0) throw new DeleteConflictException(`Cannot delete role ${req.RoleName}: delete its inline policies first (DeleteRolePolicy)`);
      if (Object.values(s.profiles).some((p) => p.Principal === r.Arn)) throw new DeleteConflictException(`Cannot delete role ${req.RoleName}: a profile refers to it (DeleteProfile)`);
      delete s.roles[r.Arn];
      return {};
    });
  }

  // --- inline identity policies ---

  private async putPolicy(kind: 'user' | 'role', name: string, req: { PolicyName: string; PolicyDocument: string } & Target) {
    if (!/^[\w+=,.@-]{1,128}$/.test(req?.PolicyName ?? '')) throw new ValidationException(`PolicyName must be 1-128 characters of [A-Za-z0-9+=,.@_-], got "${req?.PolicyName}"`);
    parsePolicyDocument(req.PolicyDocument, { kind: 'identity' });
    return this.mutate((s) => {
      this.find(s, kind, name, req).policies[req.PolicyName] = req.PolicyDocument;
      return {} as Record<string, never>;
    });
  }

  private getPolicy(kind: 'user' | 'role', name: string, req: { PolicyName: string } & Target): string {
    const rec = this.find(this.state(), kind, name, req);
    const doc = rec.policies[req.PolicyName];
    if (doc === undefined) throw new NoSuchEntityException(`The ${kind} policy with name ${req.PolicyName} cannot be found on ${rec.Arn}`);
    return doc;
  }

  private async deletePolicy(kind: 'user' | 'role', name: string, req: { PolicyName: string } & Target) {
    return this.mutate((s) => {
      const rec = this.find(s, kind, name, req);
      if (rec.policies[req.PolicyName] === undefined) throw new NoSuchEntityException(`The ${kind} policy with name ${req.PolicyName} cannot be found on ${rec.Arn}`);
      delete rec.policies[req.PolicyName];
      return {} as Record<string, never>;
    });
  }

  PutUserPolicy(req: { UserName: string; PolicyName: string; PolicyDocument: string } & Target) { return this.putPolicy('user', req.UserName, req); }
  GetUserPolicy(req: { UserName: string; PolicyName: string } & Target) {
    return { UserName: req.UserName, PolicyName: req.PolicyName, PolicyDocument: this.getPolicy('user', req.UserName, req) };
  }
  ListUserPolicies(req: { UserName: string } & Target) { return { PolicyNames: Object.keys(this.find(this.state(), 'user', req.UserName, req).policies).sort() }; }
  DeleteUserPolicy(req: { UserName: string; PolicyName: string } & Target) { return this.deletePolicy('user', req.UserName, req); }
  PutRolePolicy(req: { RoleName: string; PolicyName: string; PolicyDocument: string } & Target) { return this.putPolicy('role', req.RoleName, req); }
  GetRolePolicy(req: { RoleName: string; PolicyName: string } & Target) {
    return { RoleName: req.RoleName, PolicyName: req.PolicyName, PolicyDocument: this.getPolicy('role', req.RoleName, req) };
  }
  ListRolePolicies(req: { RoleName: string } & Target) { return { PolicyNames: Object.keys(this.find(this.state(), 'role', req.RoleName, req).policies).sort() }; }
  DeleteRolePolicy(req: { RoleName: string; PolicyName: string } & Target) { return this.deletePolicy('role', req.RoleName, req); }

  // --- access keys (for SigV4 on `envelope serve`) ---

  /** Creates an access key; the secret is returned only here (as AWS does). */
  async CreateAccessKey(req: { UserName: string } & Target): Promise<{ AccessKey: AccessKeyMetadata & { SecretAccessKey: string } }> {
    return this.mutate((s) => {
      const u = this.find(s, 'user', req.UserName, req);
      if (Object.values(s.accessKeys).filter((k) => k.UserArn === u.Arn).length >= MAX_ACCESS_KEYS_PER_USER) {
        throw new LimitExceededException(`Cannot exceed quota for AccessKeysPerUser: ${MAX_ACCESS_KEYS_PER_USER}`);
      }
      const AccessKeyId = this.id('AKIA');
      const secretBytes = this.random(30);
      const secret = Buffer.from(secretBytes).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
      const sealed = this.store.sealer ? this.store.sealer.seal(new TextEncoder().encode(secret), sealAad(AccessKeyId)) : secret;
      secretBytes.fill(0);
      const rec: AccessKeyRecord = {
        AccessKeyId, UserArn: u.Arn, UserName: u.Name, AccountId: u.AccountId, Status: 'Active', CreateDate: this.now(), sealedSecret: sealed,
      };
      s.accessKeys[AccessKeyId] = rec;
      return { AccessKey: { ...keyMeta(rec), SecretAccessKey: secret } };
    });
  }

  ListAccessKeys(req: { UserName: string } & Target): { AccessKeyMetadata: AccessKeyMetadata[] } {
    const s = this.state();
    const u = this.find(s, 'user', req.UserName, req);
    return { AccessKeyMetadata: Object.values(s.accessKeys).filter((k) => k.UserArn === u.Arn).map(keyMeta) };
  }

  async UpdateAccessKey(req: { UserName: string; AccessKeyId: string; Status: 'Active' | 'Inactive' } & Target): Promise<Record<string, never>> {
    if (req.Status !== 'Active' && req.Status !== 'Inactive') throw new ValidationException('Status must be Active or Inactive');
    return this.mutate((s) => {
      const k = this.ownedKey(s, req);
      k.Status = req.Status;
      return {};
    });
  }

  async DeleteAccessKey(req: { UserName: string; AccessKeyId: string } & Target): Promise<Record<string, never>> {
    return this.mutate((s) => {
      const k = this.ownedKey(s, req);
      delete s.accessKeys[k.AccessKeyId];
      return {};
    });
  }

  private ownedKey(s: IamState, req: { UserName: string; AccessKeyId: string } & Target): AccessKeyRecord {
    const u = this.find(s, 'user', req.UserName, req);
    const k = s.accessKeys[req.AccessKeyId];
    if (!k || k.UserArn !== u.Arn) throw new NoSuchEntityException(`The Access Key with id ${req.AccessKeyId} cannot be found for user ${req.UserName}`);
    return k;
  }

  /**
   * For SigV4 verification by `envelope serve`: the principal and secret of an access key, or
   * undefined when it does not exist. Inactive keys are returned with status "Inactive" (the
   * caller must refuse them).
   */
  lookupAccessKey(accessKeyId: string): AccessKeyLookup | undefined {
    const k = this.state().accessKeys[accessKeyId];
    if (!k) return undefined;
    const secret = this.secrets.open(k.sealedSecret, (sealed) => new TextDecoder().decode(this.store.sealer!.open(sealed, sealAad(k.AccessKeyId))));
    return { AccessKeyId: k.AccessKeyId, principal: k.UserArn, accountId: k.AccountId, secretAccessKey: secret, status: k.Status };
  }

  // --- principals and profiles ---

  /** True for any account root and for existing users, roles and sessions of existing roles. */
  principalExists(arn: string): boolean {
    return principalExistsIn(this.state(), arn);
  }

  /**
   * Creates or replaces a profile. `Principal` may be an ARN or "root" / "user/<name>" /
   * "role/<name>" in `AccountId` (default account by default). The principal must exist.
   */
  async PutProfile(req: { ProfileName: string; Principal: string; Region?: string; SessionAccessKeyId?: string } & Target): Promise<{ Profile: ProfileRecord }> {
    if (!/^[\w.-]{1,64}$/.test(req?.ProfileName ?? '')) throw new ValidationException(`ProfileName must be 1-64 characters of [A-Za-z0-9_.-], got "${req?.ProfileName}"`);
    return this.mutate((s) => {
      const arn = expandPrincipal(req.Principal, req.AccountId ?? s.defaultAccountId);
      const p = parsePrincipal(arn);
      if (p.type === 'AWSService') throw new ValidationException('A profile cannot act as an AWS service principal');
      if (!principalExistsIn(s, arn)) throw new NoSuchEntityException(`Principal ${arn} does not exist (create it with CreateUser / CreateRole)`);
      if (!s.accounts[p.accountId]) s.accounts[p.accountId] = { AccountId: p.accountId, CreateDate: this.now() };
      const rec: ProfileRecord = {
        ProfileName: req.ProfileName, Principal: arn, AccountId: p.accountId, ...(req.Region ? { Region: req.Region } : {}),
        ...(req.SessionAccessKeyId ? { SessionAccessKeyId: req.SessionAccessKeyId } : {}),
      };
      s.profiles[req.ProfileName] = rec;
      return { Profile: rec };
    });
  }

  ListProfiles(): { Profiles: ProfileRecord[] } {
    const s = this.state();
    const list = Object.values(s.profiles);
    if (!s.profiles[DEFAULT_PROFILE]) list.unshift(defaultProfile(s));
    return { Profiles: list };
  }

  async DeleteProfile(req: { ProfileName: string }): Promise<Record<string, never>> {
    return this.mutate((s) => {
      if (!s.profiles[req.ProfileName]) throw new NoSuchEntityException(`Profile ${req.ProfileName} does not exist`);
      delete s.profiles[req.ProfileName];
      return {};
    });
  }

  /**
   * The caller identity for a profile name (CLI `--profile` / ENVELOPE_PROFILE). Undefined or
   * "default" without a stored "default" profile gives the default account's root.
   */
  resolveProfile(name?: string): { principal: string; accountId: string; region?: string; sessionAccessKeyId?: string } {
    const s = this.state();
    const key = name && name.length > 0 ? name : DEFAULT_PROFILE;
    const p = s.profiles[key] ?? (key === DEFAULT_PROFILE ? defaultProfile(s) : undefined);
    if (!p) {
      throw new NoSuchEntityException(`Profile ${key} does not exist; list profiles with \`envelope profile list\` or create it with \`envelope profile set ${key} --principal <arn>\``);
    }
    if (!principalExistsIn(s, p.Principal)) throw new NoSuchEntityException(`Profile ${key} refers to ${p.Principal}, which no longer exists`);
    return {
      principal: p.Principal, accountId: p.AccountId, ...(p.Region ? { region: p.Region } : {}),
      ...(p.SessionAccessKeyId ? { sessionAccessKeyId: p.SessionAccessKeyId } : {}),
    };
  }
}

function sealAad(accessKeyId: string): string {
  return `envelope/iam/access-key/${accessKeyId}`;
}

function defaultProfile(s: IamState): ProfileRecord {
  return { ProfileName: DEFAULT_PROFILE, Principal: rootArn(s.defaultAccountId), AccountId: s.defaultAccountId };
}

function userView(r: IdentityRecord): UserView {
  return { UserName: r.Name, UserId: r.Id, Arn: r.Arn, AccountId: r.AccountId, Path: r.Path, CreateDate: r.CreateDate };
}

function roleView(r: IdentityRecord): RoleView {
  return {
    RoleName: r.Name, RoleId: r.Id, Arn: r.Arn, AccountId: r.AccountId, Path: r.Path, CreateDate: r.CreateDate,
    ...(r.Description ? { Description: r.Description } : {}),
    ...(r.AssumeRolePolicyDocument !== undefined ? { AssumeRolePolicyDocument: r.AssumeRolePolicyDocument } : {}),
    MaxSessionDuration: r.MaxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
  };
}

function keyMeta(k: AccessKeyRecord): AccessKeyMetadata {
  return { UserName: k.UserName, AccessKeyId: k.AccessKeyId, Status: k.Status, CreateDate: k.CreateDate };
}
