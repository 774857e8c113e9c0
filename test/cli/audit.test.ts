/**
 * `envelope audit verify` trusts the digest key recovered from the keystore's sealed signing key
 * (openAuditLogFor(store), docs/ACCESS.md "Audit log"), not `digest-signing.pub` beside the log:
 * an attacker who rewrites the chain, re-signs the digests with their own key and replaces the
 * public key file is still caught.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog, DIGESTS_FILE, EVENTS_FILE, PUBLIC_KEY_FILE } from '../../packages/core/src/audit/audit-log.js';
import { ed25519Signer, hashLine, signDigest, toHex, type DigestRecord } from '../../packages/core/src/audit/audit-chain.js';
import { Keystore } from '../../packages/core/src/keystore/keystore.js';
import { openAuditLogFor } from '../../packages/core/src/kms/audit-log-sink.js';
import { cli, ok, tempHome } from './helpers.js';

const ACCOUNT = '111122223333';

describe('envelope audit verify', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => { ({ dir: home, cleanup } = await tempHome('envelope-audit-')); });
  afterEach(() => cleanup());

  it('catches digests re-signed by an attacker who also replaced digest-signing.pub', async () => {
    await ok(['key', 'create', '--alias', 'alias/a'], { home });
    await ok(['key', 'create', '--alias', 'alias/b'], { home });
    await ok(['--json', 'key', 'describe', 'alias/a'], { home });
    await openAuditLogFor(Keystore.open({ home })).writeDigest(ACCOUNT);
    await ok(['key', 'list'], { home });
    assert.equal((await ok(['--json', 'audit', 'verify'], { home })).json<{ ok: boolean }>().ok, true);

    // The attacker edits an event, rewrites the chain and re-signs every digest with their own key.
    const dir = join(home, 'audit');
    const eventsPath = join(dir, ACCOUNT, EVENTS_FILE);
    const digestsPath = join(dir, ACCOUNT, DIGESTS_FILE);
    const records = readFileSync(eventsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    records[1].event.eventName = 'ListAliases';
    let prev = '0'.repeat(64);
    const hashes = new Map<number, string>();
    const lines = records.map((r) => {
      const line = JSON.stringify({ sequence: r.sequence, previousHash: prev, event: r.event });
      prev = hashLine(line);
      hashes.set(r.sequence, prev);
      return line;
    });
    writeFileSync(eventsPath, lines.map((l) => l + '\n').join(''));
    const attacker = ed25519Signer(new Uint8Array(32).fill(0x42));
    let previousDigestSignature: string | null = null;
    const digests = readFileSync(digestsPath, 'utf8').split('\n').filter(Boolean).map((l) => {
      const { signature: _s, publicKey: _p, ...d } = JSON.parse(l) as DigestRecord;
      const forged: DigestRecord = signDigest({ ...d, lastEventHash: hashes.get(d.endSequence)!, previousDigestSignature }, attacker);
      previousDigestSignature = forged.signature;
      return JSON.stringify(forged);
    });
    assert.ok(digests.length >= 1);
    writeFileSync(digestsPath, digests.map((l) => l + '\n').join(''));
    writeFileSync(join(dir, PUBLIC_KEY_FILE), toHex(attacker.publicKey) + '\n');

    // Trusting the public key file, the forgery passes…
    assert.equal(AuditLog.open({ dir }).verify(ACCOUNT).ok, true);
    // …the CLI recovers the key from the sealed signing key and rejects every forged digest.
    const verify = await cli(['--json', 'audit', 'verify'], { home });
    assert.equal(verify.code, 1, verify.stderr);
    const report = verify.json<{ ok: boolean; issues: { kind: string }[] }>();
    assert.equal(report.ok, false);
    assert.ok(report.issues.some((i) => i.kind === 'digest'), JSON.stringify(report.issues));
  });
});
