/**
 * GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext (AWS KMS API Reference): a fresh
 * key pair whose PKCS#8 private key is encrypted under a symmetric KMS key.
 */
import { InvalidKeyUsageException } from '../../errors.js';
import { generateDataKeyPair } from '../asymmetric.js';
import { keyIdTarget, keyOf, type OpContext, type Operation } from '../operation.js';
import type {
  DataKeyPairSpec, GenerateDataKeyPairRequest, GenerateDataKeyPairResponse, GenerateDataKeyPairWithoutPlaintextResponse,
} from '../types.js';
import { encryptUnder } from './symmetric.js';
import { requireEnum, requireString, validateContext } from './validate.js';

export const DATA_KEY_PAIR_SPECS: readonly DataKeyPairSpec[] = [
  'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1',
];

function validate(req: GenerateDataKeyPairRequest): void {
  requireString(req.KeyId, 'KeyId');
  requireEnum(req.KeyPairSpec, 'KeyPairSpec', DATA_KEY_PAIR_SPECS);
  validateContext(req.EncryptionContext);
}

async function generate(ctx: OpContext, req: GenerateDataKeyPairRequest): Promise<GenerateDataKeyPairResponse> {
  const key = keyOf(ctx);
  if (key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new InvalidKeyUsageException(`${key.arn} is not a symmetric encryption key; data key pairs need a SYMMETRIC_DEFAULT key.`);
  }
  const pair = await generateDataKeyPair(req.KeyPairSpec, ctx.random);
  const { blob } = encryptUnder(ctx, key, pair.privateKey, req.EncryptionContext);
  return {
    PrivateKeyCiphertextBlob: blob,
    PrivateKeyPlaintext: pair.privateKey,
    PublicKey: pair.publicKey,
    KeyId: key.arn,
    KeyPairSpec: req.KeyPairSpec,
  };
}

export const generateDataKeyPairOp: Operation<GenerateDataKeyPairRequest, GenerateDataKeyPairResponse> = {
  name: 'GenerateDataKeyPair',
  mutates: false,
  validate,
  targets: keyIdTarget,
  act: generate,
};

export const generateDataKeyPairWithoutPlaintextOp: Operation<GenerateDataKeyPairRequest, GenerateDataKeyPairWithoutPlaintextResponse> = {
  name: 'GenerateDataKeyPairWithoutPlaintext',
  mutates: false,
  validate,
  targets: keyIdTarget,
  async act(ctx, req) {
    const { PrivateKeyPlaintext, ...rest } = await generate(ctx, req);
    PrivateKeyPlaintext.fill(0);
    return rest;
  },
};
