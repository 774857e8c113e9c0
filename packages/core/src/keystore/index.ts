/** Embedded keystore public surface (docs/KMS.md "The embedded keystore"). */
export { Keystore, section, KEYSTORE_FILE, type KeystoreState, type KeystoreOptions } from './keystore.js';
export { createSealer, type Sealer, ROOT_KEY_LENGTH } from './sealer.js';
export { parseRootKey, ROOT_KEY_FILE } from './root-key.js';
export { writeFileAtomicSync } from './atomic-file.js';
export { acquireFileLock, type HeldLock, type LockOptions } from './file-lock.js';
