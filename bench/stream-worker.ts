/**
 * One measured file-to-file run for stream.bench.ts, in a fresh process so its peak RSS is its
 * own. stream.bench.ts bundles it with esbuild first, so the figure is the process's, not tsx's:
 * `node <bundle>.mjs <variant> <in> <out> [frameLength]`.
 * Prints one JSON line: { ms, cpuMs, maxRssMiB } (cpuMs = user + system CPU time of the run: the figure
 * that stays stable when other jobs compete for the cores). Variants: envelope-{encrypt,decrypt},
 * raw-{encrypt,decrypt} (a plain node:crypto chunked AES-256-GCM loop, the baseline),
 * esdk-{encrypt,decrypt} (@aws-crypto/client-node, raw AES keyring, unsigned committing suite),
 * copy (read + write only: the I/O wall), idle (the streams loaded, nothing streamed: the start-up floor).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
// The lean entry a service that brings its own keyring imports ('@envelope/core/streams').
import { createDecryptStream, createEncryptStream, RawAesKeyring } from '../packages/core/src/streams.js';

const [variant, input, output, frameArg] = process.argv.slice(2) as [string, string, string, string?];
const frameLength = frameArg ? Number(frameArg) : 65536;
const WRAPPING_KEY = new Uint8Array(32).fill(0x42);
const RAW_KEY = new Uint8Array(32).fill(0x24);
const READ_HWM = Number(process.env['BENCH_HWM'] ?? 1024 * 1024);

/** The baseline: one cipher per chunk, nonce = counter, tag appended; nothing else. */
function rawGcm(decrypting: boolean, chunk: number): Transform {
  let seq = 0;
  let pending: Buffer[] = [];
  let have = 0;
  const unit = decrypting ? chunk + 16 : chunk;
  const nonce = Buffer.alloc(12);
  const one = (t: Transform, data: Buffer) => {
    nonce.writeUInt32BE(seq++, 8);
    if (decrypting) {
      const d = createDecipheriv('aes-256-gcm', RAW_KEY, nonce);
      d.setAuthTag(data.subarray(data.length - 16));
      const out = d.update(data.subarray(0, data.length - 16));
      d.final();
      t.push(out);
    } else {
      const c = createCipheriv('aes-256-gcm', RAW_KEY, nonce);
      const out = c.update(data);
      c.final();
      t.push(out);
      t.push(c.getAuthTag());
    }
  };
  return new Transform({
    transform(buf: Buffer, _e, cb) {
      pending.push(buf);
      have += buf.length;
      if (have >= unit) {
        let all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        while (all.length >= unit) {
          one(this, all.subarray(0, unit));
          all = all.subarray(unit);
        }
        pending = all.length ? [all] : [];
        have = all.length;
      }
      cb();
    },
    flush(cb) {
      if (have > 0) one(this, Buffer.concat(pending));
      cb();
    },
  });
}

async function esdk(decrypting: boolean): Promise<Transform> {
  const sdk = await import('@aws-crypto/client-node');
  const { encryptStream, decryptStream } = sdk.buildClient(sdk.CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new sdk.RawAesKeyringNode({
    keyName: 'bench', keyNamespace: 'bench', unencryptedMasterKey: WRAPPING_KEY,
    wrappingSuite: sdk.RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  if (decrypting) return decryptStream(keyring) as unknown as Transform;
  return encryptStream(keyring, {
    suiteId: sdk.AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
    ...(frameArg ? { frameLength } : {}),
  }) as unknown as Transform;
}

async function transformFor(v: string): Promise<Transform | undefined> {
  const keyring = new RawAesKeyring({ keyName: 'bench', keyNamespace: 'bench', wrappingKey: WRAPPING_KEY });
  switch (v) {
    case 'envelope-encrypt': return createEncryptStream({ keyring, frameLength });
    case 'envelope-decrypt': return createDecryptStream({ keyring });
    case 'raw-encrypt': return rawGcm(false, frameLength);
    case 'raw-decrypt': return rawGcm(true, frameLength);
    case 'esdk-encrypt': return esdk(false);
    case 'esdk-decrypt': return esdk(true);
    case 'copy': return undefined;
    default: throw new Error(`unknown variant ${v}`);
  }
}

if (variant === 'idle') {
  await transformFor('envelope-encrypt');
  console.log(JSON.stringify({ ms: 0, cpuMs: 0, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}
const t = await transformFor(variant);
const cpu0 = process.cpuUsage();
const start = performance.now();
const src = createReadStream(input, { highWaterMark: READ_HWM });
const dst = createWriteStream(output, { highWaterMark: READ_HWM });
await (t ? pipeline(src, t, dst) : pipeline(src, dst));
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
