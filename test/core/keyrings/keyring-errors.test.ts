/**
 * keyrings/keyring-errors.ts: when no EDK unwraps, KmsKeyring, AwsKmsKeyring and MultiKeyring all
 * report the most relevant failure — AccessDenied, then key state errors, then others, then
 * "not this key" (NotFound / IncorrectKey) — the first among equals.
 */
import { strict as assert } from 'node:assert';
import type { KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsKeyring, KmsError, MultiKeyring } from '@envelope/core';
import type { DecryptRequest, EncryptedDataKey, Keyring } from '@envelope/core';
import { mostRelevantError } from '../../../packages/core/src/keyrings/keyring-errors.js';

const err = (name: string, message = name) => new KmsError(name, message);

describe('keyrings: the most relevant unwrap error', () => {
  it('ranks AccessDenied > key state > others > NotFound/IncorrectKey, first among equals', () => {
    assert.equal(mostRelevantError([]), undefined);
    const notFound = err('NotFoundException');
    const incorrect = err('IncorrectKeyException');
    const invalid = err('InvalidCiphertextException');
    const plain = new Error('socket hang up');
    const disabled = err('DisabledException');
    const pending = err('KMSInvalidStateException');
    const denied = err('AccessDeniedException');
    assert.equal(mostRelevantError([notFound, incorrect]), notFound);
    assert.equal(mostRelevantError([notFound, invalid, incorrect]), invalid);
    assert.equal(mostRelevantError([incorrect, plain, invalid]), plain);
    assert.equal(mostRelevantError([notFound, plain, disabled, pending]), disabled);
    assert.equal(mostRelevantError([notFound, disabled, denied, plain]), denied);
    assert.equal(mostRelevantError(['thrown string', notFound]), 'thrown string');
  });

  const request: DecryptRequest = { suiteId: 1, context: {}, encryptedDataKeys: [] };
  const failing = (e: Error): Keyring => ({
    onEncrypt: () => Promise.reject(new Error('unused')),
    onDecrypt: () => Promise.reject(e),
  });

  it('MultiKeyring: a later AccessDenied wins over an earlier NotFound', async () => {
    const multi = new MultiKeyring({ children: [failing(err('NotFoundException')), failing(err('AccessDeniedException', 'denied'))] });
    await assert.rejects(multi.onDecrypt(request), { name: 'AccessDeniedException', message: 'denied' });
    const same = new MultiKeyring({ children: [failing(err('InvalidCiphertextException', 'first')), failing(err('InvalidCiphertextException', 'second'))] });
    await assert.rejects(same.onDecrypt(request), { message: 'first' });
  });

  it('AwsKmsKeyring: an AccessDenied EDK is not hidden by a later NotFound one', async () => {
    const arn = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;
    const answers: Record<string, Error> = { [arn('a')]: err('AccessDeniedException', 'denied a'), [arn('b')]: err('NotFoundException', 'no b') };
    const client = { send: (cmd: { input: { KeyId: string } }) => Promise.reject(answers[cmd.input.KeyId]) } as unknown as KMSClient;
    const keyring = new AwsKmsKeyring({ client: () => client, keyIds: [arn('a'), arn('b')] });
    const edk = (id: string): EncryptedDataKey => ({ providerId: 'aws-kms', keyId: arn(id), providerInfo: '', ciphertext: new Uint8Array(8) });
    await assert.rejects(keyring.onDecrypt({ ...request, encryptedDataKeys: [edk('a'), edk('b')] }), { name: 'AccessDeniedException', message: 'denied a' });
  });
});
