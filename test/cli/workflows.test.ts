// `envelope snapshot | image | replicate` (docs/WORKFLOWS.md) through the real command tree: two
// profiles in two accounts, share --dry-run / --grant-key-access, copy, the missing-permission
// report, and a copy SIGKILLed half-way (nothing half-visible; the rerun works).
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { encrypt } from '../../packages/core/src/stream/buffer-api.js';
import { RawAesKeyring } from '../../packages/core/src/keyrings/raw-aes-keyring.js';
import { join } from 'node:path';
import { BIN, cli, ok, tempHome } from './helpers.js';

const A = '111111111111';
const B = '222222222222';

describe('envelope snapshot / image / replicate', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  let keyA: string;
  let keyB: string;
  const opts = () => ({ home });
  const asA = (...argv: string[]) => ['--profile', 'a', ...argv];
  const asB = (...argv: string[]) => ['--profile', 'b', ...argv];

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-cli-wf-'));
    await ok(['profile', 'add', 'a', '--account', A], opts());
    await ok(['profile', 'add', 'b', '--account', B], opts());
    keyA = (await ok(asA('--json', 'key', 'create', '--alias', 'alias/a-disks'), opts())).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
    keyB = (await ok(asB('--json', 'key', 'create', '--alias', 'alias/b-disks'), opts())).json<{ KeyMetadata: { Arn: string } }>().KeyMetadata.Arn;
  });
  after(() => cleanup());

  it('create, share (dry run, then with key access), copy as the other account, export and decrypt', async () => {
    const data = randomBytes(150_000);
    await writeFile(join(home, 'disk.img'), data);
    const id = (await ok(asA('snapshot', 'create', 'disk.img', '--key', 'alias/a-disks', '--description', 'root disk'), opts())).out.trim();
    assert.match(id, /^snap-[0-9a-f]{17}$/);
    assert.match((await ok(asA('snapshot', 'list'), opts())).out, new RegExp(`${id}  ${A}  us-east-1  150000 B  ${keyA}`));

    const check = await cli(asB('snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks', '--check'), opts());
    assert.equal(check.code, 1, 'snapshot copy --check exits 1 when anything is missing');
    assert.match(check.out, new RegExp(`^missing: snapshot ${id}: .*\nmissing: kms:DescribeKey on ${keyA} \\(source key\\): cross-account`));
    const denied = await cli(asB('snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'), opts());
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, new RegExp(`^AccessDeniedException: The copy of ${id} cannot start: 4 missing permissions:`));
    assert.match(denied.stderr, new RegExp(`- snapshot ${id}: .*not shared with account ${B}`));
    assert.match(denied.stderr, new RegExp(`- kms:Decrypt on ${keyA} \\(source key\\): cross-account: the key policy`));

    const dry = await ok(asA('snapshot', 'share', id, '--account', B, '--grant-key-access', '--dry-run'), opts());
    assert.match(dry.out, new RegExp(`would: add account ${B} to the createVolumePermission of ${id}`));
    assert.match(dry.out, new RegExp(`missing: key policy of ${keyA}: kms:CreateGrant for account ${B}`));
    await ok(asA('snapshot', 'share', id, '--account', B, '--grant-key-access'), opts());
    assert.match((await ok(asB('snapshot', 'list', '--shared-with-me'), opts())).out, new RegExp(id));
    const policy = (await ok(asA('--json', 'policy', 'get', keyA), opts())).out;
    assert.match(policy, /EnvelopeShareWith222222222222/);

    assert.equal((await ok(asB('snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks', '--check'), opts())).out, `the copy of ${id} (rekey) has every permission it needs\n`);
    const copyId = (await ok(asB('snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'), opts())).out.trim();
    await ok(asB('snapshot', 'export', copyId, '-o', 'copy.env'), opts());
    const exported = (await ok(asB('--json', 'snapshot', 'export', copyId, '-o', 'copy2.env'), opts())).json<{ SnapshotId: string; Output: string }>();
    assert.deepEqual([exported.SnapshotId, exported.Output], [copyId, join(home, 'copy2.env')], '--json prints a JSON summary');
    const exists = await cli(asB('snapshot', 'export', copyId, '-o', 'copy.env'), opts());
    assert.deepEqual([exists.code, /^UsageError: .*--force/.test(exists.stderr)], [2, true], exists.stderr);
    const unknown = await cli(asB('snapshot', 'export', 'snap-0123456789abcdef0', '-o', 'none.env'), opts());
    assert.deepEqual([unknown.code, /^\w+Exception: /.test(unknown.stderr)], [1, true], unknown.stderr);
    assert.ok(!(await readdir(home)).some((f) => f.startsWith('none.env') || f.startsWith('.none.env')), 'a failed export leaves no file');
    await ok(asB('decrypt', 'copy.env', '-o', 'copy.img'), opts());
    assert.deepEqual(await readFile(join(home, 'copy.img')), data);
    // The copy's KMS calls are in both accounts' audit logs, naming the workflow service.
    type Events = { Events: { eventName: string; recipientAccountId: string; userIdentity: { arn: string; invokedBy?: string } }[] };
    const inA = (await ok(asA('--json', 'audit', 'query', '--account', A, '--principal', `arn:aws:iam::${B}:root`), opts())).json<Events>().Events;
    for (const name of ['CreateGrant', 'Decrypt']) {
      assert.ok(inA.some((e) => e.eventName === name && e.userIdentity.invokedBy === 'ec2.us-east-1.amazonaws.com'), `${name} in A's log`);
    }
    const inB = (await ok(asB('--json', 'audit', 'query', '--account', B, '--event', 'GenerateDataKey'), opts())).json<Events>().Events;
    assert.ok(inB.some((e) => e.userIdentity.invokedBy === 'ec2.us-east-1.amazonaws.com'));
    const described = (await ok(asB('--json', 'snapshot', 'describe', copyId), opts())).json<{ Snapshot: { keyArn: string; source: { mode: string } } }>();
    assert.equal(described.Snapshot.keyArn, keyB);
    assert.equal(described.Snapshot.source.mode, 'rekey');

    const imageId = (await ok(asA('image', 'create', '--name', 'web', '--snapshot', id), opts())).out.trim();
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    await ok(asA('image', 'share', imageId, '--account', B), opts());
    const imgCopy = (await ok(asB('--json', 'image', 'copy', imageId, '--source-account', A, '--key', keyB, '--rewrap', '--name', 'web-b'), opts())).json<{ Image: { snapshotIds: string[] } }>();
    assert.equal(imgCopy.Image.snapshotIds.length, 1);
  });

  it('replicate re-keys, skips and lists customer-key objects, and resumes', async () => {
    const from = join(home, 'bucket-a');
    await mkdir(from, { recursive: true });
    await writeFile(join(home, 'secret'), 'x');
    await ok(asA('encrypt', 'secret', '--key', 'alias/a-disks', '-o', join(from, 'k.env')), opts());
    const customer = new RawAesKeyring({ keyNamespace: 'customer', keyName: 'sse-c', wrappingKey: new Uint8Array(32).fill(1) });
    await writeFile(join(from, 'sse-c.bin'), await encrypt(new TextEncoder().encode('customer data'), { keyring: customer }));
    const r = await ok(asA('replicate', '--from', from, '--to', 'bucket-b', '--key', 'alias/a-disks'), opts());
    assert.match(r.out, /^replicated: 1\nalready done \(journal\): 0\nskipped, customer-provided key \(never replicated\): 1\n  - sse-c.bin\n/);
    const again = await ok(asA('replicate', '--from', from, '--to', 'bucket-b', '--key', 'alias/a-disks'), opts());
    assert.match(again.out, /^replicated: 0\nalready done \(journal\): 2\n/);
    await ok(asA('decrypt', join('bucket-b', 'k.env'), '-o', 'k.out'), opts());
    assert.equal(await readFile(join(home, 'k.out'), 'utf8'), 'x');
    // Bucket-like locations live under <home>/buckets.
    const s3 = await ok(asA('replicate', '--from', 'bucket-b', '--to', 's3://replica-bucket/2026/logs', '--key', 'alias/a-disks'), opts());
    assert.match(s3.out, /^replicated: 1\n/);
    assert.deepEqual(await readdir(join(home, 'buckets', 'replica-bucket', '2026', 'logs')), ['.envelope-replication.journal', 'k.env']);
    const bad = await cli(asA('replicate', '--from', 'bucket-b', '--to', 's3://Bad_Bucket', '--key', 'alias/a-disks'), opts());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a valid bucket name/);
  });

  it('a copy killed with SIGKILL half-way leaves nothing visible, and the rerun works', async function () {
    const big = join(home, 'big.img');
    await writeFile(big, randomBytes(96 << 20));
    const id = (await ok(asA('snapshot', 'create', 'big.img', '--key', 'alias/a-disks'), opts())).out.trim();
    await ok(asA('snapshot', 'share', id, '--account', B, '--grant-key-access'), opts());
    const staging = join(home, 'artifacts', B, 'us-east-1', '.staging');
    const child = spawn(process.execPath, [BIN, '--profile', 'b', 'snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'], {
      cwd: home, env: { ...process.env, ENVELOPE_HOME: home, NODE_NO_WARNINGS: '1' }, stdio: 'ignore',
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    // Kill once the staged body has 8 MiB in it: mid-copy.
    let killed = false;
    for (let i = 0; i < 5000 && !killed; i++) {
      for (const d of await readdir(staging).catch(() => [] as string[])) {
        const s = await stat(join(staging, d, 'body.env')).catch(() => undefined);
        if (s && s.size > 8 << 20) {
          child.kill('SIGKILL');
          killed = true;
        }
      }
      if (!killed) await new Promise((r) => setTimeout(r, 2));
    }
    await exited;
    assert.ok(killed, 'the copy was killed mid-way');
    const listed = (await ok(asB('--json', 'snapshot', 'list'), opts())).json<{ Snapshots: { source: { snapshotId?: string } }[] }>();
    assert.ok(!listed.Snapshots.some((s) => s.source.snapshotId === id), 'no half-copied snapshot is visible');
    assert.equal((await readdir(staging)).length, 1, 'only the dead copy’s staging directory remains');
    const copyId = (await ok(asB('snapshot', 'copy', id, '--source-account', A, '--key', 'alias/b-disks'), opts())).out.trim();
    assert.deepEqual(await readdir(staging), [], 'the rerun swept the dead staging directory');
    assert.match(copyId, /^snap-/);
  });
});
