import { strict as assert } from 'node:assert';
import { KmsError, NotFoundException, KMSInternalException, isKmsError } from '../../packages/core/src/errors.js';

describe('errors', () => {
  it('subclasses carry the AWS exception name and HTTP status', () => {
    const e = new NotFoundException('Key not found');
    assert.ok(e instanceof KmsError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'NotFoundException');
    assert.equal(e.httpStatus, 400);
    assert.equal(e.fault, 'client');
    assert.equal(String(e), 'NotFoundException: Key not found');
    assert.ok(isKmsError(e, 'NotFoundException'));
    assert.ok(!isKmsError(e, 'DisabledException'));
    assert.ok(!isKmsError(new Error('x')));
  });
  it('internal errors are server faults', () => {
    const e = new KMSInternalException('boom');
    assert.equal(e.httpStatus, 500);
    assert.equal(e.fault, 'server');
  });
});
