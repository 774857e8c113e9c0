/** DeriveSharedSecret (AWS KMS API Reference): ECDH between the key and a peer SPKI public key. */
import { InvalidKeyUsageException } from '../../errors.js';
import { ecdh, type EccSpec } from '../asymmetric.js';
import { currentMaterial } from '../material.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type { DeriveSharedSecretRequest, DeriveSharedSecretResponse } from '../types.js';
import { requireBytes, requireEnum, requireString } from './validate.js';

export const deriveSharedSecretOp: Operation<DeriveSharedSecretRequest, DeriveSharedSecretResponse> = {
  name: 'DeriveSharedSecret',
  mutates: false,
  validate(req) {
    requireString(req.KeyId, 'KeyId');
    requireEnum(req.KeyAgreementAlgorithm, 'KeyAgreementAlgorithm', ['ECDH'] as const);
    requireBytes(req.PublicKey, 'PublicKey', 1, 8192);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    if (key.keyUsage !== 'KEY_AGREEMENT') {
      throw new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for DeriveSharedSecret.`);
    }
    const { material } = currentMaterial(ctx.sealer, key);
    try {
      return {
        KeyId: key.arn,
        SharedSecret: ecdh(key.keySpec as EccSpec, material, req.PublicKey),
        KeyAgreementAlgorithm: 'ECDH',
        KeyOrigin: key.origin,
      };
    } finally {
      material.fill(0);
    }
  },
};
