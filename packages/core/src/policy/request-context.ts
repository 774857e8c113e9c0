/**
 * The request context a policy is evaluated against: the condition keys AWS KMS and IAM define
 * (KMS Developer Guide, "AWS KMS condition keys" and "AWS global condition context keys"; IAM
 * User Guide, "AWS global condition context keys"). Keys are stored lower-cased because condition
 * key names are not case sensitive; values keep their case.
 */
import type { ConditionContext } from './condition-operators.js';
import type { Principal } from './principal.js';

export interface RequestFacts {
  readonly principal: Principal;
  /** The wall-clock time of the request (injected clock). */
  readonly now: Date;
  readonly sourceIp?: string;
  /** e.g. "ec2.us-east-1.amazonaws.com" when a service calls on the principal's behalf. */
  readonly viaService?: string;
  readonly region?: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  readonly keySpec?: string;
  readonly keyUsage?: string;
  readonly keyOrigin?: string;
  /** The alias named in the request's KeyId, e.g. "alias/app". */
  readonly requestAlias?: string;
  /** Aliases associated with the key (names, "alias/…"). */
  readonly resourceAliases?: readonly string[];
  /** CreateGrant: the operations of the requested grant. */
  readonly grantOperations?: readonly string[];
  readonly grantIsForAwsResource?: boolean;
  readonly granteePrincipal?: string;
  readonly retiringPrincipal?: string;
  /** CreateGrant: "EncryptionContextEquals" / "EncryptionContextSubset". */
  readonly grantConstraintType?: string;
  readonly bypassPolicyLockoutSafetyCheck?: boolean;
  /** Any further keys (name → value(s)). */
  readonly extra?: Readonly<Record<string, string | readonly string[]>>;
}

const PRINCIPAL_TYPE: Record<Principal['type'], string> = {
  Account: 'Account',
  User: 'User',
  Role: 'AssumedRole',
  AssumedRole: 'AssumedRole',
  AWSService: 'AWSService',
};

/** Builds the condition-key map for one request. */
export function buildConditionContext(f: RequestFacts): ConditionContext {
  const m = new Map<string, string | readonly string[]>();
  const set = (k: string, v: string | readonly string[] | undefined) => {
    if (v !== undefined) m.set(k.toLowerCase(), v);
  };
  const p = f.principal;
  set('aws:PrincipalArn', p.type === 'AssumedRole' ? p.roleArn : p.arn);
  if (p.accountId) set('aws:PrincipalAccount', p.accountId);
  set('aws:PrincipalType', PRINCIPAL_TYPE[p.type]);
  if (p.type === 'User') set('aws:username', p.name);
  set('aws:CurrentTime', f.now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  set('aws:EpochTime', String(Math.floor(f.now.getTime() / 1000)));
  set('aws:SourceIp', f.sourceIp);
  set('aws:RequestedRegion', f.region);
  set('aws:ViaAWSService', f.viaService ? 'true' : 'false');
  if (p.accountId) set('kms:CallerAccount', p.accountId);
  set('kms:ViaService', f.viaService);
  if (f.encryptionContext) {
    const keys = Object.keys(f.encryptionContext);
    if (keys.length > 0) set('kms:EncryptionContextKeys', keys);
    for (const k of keys) set(`kms:EncryptionContext:${k}`, f.encryptionContext[k]);
  }
  set('kms:KeySpec', f.keySpec);
  set('kms:CustomerMasterKeySpec', f.keySpec);
  set('kms:KeyUsage', f.keyUsage);
  set('kms:CustomerMasterKeyUsage', f.keyUsage);
  set('kms:KeyOrigin', f.keyOrigin);
  set('kms:RequestAlias', f.requestAlias);
  if (f.resourceAliases && f.resourceAliases.length > 0) set('kms:ResourceAliases', f.resourceAliases);
  if (f.grantOperations) set('kms:GrantOperations', f.grantOperations);
  if (f.grantIsForAwsResource !== undefined) set('kms:GrantIsForAWSResource', String(f.grantIsForAwsResource));
  set('kms:GranteePrincipal', f.granteePrincipal);
  set('kms:RetiringPrincipal', f.retiringPrincipal);
  set('kms:GrantConstraintType', f.grantConstraintType);
  if (f.bypassPolicyLockoutSafetyCheck !== undefined) {
    set('kms:BypassPolicyLockoutSafetyCheck', String(f.bypassPolicyLockoutSafetyCheck));
  }
  for (const [k, v] of Object.entries(f.extra ?? {})) set(k, v);
  return m;
}
