/**
 * Which KMS an invocation uses (docs/CLI.md "Which KMS"), decided once at start-up:
 * 1. `--endpoint-url <url>` (or ENVELOPE_ENDPOINT_URL): that AWS-compatible endpoint, e.g. a team's
 *    `envelope serve`; `--endpoint-url aws`: AWS KMS itself (the region's endpoint).
 * 2. else `--profile NAME` where NAME is a profile of the AWS shared config files (~/.aws/config,
 *    ~/.aws/credentials) and not an Envelope profile: AWS KMS with that AWS profile.
 * 3. else the embedded keystore (--home), acting as the Envelope profile (--profile /
 *    ENVELOPE_PROFILE), as always.
 * With a remote KMS, `--profile` names the AWS profile whose credentials sign the requests (without
 * it: the AWS SDK's default chain — AWS_ACCESS_KEY_ID…, AWS_PROFILE, the `default` profile).
 * Pure apart from the two injected profile lookups.
 */
import { UsageError } from './errors.js';

export type KmsChoice =
  | { readonly kind: 'embedded' }
  | {
      readonly kind: 'remote';
      /** An http(s) URL; undefined: AWS KMS. */
      readonly endpoint?: string;
      /** The AWS profile; undefined: the SDK's default chain. */
      readonly profile?: string;
    };

/** The word `--endpoint-url` takes for AWS KMS itself (as the extension's `envelope.endpoint`). */
export const AWS_ENDPOINT_WORD = 'aws';

export interface KmsChoiceInput {
  /** --endpoint-url / ENVELOPE_ENDPOINT_URL. */
  readonly endpointUrl?: string;
  /** The --profile flag (not ENVELOPE_PROFILE, which always names an Envelope profile). */
  readonly profileFlag?: string;
  /** Whether the AWS shared config files define this profile. */
  readonly isAwsProfile: (name: string) => Promise<boolean>;
  /** Whether the embedded keystore has this Envelope profile. */
  readonly isEnvelopeProfile: (name: string) => Promise<boolean>;
}

/** Checks an endpoint URL: http(s) with a host, or the word `aws`. */
export function parseEndpointUrl(value: string): string | undefined {
  if (value.toLowerCase() === AWS_ENDPOINT_WORD) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--endpoint-url expects an http(s) URL such as http://127.0.0.1:4599, or "aws"; got "${value}"`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new UsageError(`--endpoint-url expects an http(s) URL such as http://127.0.0.1:4599, or "aws"; got "${value}"`);
  }
  return value.replace(/\/+$/, '');
}

export async function chooseKms(input: KmsChoiceInput): Promise<KmsChoice> {
  const profile = input.profileFlag;
  if (input.endpointUrl !== undefined) {
    const endpoint = parseEndpointUrl(input.endpointUrl);
    return { kind: 'remote', ...(endpoint !== undefined ? { endpoint } : {}), ...(profile !== undefined ? { profile } : {}) };
  }
  if (profile !== undefined && (await input.isAwsProfile(profile)) && !(await input.isEnvelopeProfile(profile))) {
    return { kind: 'remote', profile };
  }
  return { kind: 'embedded' };
}
