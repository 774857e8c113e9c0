/**
 * Who is calling: the identity and request environment the door hands to the Authorizer and
 * the AuditSink (AWS KMS "Authentication and access control"; CloudTrail userIdentity).
 */
import { DEFAULT_ACCOUNT_ID } from './constants.js';

export interface CallContext {
  /** IAM ARN of the caller, e.g. arn:aws:iam::111122223333:root. */
  readonly principal: string;
  /** The caller's account. */
  readonly accountId: string;
  /** The region the call is made in; defaults to the Kms instance's region. */
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly sourceIp?: string;
  /** Set when an integrated service (e.g. "ec2.us-east-1.amazonaws.com") calls on a user's behalf. */
  readonly viaService?: string;
  readonly userAgent?: string;
}

/** The account's root user: every call acts as it until access control adds principals. */
export function rootCaller(accountId: string = DEFAULT_ACCOUNT_ID, region?: string): CallContext {
  return region === undefined
    ? { principal: `arn:aws:iam::${accountId}:root`, accountId }
    : { principal: `arn:aws:iam::${accountId}:root`, accountId, region };
}
