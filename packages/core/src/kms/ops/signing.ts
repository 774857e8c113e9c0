/**
 * Sign, Verify, GetPublicKey (AWS KMS API Reference). RAW messages (≤ 4096 bytes) are hashed
 * with the algorithm's hash; DIGEST messages are the digest. ECDSA signatures are DER-encoded;
 * GetPublicKey returns the DER SubjectPublicKeyInfo.
 */
import { InvalidKeyUsageException, KMSInvalidSignatureException } from '../../errors.js';
import { eccSign, eccVerify, rsaSign, rsaVerify, type EccSpec } from '../asymmetric.js';
import type { KeyRecord } from '../key-record.js';
import { keyFamily, signingAlgorithms } from '../key-specs.js';
import { algorithmLists } from '../metadata.js';
import { currentMaterial, publicKeyOf } from '../material.js';
import { keyIdTarget, keyOf, type Operation, type OpContext } from '../operation.js';
import type {
  GetPublicKeyRequest, GetPublicKeyResponse, MessageType, SignRequest, SignResponse, SigningAlgorithmSpec, VerifyRequest, VerifyResponse,
} from '../types.js';
import { requireBytes, requireEnum, requireString } from './validate.js';

function checkSigningKey(key: KeyRecord, alg: SigningAlgorithmSpec): void {
  if (key.keyUsage !== 'SIGN_VERIFY') {
    throw new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for signing.`);
  }
  if (!signingAlgorithms(key.keySpec, key.keyUsage)?.includes(alg)) {
    throw new InvalidKeyUsageException(`Algorithm ${alg} is incompatible with key spec ${key.keySpec}.`);
  }
}

function validate(req: SignRequest): MessageType {
  requireString(req.KeyId, 'KeyId');
  requireBytes(req.Message, 'Message', 1, 4096);
  requireString(req.SigningAlgorithm, 'SigningAlgorithm');
  return requireEnum(req.MessageType ?? 'RAW', 'MessageType', ['RAW', 'DIGEST'] as const);
}

/** Runs `fn` with the unsealed signing material of a checked key, wiping it afterwards. */
function withSigningKey<T>(ctx: OpContext, req: SignRequest, fn: (key: KeyRecord, material: Uint8Array, type: MessageType) => T): T {
  const key = keyOf(ctx);
  checkSigningKey(key, req.SigningAlgorithm);
  const { material } = currentMaterial(ctx.sealer, key);
  try {
    return fn(key, material, req.MessageType ?? 'RAW');
  } finally {
    material.fill(0);
  }
}

export const signOp: Operation<SignRequest, SignResponse> = {
  name: 'Sign',
  mutates: false,
  validate,
  targets: keyIdTarget,
  act: (ctx, req) => withSigningKey(ctx, req, (key, material, type) => ({
    KeyId: key.arn,
    Signature: keyFamily(key.keySpec) === 'rsa'
      ? rsaSign(material, req.SigningAlgorithm, req.Message, type, ctx.random)
      : eccSign(key.keySpec as EccSpec, material, req.SigningAlgorithm, req.Message, type),
    SigningAlgorithm: req.SigningAlgorithm,
  })),
};

export const verifyOp: Operation<VerifyRequest, VerifyResponse> = {
  name: 'Verify',
  mutates: false,
  validate(req) {
    validate(req);
    requireBytes(req.Signature, 'Signature', 1, 6144);
  },
  targets: keyIdTarget,
  act(ctx, req) {
    // Verification needs only the public key: the private key stays sealed.
    const key = keyOf(ctx);
    checkSigningKey(key, req.SigningAlgorithm);
    const type = req.MessageType ?? 'RAW';
    const ok = keyFamily(key.keySpec) === 'rsa'
      ? rsaVerify(publicKeyOf(key), req.SigningAlgorithm, req.Message, type, req.Signature)
      : eccVerify(key.keySpec as EccSpec, publicKeyOf(key), req.SigningAlgorithm, req.Message, type, req.Signature);
    // AWS answers an invalid signature with an error, not SignatureValid=false.
    if (!ok) throw new KMSInvalidSignatureException('The signature verification failed.');
    return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: req.SigningAlgorithm };
  },
};

export const getPublicKeyOp: Operation<GetPublicKeyRequest, GetPublicKeyResponse> = {
  name: 'GetPublicKey',
  mutates: false,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    if (!key.publicKey) {
      throw new InvalidKeyUsageException(`${key.arn} is not an asymmetric key; GetPublicKey needs an RSA or ECC key.`);
    }
    return {
      KeyId: key.arn,
      PublicKey: new Uint8Array(key.publicKey),
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
      ...algorithmLists(key),
    };
  },
};
