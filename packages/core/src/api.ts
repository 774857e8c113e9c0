/**
 * The high-level encryption API over the local KMS (docs/KMS.md "Encrypting with a Kms key"):
 * the stream and buffer functions of stream/ with the keyring made for you, so
 * `createEncryptStream({ keyId: 'alias/app' })` works against the embedded keystore
 * ($ENVELOPE_HOME or ~/.envelope) with no other set-up.
 *
 * Options take exactly one of `keyring` (used as is), `keyId` or `keyIds` (a KmsKeyring over
 * `kms`, default `openDefaultKms()`). Decryption without any of them uses a discovery KmsKeyring.
 */
import type { Transform } from 'node:stream';
import { ValidationException } from './errors.js';
import type { MessageHeader } from './format/header.js';
import type { Keyring } from './keyrings/keyring.js';
import { KmsKeyring } from './keyrings/kms-keyring.js';
import type { CallContext } from './kms/call-context.js';
import type { Kms } from './kms/kms.js';
import { openDefaultKms } from './kms/open-default.js';
import { encrypt as encryptRaw, decrypt as decryptRaw } from './stream/buffer-api.js';
import { createDecryptStream as createDecryptStreamRaw, createEncryptStream as createEncryptStreamRaw } from './stream/node-streams.js';
import type { DecryptOptions, EncryptOptions } from './stream/options.js';
import { decryptRange as decryptRangeRaw, type RandomAccessSource } from './stream/random-access.js';

/** How the data key is protected: a keyring, or Kms key(s) by id, ARN, alias or alias ARN. */
export interface KmsKeySelection {
  keyring?: Keyring;
  /** One Kms key (it generates the data key). */
  keyId?: string;
  /** Several Kms keys: the first generates the data key, every one wraps it. */
  keyIds?: readonly string[];
  /** The Kms to use for keyId/keyIds (default: openDefaultKms()). */
  kms?: Kms;
  /** Who calls the Kms (default: the Kms's default caller). */
  caller?: CallContext;
  /** Decrypt in discovery mode only with keys of these accounts. */
  discoveryAccountIds?: readonly string[];
}

export type KmsEncryptOptions = Omit<EncryptOptions, 'keyring'> & KmsKeySelection;
export type KmsDecryptOptions = Omit<DecryptOptions, 'keyring'> & KmsKeySelection;

function keyringFor(sel: KmsKeySelection, forDecrypt: boolean): Keyring {
  const given = [sel.keyring !== undefined, sel.keyId !== undefined, sel.keyIds !== undefined].filter(Boolean).length;
  if (given > 1) throw new ValidationException('Give only one of keyring, keyId or keyIds');
  if (sel.keyring) return sel.keyring;
  const kms = sel.kms ?? openDefaultKms();
  const caller = sel.caller ? { caller: sel.caller } : {};
  if (sel.keyId !== undefined) return new KmsKeyring({ kms, keyIds: [sel.keyId], ...caller });
  if (sel.keyIds !== undefined) {
    if (sel.keyIds.length === 0) throw new ValidationException('keyIds must name at least one key');
    return new KmsKeyring({ kms, keyIds: sel.keyIds, ...caller });
  }
  if (!forDecrypt) throw new ValidationException('Encryption needs a keyring, keyId or keyIds (e.g. { keyId: "alias/app" })');
  return new KmsKeyring({
    kms, discovery: true, ...caller,
    ...(sel.discoveryAccountIds ? { discoveryFilter: { accountIds: sel.discoveryAccountIds } } : {}),
  });
}

function split<T extends KmsKeySelection>(opts: T): Omit<T, keyof KmsKeySelection> {
  const { keyring: _k, keyId: _i, keyIds: _is, kms: _m, caller: _c, discoveryAccountIds: _d, ...rest } = opts;
  return rest;
}

function encryptOptions(opts: KmsEncryptOptions): EncryptOptions {
  return { ...split(opts), keyring: keyringFor(opts, false) };
}

function decryptOptions(opts: KmsDecryptOptions): DecryptOptions {
  return { ...split(opts), keyring: keyringFor(opts, true) };
}

/** A Transform encrypting its input into one Envelope message under Kms key(s) or a keyring. */
export function createEncryptStream(opts: KmsEncryptOptions): Transform {
  return createEncryptStreamRaw(encryptOptions(opts));
}

/** A Transform decrypting one Envelope message (discovery over the default Kms when no key is given). */
export function createDecryptStream(opts: KmsDecryptOptions = {}): Transform {
  return createDecryptStreamRaw(decryptOptions(opts));
}

export async function encrypt(plaintext: Uint8Array, opts: KmsEncryptOptions): Promise<Uint8Array> {
  return encryptRaw(plaintext, encryptOptions(opts));
}

export async function decrypt(ciphertext: Uint8Array, opts: KmsDecryptOptions = {}): Promise<{ plaintext: Uint8Array; header: MessageHeader }> {
  return decryptRaw(ciphertext, decryptOptions(opts));
}

export async function decryptRange(source: RandomAccessSource, start: number, end: number, opts: KmsDecryptOptions = {}): Promise<Uint8Array> {
  return decryptRangeRaw(source, start, end, decryptOptions(opts));
}
