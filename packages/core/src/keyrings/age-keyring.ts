/**
 * age keyring: the message's data key wrapped for age X25519 recipients (crypto/age.ts, from the
 * age specification), so the same `age1…` recipients that open SOPS config files can open Envelope
 * messages. EDK: providerId "age", keyId = the recipient, ciphertext = a binary age file whose
 * plaintext is the data key followed by SHA-256 of the canonical encryption context (age has no
 * AAD, so the context is bound inside the wrapped key and checked on unwrap).
 */
import { createHash } from 'node:crypto';
import type { Random } from '../defaults.js';
import { systemRandom } from '../defaults.js';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import { ageDecrypt, ageEncrypt, parseRecipient, type AgeIdentity } from '../crypto/age.js';
import { DATA_KEY_LENGTH } from '../format/suite.js';
import type { DecryptRequest, EncryptResult, EncryptRequest, Keyring } from './keyring.js';

export const AGE_PROVIDER_ID = 'age';

export interface AgeKeyringOptions {
  /** Recipients the data key is wrapped for (needed to encrypt). */
  readonly recipients?: readonly string[];
  /** Identities tried on decrypt. */
  readonly identities?: readonly AgeIdentity[];
  readonly random?: Random;
}

function contextDigest(context: Readonly<Record<string, string>>): Uint8Array {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return new Uint8Array(createHash('sha256').update(JSON.stringify(pairs)).digest());
}

export class AgeKeyring implements Keyring {
  private readonly recipients: readonly string[];
  private readonly identities: readonly AgeIdentity[];
  private readonly random: Random;

  constructor(opts: AgeKeyringOptions) {
    this.recipients = [...(opts.recipients ?? [])];
    this.identities = [...(opts.identities ?? [])];
    this.random = opts.random ?? systemRandom;
    if (this.recipients.length === 0 && this.identities.length === 0) throw new ValidationException('AgeKeyring: give recipients, identities or both');
    for (const r of this.recipients) parseRecipient(r);
  }

  async onEncrypt(req: EncryptRequest): Promise<EncryptResult> {
    if (this.recipients.length === 0) throw new ValidationException('AgeKeyring: no recipients to encrypt for');
    const dataKey = req.dataKey ?? this.random(DATA_KEY_LENGTH);
    const wrapped = new Uint8Array([...dataKey, ...contextDigest(req.context)]);
    const encryptedDataKeys = this.recipients.map((r) => ({ providerId: AGE_PROVIDER_ID, keyId: r, providerInfo: '', ciphertext: ageEncrypt(wrapped, [r], this.random) }));
    wrapped.fill(0);
    return { dataKey, encryptedDataKeys };
  }

  async onDecrypt(req: DecryptRequest): Promise<Uint8Array | undefined> {
    const mine = new Set(this.identities.map((i) => i.recipient));
    let failure: Error | undefined;
    for (const edk of req.encryptedDataKeys) {
      if (edk.providerId !== AGE_PROVIDER_ID || !mine.has(edk.keyId)) continue;
      try {
        const plain = ageDecrypt(edk.ciphertext, this.identities);
        const digest = plain.subarray(DATA_KEY_LENGTH);
        if (plain.length !== DATA_KEY_LENGTH + 32 || !Buffer.from(digest).equals(Buffer.from(contextDigest(req.context)))) {
          throw new InvalidCiphertextException('age data key: wrong length or a different encryption context');
        }
        return plain.slice(0, DATA_KEY_LENGTH);
      } catch (e) {
        failure = e instanceof InvalidCiphertextException ? e : new InvalidCiphertextException(`age data key for ${edk.keyId}: ${(e as Error).message}`);
      }
    }
    if (failure) throw failure;
    return undefined;
  }
}
