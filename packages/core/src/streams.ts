/**
 * '@envelope/core/streams': the format and streams alone, for services that bring their own keyring
 * (raw AES, multi, AWS KMS through their own client) and want nothing else loaded: no local KMS,
 * keystore, policy engine or pure-JS cipher. The same functions as the package root's, minus the
 * `keyId` option, which needs the embedded KMS (docs/PERFORMANCE.md, "Peak memory").
 */
export * from './errors.js';
export type { Random } from './defaults.js';
export type { Keyring, EncryptedDataKey, EncryptRequest, EncryptResult, DecryptRequest } from './keyrings/keyring.js';
export { RawAesKeyring, type RawAesKeyringOptions } from './keyrings/raw-aes-keyring.js';
export { MultiKeyring, type MultiKeyringOptions } from './keyrings/multi-keyring.js';
export { encrypt, decrypt } from './stream/buffer-api.js';
export { createEncryptStream, createDecryptStream } from './stream/node-streams.js';
export { decryptRange, readHeader, bufferSource, type RandomAccessSource } from './stream/random-access.js';
export { fileSource } from './stream/file-source.js';
export { rewrapHeader, type RewrapOptions } from './stream/rewrap.js';
export type { EncryptOptions, DecryptOptions, BackendChoice } from './stream/options.js';
export type { MessageHeader, HeaderLimits } from './format/header.js';
export { describeHeader, type HeaderDescription } from './format/describe-header.js';
export { ciphertextLength, plaintextLength } from './format/lengths.js';
