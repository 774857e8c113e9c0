/**
 * `npm run bench -- config`: SOPS-compatible config files (docs/CONFIG.md "Performance").
 * 1. `envelope config decrypt` of a 1,000-value YAML file (age recipient) against the CLI's own
 *    start-up (`envelope --version`), medians of 5 runs each; target ≤ 2×.
 * 2. A 10 MB YAML file (BENCH_CONFIG_MB to change the size) encrypted, decrypted and re-encrypted in-process (one round trip = decrypt +
 *    re-encrypt of the decrypted text); target ≤ 2 s.
 * Prints the figures and whether each target is met; the machine's load is printed too, since
 * shared CI machines skew both.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ageIdentityToString, encryptConfig, generateAgeIdentity, openConfig, parsePlain, reencrypt, systemRandom,
} from '@envelope/core';

const BIN = resolve(import.meta.dirname, '..', 'packages', 'cli', 'bin', 'envelope.js');
const RUNS = 5;

function yamlWith(values: number): string {
  let s = '# generated for the config benchmark\n';
  for (let i = 0; i < values / 4; i++) {
    s += `service_${i}:\n    host: host-${i}.internal.example.com\n    port: ${1000 + (i % 50000)}\n    password: ${randomBytes(12).toString('hex')}\n    enabled: ${i % 2 === 0}\n`;
  }
  return s;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeSpawn(args: string[], env: NodeJS.ProcessEnv): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`envelope ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return performance.now() - t;
}

const dir = mkdtempSync(join(tmpdir(), 'envelope-bench-config-'));
try {
  console.log(`load average: ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine`);
  const id = generateAgeIdentity(systemRandom);
  writeFileSync(join(dir, 'keys.txt'), `${ageIdentityToString(id.secret)}\n`);
  const file = join(dir, 'app.yaml');
  writeFileSync(file, await encryptConfig(yamlWith(1000), { format: 'yaml', keys: { age: [id.recipient] } }));
  const env = { ...process.env, ENVELOPE_HOME: join(dir, 'home'), SOPS_AGE_KEY_FILE: join(dir, 'keys.txt'), NODE_NO_WARNINGS: '1' };
  timeSpawn(['--version'], env); // warm the file cache
  const startup = median(Array.from({ length: RUNS }, () => timeSpawn(['--version'], env)));
  const decrypt = median(Array.from({ length: RUNS }, () => timeSpawn(['config', 'decrypt', file], env)));
  const ratio = decrypt / startup;
  console.log(`1,000-value YAML: envelope config decrypt ${decrypt.toFixed(0)} ms, CLI start-up ${startup.toFixed(0)} ms → ${ratio.toFixed(2)}× (target ≤ 2×: ${ratio <= 2 ? 'met' : 'NOT met'})`);

  const targetMb = Number(process.env['BENCH_CONFIG_MB'] ?? '10');
  const big = yamlWith(Math.round((targetMb * 1e6) / 30));
  const mb = Buffer.byteLength(big) / 1e6;
  let t = performance.now();
  const enc = await encryptConfig(big, { format: 'yaml', keys: { age: [id.recipient] } });
  const tEnc = performance.now() - t;
  t = performance.now();
  const opened = await openConfig(enc, 'yaml', { ageIdentities: [id] });
  const plain = opened.doc.serialize();
  const tDec = performance.now() - t;
  t = performance.now();
  reencrypt(parsePlain(plain, 'yaml'), opened);
  const tRe = performance.now() - t;
  const trip = tDec + tRe;
  console.log(`${mb.toFixed(1)} MB YAML (${(Buffer.byteLength(enc) / 1e6).toFixed(1)} MB encrypted): encrypt ${tEnc.toFixed(0)} ms; decrypt ${tDec.toFixed(0)} ms + re-encrypt ${tRe.toFixed(0)} ms = round trip ${trip.toFixed(0)} ms (target for 10 MB ≤ 2000 ms: ${targetMb !== 10 ? 'n/a at this size' : trip <= 2000 ? 'met' : 'NOT met'})`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
