/**
 * Keystore scale (docs/KMS.md "Scale", docs/PERFORMANCE.md "Keystore"): a store of 10,000
 * symmetric keys × 10 versions each (sealed material, aliases, default policies) is written
 * once, then timed: open (read + decode + root key check), first Decrypt of an old version
 * (lazy unseal), Encrypt, and one committed update (CreateKey rewrites the whole file).
 * KEYS=<n> VERSIONS=<m> override the size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Keystore, section, KEYSTORE_FILE } from '../packages/core/src/keystore/keystore.js';
import { Kms } from '../packages/core/src/kms/kms.js';
import { keyArn, newKeyId, newVersionId } from '../packages/core/src/kms/identifiers.js';
import { aliasKey, emptyKmsSection, KMS_SECTION, type KeyRecord } from '../packages/core/src/kms/key-record.js';
import { sealMaterial } from '../packages/core/src/kms/material.js';
import { defaultKeyPolicy } from '../packages/core/src/policy/default-key-policy.js';
import { systemRandom } from '../packages/core/src/defaults.js';

const KEYS = Number(process.env.KEYS ?? 10_000);
const VERSIONS = Number(process.env.VERSIONS ?? 10);
const ROOT = 'cd'.repeat(32);
const account = '111122223333';
const region = 'us-east-1';
const DAY = 86_400_000;

const home = mkdtempSync(join(tmpdir(), 'envelope-keystore-bench-'));
const ms = (t0: number) => `${(performance.now() - t0).toFixed(1)} ms`;
try {
  const t0 = performance.now();
  const builder = Keystore.open({ home, rootKey: ROOT });
  let firstKeyId = '';
  await builder.update((state) => {
    const kms = section(state, KMS_SECTION, emptyKmsSection);
    const policy = defaultKeyPolicy(account);
    const start = Date.UTC(2020, 0, 1);
    for (let i = 0; i < KEYS; i++) {
      const keyId = newKeyId(systemRandom, false);
      if (i === 0) firstKeyId = keyId;
      const arn = keyArn(region, account, keyId);
      const rec: KeyRecord = {
        arn, keyId, accountId: account, region, createdAt: start, description: `bench key ${i}`,
        keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS', keyManager: 'CUSTOMER',
        state: 'Enabled', policy, tags: [{ TagKey: 'team', TagValue: `t${i % 17}` }], multiRegion: false,
        rotation: { enabled: true, periodDays: 365, nextRotation: start + VERSIONS * 365 * DAY }, versions: [],
      };
      for (let v = 0; v < VERSIONS; v++) {
        const id = newVersionId(systemRandom);
        rec.versions.push({ id, createdAt: start + v * 365 * DAY, ...(v ? { rotationType: 'AUTOMATIC' as const } : {}), sealed: sealMaterial(builder.sealer, keyId, id, systemRandom(32)) });
      }
      kms.keys[arn] = rec;
      kms.aliases[aliasKey(account, region, `alias/bench-${i}`)] = { accountId: account, region, name: `alias/bench-${i}`, targetKeyId: keyId, createdAt: start, updatedAt: start };
    }
  });
  const size = statSync(join(home, KEYSTORE_FILE)).size;
  console.log(`built ${KEYS} keys × ${VERSIONS} versions (${(size / 1e6).toFixed(1)} MB) in ${ms(t0)}`);

  // Wall time is noisy on a shared machine; CPU time (user + system) of this process is not.
  const runs: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    const store = Keystore.open({ home, rootKey: ROOT });
    store.read();
    const used = process.cpuUsage(c);
    runs.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  runs.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  console.log(`open (read + decode + root key check): wall median ${runs[2]!.toFixed(1)} ms (min ${runs[0]!.toFixed(1)}, max ${runs[4]!.toFixed(1)}); CPU median ${cpu[2]!.toFixed(1)} ms`);

  const store = Keystore.open({ home, rootKey: ROOT });
  const kms = new Kms({ store, audit: undefined });
  let t = performance.now();
  const ct = await kms.Encrypt({ KeyId: 'alias/bench-0', Plaintext: new Uint8Array(32) });
  console.log(`first Encrypt via alias: ${ms(t)}`);
  t = performance.now();
  await kms.Decrypt({ CiphertextBlob: ct.CiphertextBlob });
  console.log(`Decrypt: ${ms(t)}`);
  t = performance.now();
  await kms.DescribeKey({ KeyId: firstKeyId });
  console.log(`DescribeKey: ${ms(t)}`);
  t = performance.now();
  const c = process.cpuUsage();
  await kms.CreateKey({});
  const used = process.cpuUsage(c);
  console.log(`CreateKey (one committed update, whole-file rewrite + fsync): ${ms(t)} wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
