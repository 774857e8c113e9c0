/**
 * Pure CLI helpers: AWS JSON ↔ Kms shape conversion (base64 blobs, epoch-second timestamps,
 * EncryptionContext untouched), `k=v` parsing, `--range` parsing, and the error → exit-code map.
 */
import { strict as assert } from 'node:assert';
import { Kms, KmsError, NotFoundException, KMSInternalException } from '@envelope/core';
import { fromWire, toWire, decodeBase64, ShapeError } from '../../packages/cli/src/aws-json/shapes.js';
import { isKmsOperation, KMS_OPERATIONS } from '../../packages/cli/src/aws-json/operations.js';
import { parseKeyValues } from '../../packages/cli/src/util/key-value.js';
import { reportError, UsageError } from '../../packages/cli/src/errors.js';
import { renderTable, renderText } from '../../packages/cli/src/util/render.js';

describe('AWS JSON shapes', () => {
  it('decodes blobs and timestamps by field name, recursively', () => {
    const req = fromWire({
      KeyId: 'alias/x',
      Plaintext: 'aGVsbG8=',
      ValidTo: 1700000000.5,
      Recipient: { AttestationDocument: 'AAEC', KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' },
      EncryptionContext: { Plaintext: 'not-base64!', CiphertextBlob: 'also not' },
    }) as Record<string, unknown>;
    assert.deepEqual(req['Plaintext'], new TextEncoder().encode('hello'));
    assert.deepEqual(req['ValidTo'], new Date(1700000000500));
    assert.deepEqual((req['Recipient'] as Record<string, unknown>)['AttestationDocument'], new Uint8Array([0, 1, 2]));
    assert.deepEqual(req['EncryptionContext'], { Plaintext: 'not-base64!', CiphertextBlob: 'also not' });
  });

  it("renders Date and ISO-string timestamps as ISO-8601 with dates: 'iso' (human output)", () => {
    const text = toWire({ KeyMetadata: { CreationDate: new Date(1500), Rotations: [{ RotationDate: '2026-01-02T03:04:05.000Z' }] } }, '', 'iso');
    assert.deepEqual(text, { KeyMetadata: { CreationDate: '1970-01-01T00:00:01.500Z', Rotations: [{ RotationDate: '2026-01-02T03:04:05.000Z' }] } });
  });

  it('encodes Uint8Array as base64 and Date as epoch seconds, dropping undefined', () => {
    const wire = toWire({
      CiphertextBlob: new Uint8Array([1, 2, 3]),
      KeyMetadata: { CreationDate: new Date(1500), DeletionDate: undefined, Enabled: true },
      Keys: [{ KeyId: 'k' }],
      EncryptionContext: { a: 'b' },
    });
    assert.deepEqual(wire, { CiphertextBlob: 'AQID', KeyMetadata: { CreationDate: 1.5, Enabled: true }, Keys: [{ KeyId: 'k' }], EncryptionContext: { a: 'b' } });
  });

  it('rejects non-base64 blobs and non-string blobs with SerializationException', () => {
    assert.throws(() => decodeBase64('a*b', 'Plaintext'), ShapeError);
    assert.throws(() => fromWire({ CiphertextBlob: 42 }), (e: Error) => e.name === 'SerializationException');
    assert.throws(() => fromWire({ ValidTo: 'soon' }), ShapeError);
  });

  it('serves every AWS operation the local Kms implements (only custom key stores are missing)', () => {
    const methods = Object.getOwnPropertyNames(Kms.prototype).filter((m) => /^[A-Z]/.test(m) && m !== 'GetOrCreateAwsManagedKey');
    assert.deepEqual(methods.filter((m) => !isKmsOperation(m)), []);
    assert.deepEqual(KMS_OPERATIONS.filter((o) => !methods.includes(o)).filter((o) => !/CustomKeyStore/.test(o)), []);
  });

  it('knows every AWS KMS operation and nothing else', () => {
    assert.ok(KMS_OPERATIONS.length >= 50);
    assert.ok(isKmsOperation('GenerateDataKey'));
    assert.ok(!isKmsOperation('constructor'));
    assert.ok(!isKmsOperation('toString'));
  });
});

describe('CLI helpers', () => {
  it('parses k=v pairs: first = splits, duplicates and empty keys refused', () => {
    assert.deepEqual(parseKeyValues(['a=1', 'b=x=y', 'c='], '--context'), { a: '1', b: 'x=y', c: '' });
    assert.equal(parseKeyValues([], '--context'), undefined);
    assert.throws(() => parseKeyValues(['=v'], '--context'), UsageError);
    assert.throws(() => parseKeyValues(['novalue'], '--context'), /--context expects key=value/);
    assert.throws(() => parseKeyValues(['a=1', 'a=2'], '--context'), /given twice/);
  });

  it('maps errors to exit codes: KmsError 1, usage 2, internal with a stack', () => {
    const nf = reportError(new NotFoundException('Key x does not exist'), false);
    assert.deepEqual(nf, { code: 1, text: 'NotFoundException: Key x does not exist\n' });
    assert.equal(reportError(new UsageError('bad flag'), false).code, 2);
    const internal = reportError(new KMSInternalException('boom'), false);
    assert.equal(internal.code, 1);
    assert.match(internal.text, /^KMSInternalException: boom\n.*at /s);
    assert.match(reportError(new KmsError('AccessDeniedException', 'no', 400), true).text, /\n\s+at /);
    const interrupted = reportError(Object.assign(new Error('interrupted by SIGINT'), { name: 'AbortError' }), false);
    assert.equal(interrupted.code, 130);
    assert.match(interrupted.text, /^Interrupted: [^\n]+\n$/, 'one line, Name: message');
    const bug = reportError(new Error('unexpected'), false);
    assert.match(bug.text, /please report/);
  });

  it('renders results as text and tables', () => {
    assert.equal(renderText({ A: 1, B: { C: 'x' }, D: ['p', 'q'] }), 'A: 1\nB:\n  C: x\nD: p, q');
    assert.equal(renderTable(['Id', 'Name'], [['1', 'one'], ['22', 'two']]), 'Id  Name\n1   one\n22  two');
  });
});
