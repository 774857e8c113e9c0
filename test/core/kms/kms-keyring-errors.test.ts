/**
 * KmsKeyring.onDecrypt surfaces why a key it owns could not unwrap (keyring.ts: "Throws a KmsError
 * when a key it owns fails to unwrap for a reason the caller must see"): another account's key ARN
 * without permission is AccessDeniedException with the evaluator's reason, as a direct Kms Decrypt
 * reports it — not IncorrectKeyException; with several failing EDKs the most relevant error wins.
 */
import assert from 'node:assert/strict';
import { KmsKeyring } from '../../../packages/core/src/keyrings/kms-keyring.js';
import { decrypt, encrypt } from '../../../packages/core/src/api.js';
import { readHeader } from '../../../packages/core/src/stream/random-access.js';
import { rootCaller } from '../../../packages/core/src/kms/call-context.js';
import { Iam } from '../../../packages/core/src/iam/iam.js';
import { DAY, makeKms, rejectsWith, tempHome, text, utf8 } from './helpers.js';

const B = '444455556666';

describe('KmsKeyring: errors of the keys it owns reach the caller', function () {
  this.timeout(30_000);
  let env: ReturnType<typeof tempHome>;
  beforeEach(() => { env = tempHome(); });
  afterEach(() => env.cleanup());

  async function setUp() {
    const made = makeKms(env.home);
    await new Iam({ store: made.store }).CreateAccount({ AccountId: B });
    return made;
  }

  it("another account's key ARN without permission: AccessDeniedException with the reason a direct Decrypt gives", async () => {
    const { kms } = await setUp();
    const a = (await kms.CreateKey()).KeyMetadata; // default key policy: account A only
    const context = { app: 'x' };
    const ct = await encrypt(utf8('for A only'), { keyring: new KmsKeyring({ kms, keyIds: [a.Arn] }), context });
    const edk = (await readHeader(ct)).encryptedDataKeys[0]!;
    const direct = await rejectsWith(kms.Decrypt({ KeyId: a.Arn, CiphertextBlob: edk.ciphertext, EncryptionContext: context }, rootCaller(B)), 'AccessDeniedException');
    const viaKeyring = await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: [a.Arn], caller: rootCaller(B) }) }), 'AccessDeniedException');
    assert.equal(viaKeyring.message, direct.message);
    assert.match(viaKeyring.message, /not authorized to perform: kms:Decrypt/);
    // An alias ARN the caller may not resolve (DescribeKey denied) is reported too; a missing alias owns nothing.
    await kms.CreateAlias({ AliasName: 'alias/a-only', TargetKeyId: a.KeyId });
    const aliasArn = a.Arn.replace(/key\/.*$/, 'alias/a-only');
    const denied = await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: [aliasArn], caller: rootCaller(B) }) }), 'AccessDeniedException');
    assert.match(denied.message, /kms:DescribeKey/);
    await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: ['alias/none'], caller: rootCaller(B) }) }), 'IncorrectKeyException');
    // The owner still decrypts with the same keyring configuration.
    assert.equal(text((await decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: [a.Arn] }) })).plaintext), 'for A only');
  });

  it('several failing EDKs: access denied outranks a deleted key tried after it; no key owned is still IncorrectKeyException', async () => {
    const { kms, clock } = await setUp();
    const a = (await kms.CreateKey()).KeyMetadata; // account A's key, B not allowed
    const gone = (await kms.CreateKey({}, rootCaller(B))).KeyMetadata; // B's own key, deleted below
    const ct = await encrypt(utf8('two keys'), { keyring: new KmsKeyring({ kms, keyIds: [a.Arn] }) });
    // Re-wrap the same data key under B's key too: EDK order [A, B's key].
    const both = await encrypt(utf8('two keys'), {
      keyring: {
        onEncrypt: async (req) => {
          const first = await new KmsKeyring({ kms, keyIds: [a.Arn] }).onEncrypt(req);
          const second = await new KmsKeyring({ kms, keyIds: [gone.Arn], caller: rootCaller(B) }).onEncrypt({ ...req, dataKey: first.dataKey });
          return { dataKey: first.dataKey, encryptedDataKeys: [...first.encryptedDataKeys, ...second.encryptedDataKeys] };
        },
        onDecrypt: async () => undefined,
      },
    });
    await kms.ScheduleKeyDeletion({ KeyId: gone.KeyId, PendingWindowInDays: 7 }, rootCaller(B));
    clock.advance(8 * DAY);
    const keyring = new KmsKeyring({ kms, keyIds: [gone.Arn, a.Arn], caller: rootCaller(B) });
    const e = await rejectsWith(decrypt(both, { keyring }), 'AccessDeniedException');
    assert.match(e.message, /kms:Decrypt/);
    assert.doesNotMatch(e.message, /[0-9a-f]{64}/, 'no key material or blob in the message');
    await rejectsWith(decrypt(ct, { keyring: new KmsKeyring({ kms, keyIds: [gone.Arn], caller: rootCaller(B) }) }), 'IncorrectKeyException');
  });
  it('an EDK that unwraps to a key of the wrong length is InvalidCiphertextException, and the unwrapped bytes are wiped', async () => {
    const { kms } = makeKms(env.home);
    const arn = (await kms.CreateKey()).KeyMetadata.Arn;
    const short = await kms.GenerateDataKey({ KeyId: arn, KeySpec: 'AES_128' });
    const decrypt = kms.Decrypt.bind(kms);
    const unwrapped: Uint8Array[] = [];
    kms.Decrypt = (async (...args: Parameters<typeof decrypt>) => {
      const res = await decrypt(...args);
      unwrapped.push(res.Plaintext);
      return res;
    }) as typeof kms.Decrypt;
    const keyring = new KmsKeyring({ kms, keyIds: [arn] });
    const edk = { providerId: 'envelope-kms', keyId: arn, providerInfo: '', ciphertext: short.CiphertextBlob };
    await rejectsWith(keyring.onDecrypt({ suiteId: 1, context: {}, encryptedDataKeys: [edk] }), 'InvalidCiphertextException');
    assert.equal(unwrapped.length, 1);
    assert.ok(unwrapped[0]!.every((b) => b === 0));
  });
});
