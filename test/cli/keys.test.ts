/**
 * `envelope key | alias | policy | grant | iam | profile | audit | kms` in-process against a temp
 * keystore (docs/CLI.md): the flag spellings the docs rely on, AWS-shaped --json output, and AWS
 * error names with exit code 1.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, ok, tempHome } from './helpers.js';

interface KeyMetadata { KeyId: string; Arn: string; KeyState: string; KeySpec: string; KeyUsage: string; Description: string; MultiRegion: boolean; CreationDate: number; Origin: string }

describe('envelope keys and access commands', function () {
  this.timeout(60_000);
  let home: string;
  let cleanup: () => Promise<void>;
  const o = () => ({ home });
  const create = async (...flags: string[]) => (await ok(['--json', 'key', 'create', ...flags], o())).json<{ KeyMetadata: KeyMetadata }>().KeyMetadata;

  before(async () => {
    ({ dir: home, cleanup } = await tempHome('envelope-keys-'));
  });
  after(() => cleanup());

  it('key create prints {"KeyMetadata": …} with --json and honours every flag', async () => {
    await writeFile(join(home, 'policy.json'), JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
    }));
    const k = await create('--alias', 'alias/app', '--description', 'the app key', '--tag', 'team=ops', '--policy', '@policy.json');
    assert.match(k.Arn, /^arn:aws:kms:us-east-1:111122223333:key\//);
    assert.equal(k.Description, 'the app key');
    assert.equal(typeof k.CreationDate, 'number', 'timestamps are epoch seconds in JSON');
    const human = (await ok(['key', 'describe', k.KeyId], o())).out;
    const iso = new Date(k.CreationDate * 1000).toISOString();
    assert.ok(human.includes(`CreationDate: ${iso}`), `human output shows ISO-8601 timestamps:\n${human}`);
    const d = (await ok(['--json', 'key', 'describe', 'alias/app'], o())).json<{ KeyMetadata: KeyMetadata }>();
    assert.equal(d.KeyMetadata.KeyId, k.KeyId);
    assert.match((await ok(['policy', 'get', 'alias/app'], o())).out, /"Sid": "root"/);
    const sign = await create('--spec', 'ECC_NIST_P256', '--usage', 'SIGN_VERIFY');
    assert.equal(sign.KeySpec, 'ECC_NIST_P256');
    const mrk = await create('--multi-region');
    assert.equal(mrk.MultiRegion, true);
    const list = (await ok(['--json', 'key', 'list'], o())).json<{ Keys: { KeyId: string }[] }>();
    assert.ok([k, sign, mrk].every((x) => list.Keys.some((y) => y.KeyId === x.KeyId)));
    assert.match((await ok(['key', 'list'], o())).out, /alias\/app/);
    const tags = (await ok(['--json', 'key', 'tag', k.KeyId, 'env=prod', '--untag', 'team'], o())).json<{ Tags: { TagKey: string }[] }>();
    assert.deepEqual(tags.Tags.map((t) => t.TagKey), ['env']);
  });

  it('enable / disable / deletion lifecycle, with AWS errors as exit 1', async () => {
    const k = await create();
    await ok(['key', 'disable', k.KeyId], o());
    const enc = await cli(['kms', 'Encrypt', '--input-json', JSON.stringify({ KeyId: k.KeyId, Plaintext: Buffer.from('x').toString('base64') })], o());
    assert.equal(enc.code, 1);
    assert.match(enc.stderr, /^DisabledException: /);
    await ok(['key', 'enable', k.KeyId], o());
    const del = (await ok(['--json', 'key', 'schedule-deletion', k.KeyId, '--days', '7'], o())).json<{ KeyState: string; PendingWindowInDays: number }>();
    assert.equal(del.KeyState, 'PendingDeletion');
    assert.equal(del.PendingWindowInDays, 7);
    await ok(['key', 'cancel-deletion', k.KeyId], o());
    assert.equal((await ok(['--json', 'key', 'describe', k.KeyId], o())).json<{ KeyMetadata: KeyMetadata }>().KeyMetadata.KeyState, 'Disabled');
    const bad = await cli(['key', 'schedule-deletion', k.KeyId, '--days', 'soon'], o());
    assert.equal(bad.code, 2);
    const nf = await cli(['key', 'describe', '1234abcd-12ab-34cd-56ef-1234567890ab'], o());
    assert.equal(nf.code, 1);
    assert.match(nf.stderr, /^NotFoundException: /);
  });

  it('rotation: rotate, rotations, enable-rotation / disable-rotation', async () => {
    const k = await create();
    await ok(['key', 'enable-rotation', k.KeyId, '--period', '180'], o());
    await ok(['key', 'rotate', k.KeyId], o());
    const r = (await ok(['--json', 'key', 'rotations', k.KeyId], o())).json<{ KeyRotationEnabled: boolean; RotationPeriodInDays: number; Rotations: unknown[] }>();
    assert.equal(r.KeyRotationEnabled, true);
    assert.equal(r.RotationPeriodInDays, 180);
    assert.equal(r.Rotations.length, 1);
    await ok(['key', 'disable-rotation', k.KeyId], o());
    assert.equal((await ok(['--json', 'key', 'rotations', k.KeyId], o())).json<{ KeyRotationEnabled: boolean }>().KeyRotationEnabled, false);
  });

  it('imported key material: import-params and import --material', async () => {
    const k = await create('--origin', 'EXTERNAL');
    assert.equal(k.KeyState, 'PendingImport');
    const params = (await ok(['--json', 'key', 'import-params', k.KeyId], o())).json<{ PublicKey: string; ImportToken: string }>();
    assert.ok(params.PublicKey.length > 100 && params.ImportToken.length > 10);
    await writeFile(join(home, 'material.bin'), randomBytes(32));
    const after = (await ok(['--json', 'key', 'import', k.KeyId, '--material', '@material.bin'], o())).json<{ KeyMetadata: KeyMetadata }>();
    assert.equal(after.KeyMetadata.KeyState, 'Enabled');
    await writeFile(join(home, 'm.txt'), 'imported');
    await ok(['encrypt', 'm.txt', '--key', k.KeyId], o());
    assert.equal((await ok(['decrypt', 'm.txt.enc', '-o', '-'], o())).out, 'imported');
  });

  it('replicate a multi-Region key into another region', async () => {
    const k = await create('--multi-region');
    const r = (await ok(['--json', 'key', 'replicate', k.KeyId, '--replica-region', 'eu-west-1'], o())).json<{ ReplicaKeyMetadata: KeyMetadata }>();
    assert.match(r.ReplicaKeyMetadata.Arn, /^arn:aws:kms:eu-west-1:/);
    const d = (await ok(['--json', '--region', 'eu-west-1', 'key', 'describe', k.KeyId], o())).json<{ KeyMetadata: KeyMetadata }>();
    assert.equal(d.KeyMetadata.Arn, r.ReplicaKeyMetadata.Arn);
    assert.equal((await cli(['key', 'replicate', k.KeyId], o())).code, 2);
  });

  it('aliases: create, update, list, delete', async () => {
    const a = await create();
    const b = await create();
    await ok(['alias', 'create', 'alias/moving', a.KeyId], o());
    await ok(['alias', 'update', 'alias/moving', b.KeyId], o());
    const list = (await ok(['--json', 'alias', 'list', '--key', b.KeyId], o())).json<{ Aliases: { AliasName: string }[] }>();
    assert.deepEqual(list.Aliases.map((x) => x.AliasName), ['alias/moving']);
    await ok(['alias', 'delete', 'alias/moving'], o());
    assert.equal((await cli(['key', 'describe', 'alias/moving'], o())).code, 1);
    assert.equal((await cli(['key', 'create', '--alias', 'no-prefix'], o())).code, 2);
  });

  it('iam, profiles, policy explain, grants: a user acts through --profile', async () => {
    const k = await create('--alias', 'alias/shared');
    await ok(['iam', 'create-user', '--name', 'dave'], o());
    await ok(['profile', 'add', 'dave', '--account', '111122223333', '--principal', 'arn:aws:iam::111122223333:user/dave'], o());
    await writeFile(join(home, 'm.txt'), 'for dave');
    await ok(['encrypt', 'm.txt', '--key', 'alias/shared', '-o', 'dave.enc'], o());
    const denied = await cli(['--profile', 'dave', 'decrypt', 'dave.enc', '-o', '-'], o());
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /^AccessDeniedException: /);
    const denyRun = await cli(['--json', 'policy', 'explain', 'alias/shared', '--principal', 'arn:aws:iam::111122223333:user/dave', '--action', 'kms:Decrypt'], o());
    assert.equal(denyRun.code, 1, 'policy explain exits 1 on Deny');
    assert.equal(denyRun.json<{ decision: string }>().decision, 'Deny');

    const grant = (await ok(['--json', 'grant', 'create', k.KeyId, '--grantee', 'arn:aws:iam::111122223333:user/dave', '--operations', 'Decrypt,DescribeKey', '--name', 'dave-read'], o())).json<{ GrantId: string; GrantToken: string }>();
    assert.ok(grant.GrantId && grant.GrantToken);
    assert.equal((await ok(['--profile', 'dave', 'decrypt', 'dave.enc', '-o', '-'], o())).out, 'for dave');
    const grants = (await ok(['--json', 'grant', 'list', k.KeyId], o())).json<{ Grants: { GrantId: string; Name: string }[] }>();
    assert.deepEqual(grants.Grants.map((g) => g.Name), ['dave-read']);
    await ok(['grant', 'revoke', k.KeyId, grant.GrantId], o());
    assert.equal((await cli(['--profile', 'dave', 'decrypt', 'dave.enc', '-o', '-'], o())).code, 1);

    await writeFile(join(home, 'dave.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: k.Arn }] }));
    await ok(['iam', 'put-policy', '--user', 'dave', '--name', 'decrypt-shared', '--document', '@dave.json'], o());
    const allow = await ok(['policy', 'explain', 'alias/shared', '--principal', 'user/dave', '--action', 'kms:Decrypt'], o());
    assert.match(allow.out, /^Allow: /);
    assert.equal((await ok(['decrypt', 'dave.enc', '-o', '-'], { home, env: { ENVELOPE_PROFILE: 'dave' } })).out, 'for dave');

    const keyRes = (await ok(['--json', 'iam', 'create-access-key', '--user', 'dave'], o())).json<{ AccessKey: { AccessKeyId: string; SecretAccessKey: string } }>();
    assert.match(keyRes.AccessKey.AccessKeyId, /^AKIA/);
    assert.ok(keyRes.AccessKey.SecretAccessKey.length >= 30);
    const iamList = (await ok(['--json', 'iam', 'list'], o())).json<{ Users: { UserName: string }[]; AccessKeys: { AccessKeyId: string }[] }>();
    assert.ok(iamList.Users.some((u) => u.UserName === 'dave'));
    assert.ok(iamList.AccessKeys.some((x) => x.AccessKeyId === keyRes.AccessKey.AccessKeyId));
    assert.ok(!(await ok(['iam', 'list'], o())).out.includes(keyRes.AccessKey.SecretAccessKey), 'the secret is shown only once');

    await ok(['profile', 'use', 'dave'], o());
    assert.match((await ok(['profile', 'list'], o())).out, /default\s+arn:aws:iam::111122223333:user\/dave/);
    await ok(['profile', 'use', 'default'], o());
    assert.match((await ok(['profile', 'list'], o())).out, /default\s+arn:aws:iam::111122223333:root/);
    assert.equal((await cli(['--profile', 'nobody', 'key', 'list'], o())).code, 1);
  });

  it('roles and grant retirement by the retiring principal', async () => {
    const role = (await ok(['--json', 'iam', 'create-role', '--name', 'deployer', '--description', 'CI'], o())).json<{ Role: { Arn: string } }>();
    assert.equal(role.Role.Arn, 'arn:aws:iam::111122223333:role/deployer');
    const k = await create();
    const g = (await ok(['--json', 'grant', 'create', k.KeyId, '--grantee', role.Role.Arn, '--operations', 'Encrypt', '--retiring', 'arn:aws:iam::111122223333:root'], o())).json<{ GrantId: string }>();
    await ok(['grant', 'retire', '--key', k.Arn, '--grant-id', g.GrantId], o());
    assert.equal((await ok(['--json', 'grant', 'list', k.KeyId], o())).json<{ Grants: unknown[] }>().Grants.length, 0);
    assert.equal((await cli(['grant', 'retire'], o())).code, 2);
  });

  it('audit query finds allowed and denied calls, audit verify passes', async () => {
    const denied = (await ok(['--json', 'audit', 'query', '--error', 'AccessDeniedException'], o())).json<{ Events: { eventName: string; userIdentity: { arn: string } }[] }>();
    assert.ok(denied.Events.some((e) => e.eventName === 'Decrypt' && e.userIdentity.arn.endsWith(':user/dave')));
    const creates = (await ok(['--json', 'audit', 'query', '--event', 'CreateKey', '--limit', '2'], o())).json<{ Events: unknown[] }>();
    assert.equal(creates.Events.length, 2);
    const v = (await ok(['--json', 'audit', 'verify'], o())).json<{ ok: boolean; events: number }>();
    assert.equal(v.ok, true);
    assert.ok(v.events > 10);
  });

  it('kms <Operation> --input-json: AWS JSON in, AWS JSON out, @file inputs', async () => {
    const k = await create();
    await writeFile(join(home, 'gdk.json'), JSON.stringify({ KeyId: k.KeyId, NumberOfBytes: 32, EncryptionContext: { Plaintext: 'is just a key name here' } }));
    const g = (await ok(['kms', 'GenerateDataKey', '--input-json', '@gdk.json'], o())).json<{ Plaintext: string; CiphertextBlob: string; KeyId: string }>();
    assert.equal(Buffer.from(g.Plaintext, 'base64').length, 32);
    assert.equal(g.KeyId, k.Arn);
    const d = (await ok(['kms', 'Decrypt', '--input-json', JSON.stringify({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: { Plaintext: 'is just a key name here' } })], o())).json<{ Plaintext: string }>();
    assert.equal(d.Plaintext, g.Plaintext);
    assert.equal((await cli(['kms', 'MakeCoffee'], o())).code, 2);
    assert.equal((await cli(['kms', 'Decrypt', '--input-json', '{not json'], o())).code, 2);
    const leaky = await cli(['kms', 'Encrypt', '--input-json', '{"Plaintext": c2VjcmV0LXBsYWludGV4dA}'], o());
    assert.equal(leaky.code, 2);
    assert.match(leaky.stderr, /not valid JSON \(syntax error( at position \d+)?\)/);
    assert.ok(!leaky.stderr.includes('c2VjcmV0'), 'the JSON error must not echo the input');
    assert.equal((await cli(['kms', 'Decrypt', '--input-json', '{"CiphertextBlob": "%%%"}'], o())).code, 2);
    const missing = await cli(['kms', 'Encrypt', '--input-json', '{}'], o());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ValidationException: /);
  });

  it('help and version exit 0; no arguments and unknown options exit 2', async () => {
    assert.equal((await cli(['--version'], o())).code, 0);
    const help = await cli(['key', '--help'], o());
    assert.equal(help.code, 0);
    assert.match(help.out, /enable-rotation/);
    assert.equal((await cli([], o())).code, 2);
    const group = await cli(['key'], o());
    assert.equal(group.code, 2);
    assert.match(group.stderr, /Usage: envelope key/);
    assert.equal((await cli(['key', 'frob'], o())).code, 2);
    const unknown = await cli(['key', 'list', '--frobnicate'], o());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^UsageError: unknown option '--frobnicate'/);
  });
});
