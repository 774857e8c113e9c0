/**
 * RemoteKms (packages/core/src/kms/remote-kms.ts) against a real `envelope serve` handler over
 * HTTP, next to the embedded Kms behind it: the same `KmsApi` calls give the same results, AWS
 * errors keep their names and statuses, responses carry no SDK `$metadata`, `keyringFor` picks
 * AwsKmsKeyring for it (and KmsKeyring for the embedded Kms), and a closed port is one
 * EndpointConnectionError naming the URL.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import {
  AwsKmsKeyring, decrypt, encrypt, KMS_API_OPERATIONS, KmsError, KmsKeyring, keyringFor, openDefaultKms, RemoteKms,
  systemClock, systemRandom, type Kms, type KmsApi,
} from '@envelope/core';
import { startKmsServer, type RunningServer } from '../../packages/cli/src/serve/server.js';
import { tempHome } from './helpers.js';

const ACCOUNT = '111122223333';
const ACCESS_KEY = 'AKIAREMOTEKMSTEST001';
const SECRET = 'remote-kms-test-secret-access-key-000000';

describe('RemoteKms: the KmsApi over an AWS-compatible endpoint', function () {
  this.timeout(60_000);
  let cleanup: () => Promise<void>;
  let server: RunningServer;
  let embedded: Kms;
  let remote: RemoteKms;

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempHome('envelope-remote-kms-'));
    embedded = openDefaultKms({ home: join(dir, 'server'), region: 'us-east-1' });
    server = await startKmsServer({
      kms: embedded,
      lookupAccessKey: async (id) => (id === ACCESS_KEY ? { secretAccessKey: SECRET, principal: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT } : undefined),
      region: 'us-east-1',
      clock: systemClock,
      random: systemRandom,
      host: '127.0.0.1',
      port: 0,
    });
    remote = await RemoteKms.open({
      endpoint: `http://127.0.0.1:${server.port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET },
    });
  });
  after(async () => {
    remote?.close();
    await server?.close();
    await cleanup?.();
  });

  it('implements every KmsApi operation, and the same calls give the same results as the embedded Kms', async () => {
    for (const op of KMS_API_OPERATIONS) assert.equal(typeof (remote as unknown as Record<string, unknown>)[op], 'function', op);
    const api: KmsApi = remote;
    const created = await api.CreateKey({ Description: 'over http' });
    assert.ok(!('$metadata' in created));
    await api.CreateAlias({ AliasName: 'alias/remote', TargetKeyId: created.KeyMetadata.KeyId });
    const viaRemote = await api.DescribeKey({ KeyId: 'alias/remote' });
    const viaEmbedded = await embedded.DescribeKey({ KeyId: 'alias/remote' });
    assert.equal(viaRemote.KeyMetadata.Arn, viaEmbedded.KeyMetadata.Arn);
    assert.ok(viaRemote.KeyMetadata.CreationDate instanceof Date);
    const e = await api.Encrypt({ KeyId: 'alias/remote', Plaintext: new TextEncoder().encode('hi'), EncryptionContext: { a: 'b' } });
    const d = await embedded.Decrypt({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { a: 'b' } });
    assert.equal(new TextDecoder().decode(d.Plaintext), 'hi');
  });

  it('AWS errors keep their names and HTTP statuses as KmsErrors', async () => {
    await assert.rejects(remote.DescribeKey({ KeyId: 'alias/missing' }), (e: unknown) => e instanceof KmsError && e.name === 'NotFoundException' && e.httpStatus === 400);
    const wrong = await RemoteKms.open({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'not-the-secret' } });
    try {
      await assert.rejects(wrong.ListKeys({}), (e: unknown) => e instanceof KmsError && /Signature/.test(e.name));
    } finally {
      wrong.close();
    }
  });

  it('keyringFor: AwsKmsKeyring (aws-kms EDKs) over a RemoteKms, KmsKeyring over the embedded Kms; messages round-trip', async () => {
    const remoteRing = keyringFor(remote, { keyIds: ['alias/remote'] });
    assert.ok(keyringFor(remote, { discovery: true }) instanceof AwsKmsKeyring);
    assert.ok(keyringFor(embedded, { keyIds: ['alias/remote'] }) instanceof KmsKeyring);
    const message = await encrypt(new TextEncoder().encode('wrapped remotely'), { keyring: remoteRing, context: { k: 'v' } });
    const { plaintext, header } = await decrypt(message, { keyring: keyringFor(remote, { discovery: true }) });
    assert.equal(new TextDecoder().decode(plaintext), 'wrapped remotely');
    assert.equal(header.encryptedDataKeys[0]!.providerId, 'aws-kms');
  });

  it('a strict keyring decrypts with the keys it was given by alias, key id or ARN (resolved through DescribeKey)', async () => {
    const { KeyMetadata } = await remote.DescribeKey({ KeyId: 'alias/remote' });
    const message = await encrypt(new TextEncoder().encode('strict'), { keyring: keyringFor(remote, { keyIds: ['alias/remote'] }) });
    for (const id of ['alias/remote', KeyMetadata.KeyId, KeyMetadata.Arn]) {
      const { plaintext } = await decrypt(message, { keyring: keyringFor(remote, { keyIds: [id] }) });
      assert.equal(new TextDecoder().decode(plaintext), 'strict', id);
    }
    const other = await remote.CreateKey({});
    await assert.rejects(decrypt(message, { keyring: keyringFor(remote, { keyIds: [other.KeyMetadata.KeyId] }) }), { name: 'IncorrectKeyException' });
  });

  it('an endpoint that cannot be reached is one EndpointConnectionError naming the URL', async () => {
    const down = await RemoteKms.open({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    try {
      await assert.rejects(down.ListKeys({}), (e: unknown) => e instanceof KmsError && e.name === 'EndpointConnectionError' && e.message.startsWith('Could not connect to the endpoint URL: "http://127.0.0.1:9/" (ECONNREFUSED'));
    } finally {
      down.close();
    }
    await assert.rejects(RemoteKms.open({ endpoint: 'ftp://x' }), TypeError);
  });
});
