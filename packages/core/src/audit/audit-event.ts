/**
 * CloudTrail-like records of AWS KMS calls (AWS CloudTrail User Guide, "CloudTrail record
 * contents" and "userIdentity element"; KMS Developer Guide, "Logging AWS KMS API calls with AWS
 * CloudTrail"). Every call, allowed or denied, becomes one event. Request parameters are copied
 * without any binary field or secret (Plaintext, CiphertextBlob, GrantTokens, key material, …);
 * response elements keep identifiers only.
 */

export type UserIdentityType = 'Root' | 'IAMUser' | 'AssumedRole' | 'AWSService' | 'AWSAccount';

export interface AuditUserIdentity {
  readonly type: UserIdentityType;
  readonly principalId: string;
  readonly arn: string;
  readonly accountId: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  /** The AWS service that made the call on the principal's behalf (kms:ViaService). */
  readonly invokedBy?: string;
}

export interface AuditResource {
  readonly accountId: string;
  readonly type: 'AWS::KMS::Key';
  readonly ARN: string;
}

/** One CloudTrail-style event. */
export interface AuditEvent {
  readonly eventVersion: '1.08';
  readonly userIdentity: AuditUserIdentity;
  /** ISO 8601, second precision, UTC ("2026-11-23T02:40:00Z"). */
  readonly eventTime: string;
  readonly eventSource: 'kms.amazonaws.com';
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources: readonly AuditResource[];
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: true;
  /** The account whose log holds this copy (differs from userIdentity.accountId for cross-account calls). */
  readonly recipientAccountId: string;
  /** Same value in both copies of a cross-account event. */
  readonly sharedEventID?: string;
  readonly eventCategory: 'Management';
}

/** KMS operations CloudTrail marks readOnly: true. */
const READ_ONLY = new Set([
  'DescribeKey', 'DescribeCustomKeyStores', 'GetKeyPolicy', 'GetKeyRotationStatus', 'GetParametersForImport',
  'GetPublicKey', 'ListAliases', 'ListGrants', 'ListKeyPolicies', 'ListKeyRotations', 'ListKeys',
  'ListResourceTags', 'ListRetirableGrants',
]);

/** Request/response fields that are never recorded (plaintext, ciphertext, secrets, tokens). */
const SECRET_FIELDS = new Set([
  'plaintext', 'ciphertextblob', 'sourceciphertextblob', 'granttokens', 'granttoken', 'keymaterial',
  'encryptedkeymaterial', 'importtoken', 'message', 'signature', 'mac', 'publickey', 'privatekeyplaintext',
  'privatekeyciphertextblob', 'plaintextprivatekey', 'secretaccesskey', 'secret', 'sharedsecret',
  'ciphertextforrecipient', 'recipient', 'wrappingkey', 'password', 'passphrase',
]);

/** Response fields kept (identifiers and algorithm names only). */
const RESPONSE_FIELDS = new Set([
  'KeyId', 'SourceKeyId', 'DestinationKeyId', 'KeyArn', 'Arn', 'GrantId', 'AliasName', 'AliasArn', 'TargetKeyId',
  'EncryptionAlgorithm', 'SourceEncryptionAlgorithm', 'DestinationEncryptionAlgorithm', 'SigningAlgorithm',
  'MacAlgorithm', 'KeyState', 'KeySpec', 'KeyUsage', 'DeletionDate', 'PendingWindowInDays', 'KeyPairSpec',
  'PolicyName', 'PolicyNames', 'SignatureValid', 'MacValid', 'KeyRotationEnabled',
]);

function isBinary(v: unknown): boolean {
  return v instanceof Uint8Array || ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
}

/**
 * Copies request parameters for the audit log: drops binary values and secret-bearing fields at
 * any depth; keeps strings, numbers, booleans, EncryptionContext and lists of those.
 */
export function sanitizeRequestParameters(params: unknown, depth = 0): Record<string, unknown> | null {
  if (params === null || typeof params !== 'object' || isBinary(params) || depth > 4) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(k.toLowerCase()) || v === undefined || isBinary(v) || typeof v === 'function') continue;
    if (k === 'Policy' && typeof v === 'string') {
      // Policies are not secret, but can be large: record them as CloudTrail does (verbatim).
      out[k] = v;
    } else if (Array.isArray(v)) {
      out[k] = v.filter((x) => !isBinary(x)).map((x) => (x !== null && typeof x === 'object' ? sanitizeRequestParameters(x, depth + 1) : x));
    } else if (typeof v === 'object' && v !== null) {
      if (v instanceof Date) out[k] = v.toISOString();
      else out[k] = sanitizeRequestParameters(v, depth + 1);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** Keeps identifiers of a response (KeyId, GrantId, KeyMetadata.KeyId/Arn, …). */
export function sanitizeResponseElements(resp: unknown): Record<string, unknown> | null {
  if (resp === null || typeof resp !== 'object' || isBinary(resp)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resp as Record<string, unknown>)) {
    if (RESPONSE_FIELDS.has(k) && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
      out[k] = v;
    } else if (RESPONSE_FIELDS.has(k) && Array.isArray(v) && v.every((x) => typeof x === 'string')) {
      out[k] = v;
    } else if (k === 'KeyMetadata' && v && typeof v === 'object') {
      const m = v as Record<string, unknown>;
      out[k] = { KeyId: m.KeyId, Arn: m.Arn };
    } else if (v instanceof Date && RESPONSE_FIELDS.has(k)) {
      out[k] = v.toISOString();
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** The account id of an ARN (`arn:partition:service:region:account:…`), or ''. */
export function arnAccount(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function identityOf(principalArn: string, accountId: string, accessKeyId?: string, invokedBy?: string): AuditUserIdentity {
  let type: UserIdentityType = 'AWSAccount';
  let userName: string | undefined;
  let arn = principalArn;
  if (/^arn:aws:iam::\d{12}:root$/.test(principalArn)) {
    type = 'Root';
  } else if (/^arn:aws:iam::\d{12}:user\//.test(principalArn)) {
    type = 'IAMUser';
    userName = principalArn.slice(principalArn.lastIndexOf('/') + 1);
  } else if (/^arn:aws:(iam::\d{12}:role|sts::\d{12}:assumed-role)\//.test(principalArn)) {
    type = 'AssumedRole';
  } else if (/\.amazonaws\.com$/.test(principalArn)) {
    type = 'AWSService';
    arn = '';
  }
  return {
    type,
    principalId: type === 'AWSService' ? principalArn : `${accountId}:${principalArn.split(':').pop()}`,
    arn,
    accountId,
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(userName ? { userName } : {}),
    ...(invokedBy ? { invokedBy } : {}),
  };
}

export interface AuditEventInput {
  readonly time: Date;
  readonly operation: string;
  readonly principal: string;
  readonly principalAccountId: string;
  readonly accessKeyId?: string;
  readonly region: string;
  readonly sourceIp?: string;
  readonly viaService?: string;
  readonly userAgent?: string;
  readonly requestParameters?: unknown;
  readonly responseElements?: unknown;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** ARNs of the KMS keys involved. */
  readonly resources?: readonly string[];
  readonly requestId: string;
  readonly eventId: string;
  readonly recipientAccountId: string;
  readonly sharedEventId?: string;
}

/** Builds one CloudTrail-style event from a Kms call. */
export function buildAuditEvent(i: AuditEventInput): AuditEvent {
  return {
    eventVersion: '1.08',
    userIdentity: identityOf(i.principal, i.principalAccountId, i.accessKeyId, i.viaService),
    eventTime: i.time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName: i.operation,
    awsRegion: i.region,
    sourceIPAddress: i.viaService ?? i.sourceIp ?? 'localhost',
    userAgent: i.userAgent ?? 'envelope',
    requestParameters: sanitizeRequestParameters(i.requestParameters ?? null),
    responseElements: i.errorCode ? null : sanitizeResponseElements(i.responseElements ?? null),
    ...(i.errorCode ? { errorCode: i.errorCode } : {}),
    ...(i.errorCode && i.errorMessage ? { errorMessage: i.errorMessage } : {}),
    requestID: i.requestId,
    eventID: i.eventId,
    readOnly: READ_ONLY.has(i.operation),
    resources: [...new Set(i.resources ?? [])].map((ARN) => ({ accountId: arnAccount(ARN), type: 'AWS::KMS::Key' as const, ARN })),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: i.recipientAccountId,
    ...(i.sharedEventId ? { sharedEventID: i.sharedEventId } : {}),
    eventCategory: 'Management',
  };
}

/** Formats 16 random bytes as a UUID (v4 layout) for eventID / requestID. */
export function uuidFrom(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
