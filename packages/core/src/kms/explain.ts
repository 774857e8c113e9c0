/**
 * `explain`: why a principal may or may not perform an action on a key (the question IAM's policy
 * simulator answers, for AWS KMS). Resolves the key as the principal would name it, then runs the
 * same evaluation as the Kms door without acting or auditing, and returns Allow/Deny with the
 * deciding key-policy / IAM statements (by Sid) and grants, and a short reason.
 */
import { ValidationException } from '../errors.js';
import type { AccessDecision } from '../policy/evaluate.js';
import { tryParsePrincipal } from '../policy/principal.js';
import { expandPrincipal } from '../iam/iam-state.js';
import type { CallContext } from './call-context.js';
import { emptyKmsSection, KMS_SECTION, type KmsSection } from './key-record.js';
import { PolicyAuthorizer } from './policy-authorizer.js';
import { authorizationResource, resolveKey } from './resolve.js';
import type { Kms } from './kms.js';

export interface ExplainRequest {
  /** Principal ARN, or "root" / "user/<name>" / "role/<name>" in `AccountId` (default: the Kms's default caller's account). */
  readonly Principal: string;
  readonly AccountId?: string;
  /** "kms:Encrypt" or "Encrypt". */
  readonly Action: string;
  /**
   * Key id, key ARN, alias name or alias ARN, as the principal would pass it. Omit it for actions
   * that involve no key (kms:CreateKey, kms:ListKeys, …): then only IAM policies decide.
   */
  readonly KeyId?: string;
  readonly EncryptionContext?: Readonly<Record<string, string>>;
  readonly ViaService?: string;
  readonly SourceIp?: string;
  readonly Region?: string;
  readonly GrantTokens?: readonly string[];
}

export interface ExplainResponse extends AccessDecision {
  readonly Principal: string;
  readonly Action: string;
  /** The resolved key (absent for keyless actions). */
  readonly KeyArn?: string;
}

/** Evaluates one hypothetical call. Throws NotFoundException when the key cannot be resolved. */
export function explainAccess(kms: Kms, req: ExplainRequest): ExplainResponse {
  const accountId = req.AccountId ?? kms.defaultCaller.accountId;
  const arn = expandPrincipal(req.Principal, accountId);
  const p = tryParsePrincipal(arn);
  if (!p) throw new ValidationException(`Principal "${req.Principal}" is not a principal ARN, "root", "user/<name>" or "role/<name>"`);
  const action = req.Action.includes(':') ? req.Action : `kms:${req.Action}`;
  if (!/^kms:[A-Za-z]+$/.test(action)) throw new ValidationException(`Action "${req.Action}" is not an AWS KMS action`);
  const caller: CallContext = {
    principal: arn,
    accountId: p.accountId || accountId,
    ...(req.ViaService ? { viaService: req.ViaService } : {}),
    ...(req.SourceIp ? { sourceIp: req.SourceIp } : {}),
  };
  const region = req.Region ?? kms.region;
  const authorizer = kms.authorizer instanceof PolicyAuthorizer ? kms.authorizer : new PolicyAuthorizer({ store: kms.store, clock: kms.clock });
  if (req.KeyId === undefined) {
    const d = authorizer.decide({
      caller, action, operation: action.slice(4), region,
      conditions: { ...(req.ViaService ? { ViaService: req.ViaService } : {}) },
    });
    return { ...d, Principal: arn, Action: action };
  }
  const section = (kms.store.read().sections[KMS_SECTION] as KmsSection | undefined) ?? emptyKmsSection();
  const { key, alias } = resolveKey(section, req.KeyId, { caller, region }, 'KeyId');
  const resource = authorizationResource(section, key);
  const decision = authorizer.decide({
    caller, action, operation: action.slice(4), resource, region,
    conditions: {
      ...(req.EncryptionContext ? { EncryptionContext: req.EncryptionContext } : {}),
      ...(req.GrantTokens ? { GrantTokens: req.GrantTokens } : {}),
      ...(alias ? { RequestAlias: alias } : {}),
      ...(req.ViaService ? { ViaService: req.ViaService } : {}),
    },
  });
  return { ...decision, Principal: arn, Action: action, KeyArn: key.arn };
}
