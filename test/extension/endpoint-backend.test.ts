/**
 * The `envelope.endpoint` setting end to end: the extension's backend talks to a real
 * `envelope serve` (AWS JSON 1.1 + SigV4, packages/cli/src/serve) through @aws-sdk/client-kms with
 * credentials from the standard AWS chain (environment), lists keys for the Keys view and
 * encrypts/decrypts files with AwsKmsKeyring.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDefaultKms, systemClock, systemRandom } from '@envelope/core';
import { startKmsServer, type RunningServer } from '../../packages/cli/src/serve/server.js';
import { decryptFiles } from '../../extension/src/commands/decrypt-files.js';
import { encryptFiles } from '../../extension/src/commands/encrypt-files.js';
import { inspectFile } from '../../extension/src/file-crypto.js';
import { openKeyBackend, type KeyBackend } from '../../extension/src/key-backend.js';
import { loadKeyInventory } from '../../extension/src/key-inventory.js';
import { resolveSettings } from '../../extension/src/settings.js';
import { commandEnv, FakeUi } from './helpers/fake-ui.js';

const ACCESS_KEY = 'AKIAENVELOPEEXTTEST1';
const SECRET = 'extension-test-secret-access-key-0000000';
const ACCOUNT = '111122223333';

describe('extension: envelope.endpoint (envelope serve through the AWS SDK)', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let backend: KeyBackend;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'envelope-ext-endpoint-'));
    server = await startKmsServer({
      kms: openDefaultKms({ home: join(dir, 'server-home'), region: 'us-east-1' }),
      lookupAccessKey: async (id) => (id === ACCESS_KEY ? { secretAccessKey: SECRET, principal: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT } : undefined),
      region: 'us-east-1',
      clock: systemClock,
      random: systemRandom,
      host: '127.0.0.1',
      port: 0,
    });
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) saved[k] = process.env[k];
    process.env['AWS_ACCESS_KEY_ID'] = ACCESS_KEY;
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;
    delete process.env['AWS_SESSION_TOKEN'];
    delete process.env['AWS_PROFILE'];
    const settings = resolveSettings((n) => ({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1' })[n], {}, { defaultHome: join(dir, 'unused') });
    backend = await openKeyBackend(settings, { confirmCreateKeystore: async () => assert.fail('no local keystore for an endpoint'), passphrase: async () => undefined });
  });
  after(async () => {
    await backend?.close();
    await server?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('manages keys and encrypts/decrypts files over the endpoint', async () => {
    assert.equal(backend.kind, 'endpoint');
    const created = await backend.api.CreateKey({ Description: 'over http' });
    await backend.api.CreateAlias({ AliasName: 'alias/remote', TargetKeyId: created.KeyMetadata!.KeyId! });
    const inv = await loadKeyInventory(backend.api);
    assert.deepEqual(inv.find((k) => k.keyId === created.KeyMetadata!.KeyId)?.aliases, ['alias/remote']);

    const ui = new FakeUi();
    const settings = () => resolveSettings((n) => ({ endpoint: `http://127.0.0.1:${server.port}`, deleteOriginalAfterEncrypt: true })[n], {}, { defaultHome: dir });
    const env = commandEnv(ui, backend, settings);
    const file = join(dir, 'remote.txt');
    writeFileSync(file, 'sent through envelope serve\n');
    ui.keyAnswers.push((choices) => choices.find((c) => c.keyId === 'alias/remote')?.keyId);
    ui.inputAnswers.push('via=endpoint');
    await encryptFiles(env, [file]);
    const { header } = await inspectFile(`${file}.enc`);
    assert.equal(header.encryptedDataKeys[0]!.providerId, 'aws-kms');
    assert.equal(header.encryptedDataKeys[0]!.keyId, created.KeyMetadata!.Arn);
    await decryptFiles(env, [`${file}.enc`]);
    assert.equal(readFileSync(file, 'utf8'), 'sent through envelope serve\n');
  });
});
