/**
 * '@envelope/core/web-streams': the Web Streams (`TransformStream`) encrypt and decrypt streams alone,
 * for browsers, VS Code for the web and other hosts without Node streams. Imports nothing
 * Node-specific up front: the default AEAD backend is @noble/ciphers, loaded on first use.
 */
export * from './errors.js';
export type { Random } from './defaults.js';
export type { Keyring, EncryptedDataKey, EncryptRequest, EncryptResult, DecryptRequest } from './keyrings/keyring.js';
export { createWebEncryptStream, createWebDecryptStream } from './stream/web-streams.js';
export type { EncryptOptions, DecryptOptions, BackendChoice } from './stream/options.js';
export type { MessageHeader, HeaderLimits } from './format/header.js';
export { describeHeader, type HeaderDescription } from './format/describe-header.js';
export { ciphertextLength, plaintextLength } from './format/lengths.js';
