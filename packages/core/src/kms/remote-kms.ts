/**
 * RemoteKms: the `KmsApi` (kms-api.ts) over an AWS-compatible KMS endpoint — AWS KMS itself, or
 * `envelope serve` (docs/SERVE.md) — through @aws-sdk/client-kms (AWS SDK for JavaScript v3,
 * `KMSClient`). One method per AWS KMS operation, each one `client.send(new <Op>Command(request))`;
 * AWS errors become `KmsError`s with the AWS exception name, and a connection failure names the
 * endpoint it could not reach.
 *
 * Configuration is the AWS SDK's own ("Standardized credential providers" / "shared config and
 * credentials files" in the AWS SDKs and Tools Reference Guide): credentials from
 * `fromNodeProviderChain` (environment variables, `~/.aws/credentials` and `~/.aws/config`
 * profiles, `AWS_PROFILE`, SSO, process, web identity, container and instance metadata); the region
 * from the option, else the SDK's (`AWS_REGION`, the profile's `region`), else us-east-1. The SDK is
 * imported on first use only, so loading @envelope/core does not load it.
 */
import type { KMSClient, KMSClientConfig } from '@aws-sdk/client-kms';
import type { FromTemporaryCredentialsOptions } from '@aws-sdk/credential-providers';
import { KmsError, UnsupportedOperationException } from '../errors.js';
import { DEFAULT_REGION } from './constants.js';
import type { Kms } from './kms.js';
import { KMS_API_OPERATIONS, type KmsOperationName } from './kms-api.js';

type KmsSdk = typeof import('@aws-sdk/client-kms');
let sdk: Promise<KmsSdk> | undefined;

/** @aws-sdk/client-kms, imported once, on first use. */
export function loadKmsSdk(): Promise<KmsSdk> {
  sdk ??= import('@aws-sdk/client-kms');
  return sdk;
}

export interface RemoteKmsOptions {
  /**
   * An http(s) URL of an AWS-KMS-compatible endpoint, e.g. `http://127.0.0.1:4599` for
   * `envelope serve`. Default: AWS KMS's endpoint for the region (or the `endpoint_url` /
   * `AWS_ENDPOINT_URL_KMS` of the AWS configuration).
   */
  readonly endpoint?: string;
  /** Default: the AWS SDK's region (`AWS_REGION`, the profile's `region`), else us-east-1. */
  readonly region?: string;
  /** A profile of `~/.aws/config` / `~/.aws/credentials`. Default: `AWS_PROFILE`, else `default`. */
  readonly profile?: string;
  /** Credentials or a credential provider. Default: the SDK's node provider chain for `profile`. */
  readonly credentials?: KMSClientConfig['credentials'];
  /** Attempts per request, retries included (default: the SDK's, 3). */
  readonly maxAttempts?: number;
  /**
   * Make the calls as an IAM role: the credentials above (or the profile's) call STS AssumeRole
   * for it — at the same endpoint when one is set (`envelope serve` answers STS too), else AWS
   * STS for the region — and the KMS requests are signed with the session (refreshed before it
   * expires). As SOPS does for a `kms` entry's `role`.
   */
  readonly assumeRole?: { readonly roleArn: string; readonly sessionName: string };
}

/** Node's codes for an endpoint that cannot be reached at all. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** A failure of the SDK as a KmsError named like the AWS exception (service errors keep their name and status). */
export function kmsErrorFromSdk(e: unknown): Error {
  if (e instanceof KmsError) return e;
  const err = e as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof err?.name === 'string' && /Exception$|Error$/.test(err.name) && err.name !== 'Error' && err.name !== 'TypeError') {
    const status = err.$metadata?.httpStatusCode ?? 400;
    return new KmsError(err.name, typeof err.message === 'string' ? err.message : err.name, status, { cause: e });
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The URL of a serialized request (what the SDK was about to send). */
function requestUrl(request: unknown): string | undefined {
  const r = request as { protocol?: string; hostname?: string; port?: number; path?: string } | undefined;
  if (typeof r?.hostname !== 'string') return undefined;
  return `${r.protocol ?? 'https:'}//${r.hostname}${r.port !== undefined ? `:${r.port}` : ''}${r.path ?? '/'}`;
}

/** Every AWS KMS operation of `KmsApi` is a method of RemoteKms (defined on the prototype below). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface RemoteKms extends Pick<Kms, KmsOperationName> {}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class RemoteKms {
  readonly region: string;
  /** The endpoint URL given, or undefined for AWS KMS's regional endpoints. */
  readonly endpoint: string | undefined;
  readonly profile: string | undefined;
  private readonly sdk: KmsSdk;
  private readonly config: Omit<KMSClientConfig, 'region'>;
  private readonly clients = new Map<string, KMSClient>();

  private constructor(kmsSdk: KmsSdk, opts: RemoteKmsOptions, region: string, credentials: KMSClientConfig['credentials']) {
    this.sdk = kmsSdk;
    this.region = region;
    this.endpoint = opts.endpoint;
    this.profile = opts.profile;
    this.config = {
      credentials,
      ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
      ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
      ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    };
  }

  /** Opens a RemoteKms: loads the SDK, resolves the region and sets up the credential chain (no request is sent). */
  static async open(opts: RemoteKmsOptions = {}): Promise<RemoteKms> {
    if (opts.endpoint !== undefined) {
      let url: URL | undefined;
      try {
        url = new URL(opts.endpoint);
      } catch {
        url = undefined;
      }
      if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
        throw new TypeError(`the KMS endpoint must be an http(s) URL, got "${opts.endpoint}"`);
      }
    }
    const kmsSdk = await loadKmsSdk();
    let credentials = opts.credentials;
    const providers = credentials === undefined || opts.assumeRole !== undefined ? await import('@aws-sdk/credential-providers') : undefined;
    if (credentials === undefined) credentials = providers!.fromNodeProviderChain(opts.profile !== undefined ? { profile: opts.profile } : {});
    const region = opts.region ?? (await sdkRegion(kmsSdk, opts.profile)) ?? DEFAULT_REGION;
    const endpoint = opts.endpoint ?? (opts.profile !== undefined ? await configuredEndpoint(opts.profile) : undefined);
    if (opts.assumeRole !== undefined) {
      credentials = providers!.fromTemporaryCredentials({
        params: { RoleArn: opts.assumeRole.roleArn, RoleSessionName: opts.assumeRole.sessionName },
        masterCredentials: credentials as FromTemporaryCredentialsOptions['masterCredentials'],
        clientConfig: { region, ...(endpoint !== undefined ? { endpoint } : {}), ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}) },
      });
    }
    return new RemoteKms(kmsSdk, { ...opts, ...(endpoint !== undefined ? { endpoint } : {}) }, region, credentials);
  }

  /** The KMSClient for `region` (default: this KMS's region): one per region, same endpoint and credentials. */
  clientFor(region: string = this.region): KMSClient {
    let client = this.clients.get(region);
    if (client === undefined) {
      client = new this.sdk.KMSClient({ ...this.config, region });
      client.middlewareStack.add(
        (next, context) => async (args) => {
          try {
            return await next(args);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code === undefined || !CONNECTION_CODES.has(code)) throw e;
            const url = requestUrl(args.request) ?? this.location(region);
            throw new KmsError('EndpointConnectionError', `Could not connect to the endpoint URL: "${url}" (${code}, ${String(context.commandName ?? 'request')})`, 503, { cause: e });
          }
        },
        { step: 'build', name: 'envelopeEndpointConnectionError' },
      );
      this.clients.set(region, client);
    }
    return client;
  }

  /** Where requests for `region` go: the endpoint given, else AWS KMS's regional endpoint URL. */
  location(region: string = this.region): string {
    if (this.endpoint !== undefined) return this.endpoint;
    const resolved = this.clientFor(region).config.endpointProvider({ Region: region, UseFIPS: false, UseDualStack: false }, {});
    return resolved.url.toString();
  }

  /** Sends one AWS KMS operation; resolves with the response body (no `$metadata`). */
  async send(operation: KmsOperationName, request: object, region?: string): Promise<unknown> {
    const Command = (this.sdk as unknown as Record<string, unknown>)[`${operation}Command`];
    if (typeof Command !== 'function') throw new UnsupportedOperationException(`${operation} is not an operation of @aws-sdk/client-kms`);
    try {
      const response = (await this.clientFor(region).send(new (Command as new (input: object) => never)(request))) as unknown as Record<string, unknown>;
      const { $metadata: _metadata, ...body } = response;
      return body;
    } catch (e) {
      const error = kmsErrorFromSdk(e);
      if (error instanceof KmsError && error.name === 'CredentialsProviderError') {
        const source = this.profile !== undefined ? `AWS profile "${this.profile}"` : 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the default profile';
        throw new KmsError(error.name, `${error.message} for ${this.location(region)} (looked in ${source})`, 400, { cause: e });
      }
      throw error;
    }
  }

  /** Closes the clients' connections. */
  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }
}

for (const operation of KMS_API_OPERATIONS) {
  Object.defineProperty(RemoteKms.prototype, operation, {
    value(this: RemoteKms, request: object = {}) {
      return this.send(operation, request);
    },
    writable: true,
    configurable: true,
  });
}

/**
 * The configured endpoint for KMS ("Service-specific endpoints" in the AWS SDKs and Tools
 * Reference Guide): AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, else the profile's `endpoint_url`. The
 * SDK reads a profile's `endpoint_url` only for the profile AWS_PROFILE names; this applies it to
 * the profile given explicitly as well, with the same precedence.
 */
async function configuredEndpoint(profile: string): Promise<string | undefined> {
  const { loadConfig } = await import('@smithy/core/config');
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return loadConfig<string | undefined>(
    {
      environmentVariableSelector: (env) => str(env['AWS_ENDPOINT_URL_KMS']) ?? str(env['AWS_ENDPOINT_URL']),
      configFileSelector: (section) => str(section['endpoint_url']),
      default: undefined,
    },
    { profile },
  )();
}

/** The region the AWS SDK resolves on its own (AWS_REGION, the profile's region), if any. */
async function sdkRegion(kmsSdk: KmsSdk, profile: string | undefined): Promise<string | undefined> {
  const probe = new kmsSdk.KMSClient(profile !== undefined ? { profile } : {});
  try {
    return await probe.config.region();
  } catch {
    return undefined;
  } finally {
    probe.destroy();
  }
}

/**
 * Whether `~/.aws/config` or `~/.aws/credentials` (or the files AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE name) define the profile `name`; read by the AWS SDK's own loader.
 */
export async function awsProfileExists(name: string): Promise<boolean> {
  const { loadSharedConfigFiles } = await import('@smithy/core/config');
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  return Object.hasOwn(configFile, name) || Object.hasOwn(credentialsFile, name);
}
