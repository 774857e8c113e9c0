/**
 * '@envelope/core/config': SOPS-compatible config files alone (docs/CONFIG.md "Node API"), for a
 * service that reads its configuration at start-up: no local KMS, keystore, policy engine or
 * stream code is loaded. Pass a Kms (embedded or remote) through `kms` for `kms` key entries.
 */
export * from './errors.js';
export {
  loadConfig, decryptConfig, encryptConfig, openConfig, reencrypt,
  type ConfigKeyOptions, type ConfigKeys, type OpenedConfig, type DecryptConfigOptions, type EncryptConfigOptions,
} from './config/api.js';
export { type ConfigFormat, type ConfigDocument, CONFIG_FORMATS } from './config/document.js';
export { formatForPath } from './config/stores/index.js';
export { ConfigKeyUnavailableException, type ConfigKms } from './config/keys/key-sources.js';
export { splitArnRole, kmsArnRegion, stsSessionName, type KmsMasterKey } from './config/keys/kms-key.js';
export { parseIdentities as parseAgeIdentities, generateIdentity as generateAgeIdentity, type AgeIdentity } from './crypto/age.js';
