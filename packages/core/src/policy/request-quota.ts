/**
 * Request quotas (AWS KMS Developer Guide, "Request quotas"): cryptographic operations share a
 * per-account, per-Region requests-per-second quota; above it AWS KMS answers
 * ThrottlingException. Modelled as a token bucket per account whose capacity equals one second
 * of requests; time comes from the injected clock. Optional: a Kms has no quota unless given one.
 */
import type { Clock } from '../defaults.js';
import { ThrottlingException } from '../errors.js';

/** AWS's published requests-per-second figures, usable as presets. */
export const KMS_QUOTA_PRESETS = {
  /** Cryptographic operations (symmetric), shared: most Regions. */
  'symmetric': 5_500,
  /** …in Regions with the middle quota (e.g. ap-northeast-1, eu-central-1). */
  'symmetric-10k': 10_000,
  /** …in us-east-1, us-west-2 and eu-west-1. */
  'symmetric-50k': 50_000,
  /** Cryptographic operations (RSA), shared. */
  'rsa': 500,
  /** Cryptographic operations (ECC), shared. */
  'ecc': 300,
  /** Cryptographic operations (HMAC), shared. */
  'hmac': 2_000,
} as const;
export type KmsQuotaPreset = keyof typeof KMS_QUOTA_PRESETS;

/** Operations counted against the shared cryptographic-operations quota. */
export const CRYPTOGRAPHIC_OPERATIONS: ReadonlySet<string> = new Set([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateRandom', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac',
  'DeriveSharedSecret', 'GetPublicKey',
]);

export interface RequestQuotaOptions {
  /** Requests per second, or a preset name. */
  readonly rate: number | KmsQuotaPreset;
  /** Bucket size; default one second's worth of requests. */
  readonly burst?: number;
  readonly clock: Clock;
  /** Which operations count: the cryptographic ones (AWS's shared quota, default) or all. */
  readonly scope?: 'cryptographic' | 'all';
}

export class RequestQuota {
  readonly rate: number;
  readonly burst: number;
  private readonly clock: Clock;
  private readonly scope: 'cryptographic' | 'all';
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(opts: RequestQuotaOptions) {
    const rate = typeof opts.rate === 'number' ? opts.rate : KMS_QUOTA_PRESETS[opts.rate];
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`"rate" expected a positive number or a preset name, got ${String(opts.rate)}`);
    this.rate = rate;
    this.burst = opts.burst ?? rate;
    if (!(this.burst >= 1)) throw new RangeError(`"burst" expected a number >= 1, got ${this.burst}`);
    this.clock = opts.clock;
    this.scope = opts.scope ?? 'cryptographic';
  }

  /** Takes one request from `accountId`'s bucket; throws ThrottlingException when empty. */
  take(accountId: string, operation: string): void {
    if (this.scope === 'cryptographic' && !CRYPTOGRAPHIC_OPERATIONS.has(operation)) return;
    const now = this.clock().getTime();
    const b = this.buckets.get(accountId) ?? { tokens: this.burst, at: now };
    const elapsed = Math.max(0, now - b.at) / 1000;
    b.tokens = Math.min(this.burst, b.tokens + elapsed * this.rate);
    b.at = now;
    this.buckets.set(accountId, b);
    if (b.tokens < 1) {
      throw new ThrottlingException(`Rate exceeded: account ${accountId} is over its ${this.rate} requests per second quota for ${operation}`);
    }
    b.tokens -= 1;
  }
}
