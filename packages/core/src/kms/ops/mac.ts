/** GenerateMac, VerifyMac (AWS KMS API Reference; RFC 2104 HMAC with the key's hash). */
import { InvalidKeyUsageException, KMSInvalidMacException } from '../../errors.js';
import { constantTimeEqual, hmac } from '../asymmetric.js';
import type { KeyRecord } from '../key-record.js';
import { macAlgorithms } from '../key-specs.js';
import { currentMaterial } from '../material.js';
import { keyIdTarget, keyOf, type Operation, type OpContext } from '../operation.js';
import type { GenerateMacRequest, GenerateMacResponse, VerifyMacRequest, VerifyMacResponse } from '../types.js';
import { requireBytes, requireString } from './validate.js';

function macOf(ctx: OpContext, key: KeyRecord, req: GenerateMacRequest): Uint8Array {
  if (key.keyUsage !== 'GENERATE_VERIFY_MAC') {
    throw new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for MAC operations.`);
  }
  if (!macAlgorithms(key.keySpec)?.includes(req.MacAlgorithm)) {
    throw new InvalidKeyUsageException(`Algorithm ${req.MacAlgorithm} is incompatible with key spec ${key.keySpec}.`);
  }
  const { material } = currentMaterial(ctx.sealer, key);
  try {
    return hmac(req.MacAlgorithm, material, req.Message);
  } finally {
    material.fill(0);
  }
}

function validate(req: GenerateMacRequest): void {
  requireString(req.KeyId, 'KeyId');
  requireBytes(req.Message, 'Message', 1, 4096);
  requireString(req.MacAlgorithm, 'MacAlgorithm');
}

export const generateMacOp: Operation<GenerateMacRequest, GenerateMacResponse> = {
  name: 'GenerateMac',
  mutates: false,
  validate,
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    return { KeyId: key.arn, Mac: macOf(ctx, key, req), MacAlgorithm: req.MacAlgorithm };
  },
};

export const verifyMacOp: Operation<VerifyMacRequest, VerifyMacResponse> = {
  name: 'VerifyMac',
  mutates: false,
  validate(req) {
    validate(req);
    requireBytes(req.Mac, 'Mac', 1, 6144);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    if (!constantTimeEqual(macOf(ctx, key, req), req.Mac)) throw new KMSInvalidMacException('The MAC verification failed.');
    return { KeyId: key.arn, MacValid: true, MacAlgorithm: req.MacAlgorithm };
  },
};
