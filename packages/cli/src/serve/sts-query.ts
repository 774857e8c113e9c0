/**
 * The AWS STS API over the AWS Query protocol for `envelope serve` (AWS STS API Reference:
 * `POST /` with a form-encoded body `Action=AssumeRole&Version=2011-06-15&…`, signed for the
 * service `sts`; responses are XML in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace;
 * errors are `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`).
 * A thin shell: the decisions are the core's Sts.
 */
import { KmsError } from '@envelope/core/errors';
import type { AssumeRoleResponse, CallContext, GetCallerIdentityResponse } from '@envelope/core/local-kms';
import type { AuthErrorKind } from './sigv4.js';
import { AuthError } from './sigv4.js';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** The operations `envelope serve` answers for STS (the core's Sts satisfies it). */
export interface StsLike {
  AssumeRole(req: { RoleArn: string; RoleSessionName: string; DurationSeconds?: number; ExternalId?: string }, caller: CallContext): Promise<AssumeRoleResponse>;
  GetCallerIdentity(caller: CallContext): GetCallerIdentityResponse;
}

/** SigV4 refusals in the Query protocol's vocabulary (what STS answers). */
export const STS_AUTH_ERRORS: Record<AuthErrorKind, readonly [string, number]> = {
  missing: ['MissingAuthenticationToken', 403],
  incomplete: ['IncompleteSignature', 400],
  invalid: ['SignatureDoesNotMatch', 403],
  unrecognized: ['InvalidClientTokenId', 403],
  expired: ['ExpiredToken', 400],
};

/** Core error names → STS error codes and statuses. */
const CORE_TO_STS: Record<string, readonly [string, number]> = {
  AccessDeniedException: ['AccessDenied', 403],
  ValidationException: ['ValidationError', 400],
  MalformedPolicyDocumentException: ['MalformedPolicyDocument', 400],
  ExpiredTokenException: ['ExpiredToken', 400],
};

export class StsQueryError extends Error {
  constructor(readonly code: string, message: string, readonly httpStatus: number) {
    super(message);
    this.name = code;
  }
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function element(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

/** Parses the form body into a null-prototype map (first value wins, as the Query protocol has no repeated scalars here). */
export function parseForm(body: Uint8Array): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of new URLSearchParams(Buffer.from(body).toString('utf8'))) if (!(k in out)) out[k] = v;
  return out;
}

/** Runs one STS action from its form parameters; returns the XML response body. */
export async function invokeStsQuery(sts: StsLike, params: Record<string, string>, caller: CallContext, requestId: string): Promise<{ action: string; xml: string }> {
  const action = params['Action'] ?? '';
  if (params['Version'] !== undefined && params['Version'] !== STS_VERSION) {
    throw new StsQueryError('InvalidAction', `Could not find operation ${action} for version ${params['Version']}`, 400);
  }
  const meta = element('ResponseMetadata', element('RequestId', requestId));
  const wrap = (result: string) => `<${action}Response xmlns="${STS_NAMESPACE}">\n  ${element(`${action}Result`, result)}\n  ${meta}\n</${action}Response>\n`;
  if (action === 'GetCallerIdentity') {
    const r = sts.GetCallerIdentity(caller);
    return { action, xml: wrap(element('Arn', xmlEscape(r.Arn)) + element('UserId', xmlEscape(r.UserId)) + element('Account', r.Account)) };
  }
  if (action === 'AssumeRole') {
    const duration = params['DurationSeconds'];
    if (duration !== undefined && !/^\d{1,6}$/.test(duration)) throw new StsQueryError('ValidationError', `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`, 400);
    const r = await sts.AssumeRole(
      {
        RoleArn: params['RoleArn'] ?? '',
        RoleSessionName: params['RoleSessionName'] ?? '',
        ...(duration !== undefined ? { DurationSeconds: Number(duration) } : {}),
        ...(params['ExternalId'] !== undefined ? { ExternalId: params['ExternalId'] } : {}),
      },
      caller,
    );
    const c = r.Credentials;
    return {
      action,
      xml: wrap(
        element('AssumedRoleUser', element('AssumedRoleId', xmlEscape(r.AssumedRoleUser.AssumedRoleId)) + element('Arn', xmlEscape(r.AssumedRoleUser.Arn))) +
          element(
            'Credentials',
            element('AccessKeyId', c.AccessKeyId) + element('SecretAccessKey', xmlEscape(c.SecretAccessKey)) +
              element('SessionToken', xmlEscape(c.SessionToken)) + element('Expiration', c.Expiration.toISOString().replace(/\.\d{3}Z$/, 'Z')),
          ),
      ),
    };
  }
  throw new StsQueryError('InvalidAction', `Could not find operation ${action || '(none)'} for version ${STS_VERSION}`, 400);
}

/** Any failure as STS's XML error and status. Internal errors never leak their message. */
export function stsErrorResponse(e: unknown, requestId: string): { status: number; code: string; xml: string } {
  let code = 'InternalFailure';
  let status = 500;
  let message = 'An internal error occurred.';
  if (e instanceof StsQueryError) [code, status, message] = [e.code, e.httpStatus, e.message];
  else if (e instanceof AuthError) [code, status, message] = [e.name, e.httpStatus, e.message];
  else if (e instanceof KmsError) {
    const mapped = CORE_TO_STS[e.name];
    [code, status] = mapped ? [mapped[0], mapped[1]] : [e.name, e.httpStatus];
    message = e.message;
  }
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const xml = `<ErrorResponse xmlns="${STS_NAMESPACE}">\n  <Error>\n    ${element('Type', type)}\n    ${element('Code', code)}\n    ${element('Message', xmlEscape(message))}\n  </Error>\n  ${element('RequestId', requestId)}\n</ErrorResponse>\n`;
  return { status, code, xml };
}
