/**
 * `envelope audit verify|digest` (docs/ACCESS.md "Audit log", docs/CLI.md): the CLI verifies with
 * the audit secret and anchor held in the keystore, so tampering with the audit directory — here
 * digests re-signed with another key, and the account's directory deleted — exits 1 with its kind;
 * `--strict` fails on events after the last signed digest until `audit digest` signs them.
 * (Every kind of tampering is tested on the core in test/core/audit/audit-log.test.ts.)
 */
import { strict as assert } from 'node:assert';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIGESTS_FILE } from '../../packages/core/src/audit/audit-log.js';
import { ed25519Signer, signDigest, type DigestRecord } from '../../packages/core/src/audit/audit-chain.js';
import { cli, ok, tempHome } from './helpers.js';

const ACCOUNT = '111122223333';

interface Report { ok: boolean; unanchored: number; signedThrough: number; issues: { kind: string; message: string }[] }

describe('envelope audit verify', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => { ({ dir: home, cleanup } = await tempHome('envelope-audit-')); });
  afterEach(() => cleanup());

  it('passes on an untouched log, --strict needs a digest over the tail, and tampering exits 1 with its kind', async () => {
    await ok(['key', 'create', '--alias', 'alias/a'], { home });
    await ok(['key', 'list'], { home });
    const first = (await ok(['--json', 'audit', 'verify'], { home })).json<Report>();
    assert.equal(first.ok, true);
    assert.ok(first.unanchored >= 1, JSON.stringify(first));
    const strict = await cli(['--json', 'audit', 'verify', '--strict'], { home });
    assert.equal(strict.code, 1, strict.stderr);
    assert.deepEqual(strict.json<Report>().issues.map((i) => i.kind), ['unanchored']);
    await ok(['audit', 'digest'], { home });
    const signed = (await ok(['--json', 'audit', 'verify', '--strict'], { home })).json<Report>();
    assert.deepEqual([signed.ok, signed.unanchored], [true, 0]);

    // Digests re-signed by an attacker's key (no root key, so no audit secret): caught.
    const digestsPath = join(home, 'audit', ACCOUNT, DIGESTS_FILE);
    const original = readFileSync(digestsPath, 'utf8');
    const attacker = ed25519Signer(new Uint8Array(32).fill(0x42));
    let previousDigestSignature: string | null = null;
    writeFileSync(digestsPath, original.split('\n').filter(Boolean).map((l) => {
      const { signature: _s, publicKey: _p, ...d } = JSON.parse(l) as DigestRecord;
      const forged = signDigest({ ...d, previousDigestSignature }, attacker);
      previousDigestSignature = forged.signature;
      return JSON.stringify(forged) + '\n';
    }).join(''));
    const resigned = await cli(['--json', 'audit', 'verify'], { home });
    assert.equal(resigned.code, 1, resigned.stderr);
    assert.ok(resigned.json<Report>().issues.some((i) => i.kind === 'digest'), resigned.out);

    // The account's whole audit directory deleted: the keystore anchor still names what was there.
    rmSync(join(home, 'audit', ACCOUNT), { recursive: true });
    const gone = await cli(['audit', 'verify'], { home });
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.out, /FAILED/);
    assert.match(gone.out, /missing: the account's audit directory is missing \(the keystore anchors events 1 to \d+/);
  });
});
