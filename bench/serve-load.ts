/**
 * Load driver for `envelope serve` (issue 5): N concurrent AWS SDK v3 clients each run M rounds of
 * GenerateDataKey + Decrypt against the endpoint and check every unwrapped key. Shared by the
 * moderate load test (test/cli/serve.test.ts) and the full benchmark (bench/serve.ts).
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export interface LoadOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly keyId: string;
  readonly clients: number;
  readonly rounds: number;
  readonly context?: Record<string, string>;
}

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50ms: number;
  readonly p99ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runServeLoad(opts: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const clients = Array.from({ length: opts.clients }, () =>
    new KMSClient({
      region: opts.region,
      endpoint: opts.endpoint,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      maxAttempts: 1,
    }),
  );
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let i = 0; i < opts.rounds; i++) {
        try {
          let t = performance.now();
          const gen = await client.send(
            new GenerateDataKeyCommand({ KeyId: opts.keyId, KeySpec: 'AES_256', ...(opts.context ? { EncryptionContext: opts.context } : {}) }),
          );
          latencies.push(performance.now() - t);
          t = performance.now();
          const dec = await client.send(
            new DecryptCommand({ CiphertextBlob: gen.CiphertextBlob, ...(opts.context ? { EncryptionContext: opts.context } : {}) }),
          );
          latencies.push(performance.now() - t);
          if (!gen.Plaintext || !dec.Plaintext || Buffer.compare(Buffer.from(gen.Plaintext), Buffer.from(dec.Plaintext)) !== 0) {
            throw new Error('Decrypt returned a different data key than GenerateDataKey');
          }
        } catch (e) {
          errors += 1;
          firstError ??= `${(e as Error).name}: ${(e as Error).message}`;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const c of clients) c.destroy();
  latencies.sort((a, b) => a - b);
  const requests = opts.clients * opts.rounds * 2;
  return {
    requests,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    seconds,
    requestsPerSecond: requests / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
  };
}
