/**
 * GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial (AWS KMS API Reference;
 * Developer Guide "Importing key material"). The wrapping key is RSA; its private half is
 * sealed in the keystore with the import token, valid 24 hours. Re-imports must bring the same
 * material (so old ciphertexts decrypt again); rotation of imported keys is manual: a new key,
 * then UpdateAlias.
 */
import { createHash } from 'node:crypto';
import {
  ExpiredImportTokenException, IncorrectKeyMaterialException, InvalidImportTokenException, UnsupportedOperationException,
  ValidationException,
} from '../../errors.js';
import { IMPORT_TOKEN_LIFETIME_MS } from '../constants.js';
import { generateRsa, oaepHash, rsaOaepDecrypt, type KeyPairDer } from '../asymmetric.js';
import { newVersionId } from '../identifiers.js';
import type { KeyRecord } from '../key-record.js';
import { sealMaterial } from '../material.js';
import { keyIdTarget, keyOf, type Operation } from '../operation.js';
import type {
  AlgorithmSpec, GetParametersForImportRequest, GetParametersForImportResponse, ImportKeyMaterialRequest,
  ImportKeyMaterialResponse, KeyIdRequest, WrappingKeySpec,
} from '../types.js';
import { requireBytes, requireEnum } from './validate.js';

const TOKEN_AAD = 'envelope-kms/import-wrapping-key/v1/';

function requireExternal(key: KeyRecord): void {
  if (key.origin !== 'EXTERNAL') {
    throw new UnsupportedOperationException(`${key.arn} has origin ${key.origin}; key material can only be imported into EXTERNAL keys.`);
  }
}

export const getParametersForImportOp: Operation<GetParametersForImportRequest, GetParametersForImportResponse> = {
  name: 'GetParametersForImport',
  mutates: true,
  validate(req) {
    requireEnum(req.WrappingAlgorithm, 'WrappingAlgorithm', ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as readonly AlgorithmSpec[]);
    requireEnum(req.WrappingKeySpec, 'WrappingKeySpec', ['RSA_2048', 'RSA_3072', 'RSA_4096'] as readonly WrappingKeySpec[]);
  },
  // The wrapping key pair (up to RSA_4096, most of a second) is generated before the keystore lock.
  prepare: (req) => generateRsa(Number(req.WrappingKeySpec.slice(4))),
  targets: keyIdTarget,
  act(ctx, req) {
    const pair = ctx.prepared as KeyPairDer;
    try {
      const key = keyOf(ctx);
      requireExternal(key);
      const token = ctx.random(32);
      const id = Buffer.from(token).toString('hex');
      const validTo = ctx.now + IMPORT_TOKEN_LIFETIME_MS;
      ctx.section.importTokens[id] = {
        keyArn: key.arn,
        wrappingAlgorithm: req.WrappingAlgorithm,
        wrappingKeySpec: req.WrappingKeySpec,
        sealedPrivateKey: ctx.sealer.seal(pair.privateKey, TOKEN_AAD + id),
        validTo,
      };
      return { KeyId: key.arn, ImportToken: token, PublicKey: pair.publicKey, ParametersValidTo: new Date(validTo) };
    } finally {
      pair.privateKey.fill(0);
    }
  },
};

export const importKeyMaterialOp: Operation<ImportKeyMaterialRequest, ImportKeyMaterialResponse> = {
  name: 'ImportKeyMaterial',
  mutates: true,
  validate(req) {
    requireBytes(req.ImportToken, 'ImportToken', 1, 6144);
    requireBytes(req.EncryptedKeyMaterial, 'EncryptedKeyMaterial', 1, 6144);
    if (req.ValidTo !== undefined && !(req.ValidTo instanceof Date && !Number.isNaN(req.ValidTo.getTime()))) {
      throw new ValidationException('ValidTo must be a Date');
    }
    const model = req.ExpirationModel ?? (req.ValidTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    if (model === 'KEY_MATERIAL_EXPIRES' && !req.ValidTo) throw new ValidationException('ValidTo is required when ExpirationModel is KEY_MATERIAL_EXPIRES');
    if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE' && req.ValidTo) throw new ValidationException('ValidTo must be omitted when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
  },
  targets: keyIdTarget,
  act(ctx, req) {
    const key = keyOf(ctx);
    requireExternal(key);
    const id = Buffer.from(req.ImportToken).toString('hex');
    const tok = ctx.section.importTokens[id];
    if (!tok || tok.keyArn !== key.arn) throw new InvalidImportTokenException('The import token is not valid for this key.');
    if (tok.validTo <= ctx.now) throw new ExpiredImportTokenException('The import token has expired; call GetParametersForImport again.');
    if (req.ValidTo && req.ValidTo.getTime() <= ctx.now) throw new ValidationException('ValidTo must be in the future');
    const wrapping = ctx.sealer.open(tok.sealedPrivateKey, TOKEN_AAD + id);
    let material: Uint8Array;
    try {
      material = rsaOaepDecrypt(wrapping, oaepHash(tok.wrappingAlgorithm), req.EncryptedKeyMaterial);
    } finally {
      wrapping.fill(0);
    }
    try {
      if (material.length !== 32) throw new IncorrectKeyMaterialException(`Key material for SYMMETRIC_DEFAULT must be 32 bytes, got ${material.length}.`);
      const digest = new Uint8Array(createHash('sha256').update(`${key.keyId}/`).update(material).digest());
      if (key.importedDigest && !Buffer.from(key.importedDigest).equals(Buffer.from(digest))) {
        throw new IncorrectKeyMaterialException('The key material is different from the material previously imported into this key.');
      }
      key.importedDigest = digest;
      let version = key.versions[0];
      if (!version) {
        version = { id: newVersionId(ctx.random), createdAt: ctx.now };
        key.versions.push(version);
      }
      version.sealed = sealMaterial(ctx.sealer, key.keyId, version.id, material);
      if (req.ValidTo) {
        key.validTo = req.ValidTo.getTime();
        key.expirationModel = 'KEY_MATERIAL_EXPIRES';
      } else {
        delete key.validTo;
        key.expirationModel = 'KEY_MATERIAL_DOES_NOT_EXPIRE';
      }
      if (key.state === 'PendingImport') key.state = 'Enabled';
      return { KeyId: key.arn, KeyMaterialId: version.id };
    } finally {
      material.fill(0);
    }
  },
};

export const deleteImportedKeyMaterialOp: Operation<KeyIdRequest, Record<string, never>> = {
  name: 'DeleteImportedKeyMaterial',
  mutates: true,
  targets: keyIdTarget,
  act(ctx) {
    const key = keyOf(ctx);
    requireExternal(key);
    for (const v of key.versions) delete v.sealed;
    delete key.validTo;
    key.state = 'PendingImport'; // the key state table keeps keys pending deletion out
    return {};
  },
};
