/**
 * The key state table (AWS KMS Developer Guide, "Key states of AWS KMS keys"): which key states
 * each operation accepts and the error it raises otherwise. Pure; used by the door for every
 * operation that targets a key.
 */
import { DisabledException, KMSInvalidStateException, type KmsError } from '../errors.js';
import type { KeyState } from './types.js';

/**
 * Rule families of the AWS table:
 * - crypto: only Enabled; Disabled → DisabledException; every other state → KMSInvalidStateException.
 * - any: every state (read-only and policy operations).
 * - manage: Enabled, Disabled, PendingImport; PendingDeletion → KMSInvalidStateException.
 * - toggle: Enabled, Disabled (EnableKey/DisableKey); anything else → KMSInvalidStateException.
 * - cancel: PendingDeletion / PendingReplicaDeletion only (CancelKeyDeletion).
 */
export type StateRule = 'crypto' | 'any' | 'manage' | 'toggle' | 'cancel';

export const OPERATION_STATE_RULES: Readonly<Record<string, StateRule>> = {
  CancelKeyDeletion: 'cancel',
  CreateAlias: 'manage',
  CreateGrant: 'crypto',
  Decrypt: 'crypto',
  DeleteAlias: 'any',
  DeleteImportedKeyMaterial: 'manage',
  DeriveSharedSecret: 'crypto',
  DescribeKey: 'any',
  DisableKey: 'toggle',
  DisableKeyRotation: 'crypto',
  EnableKey: 'toggle',
  EnableKeyRotation: 'crypto',
  Encrypt: 'crypto',
  GenerateDataKey: 'crypto',
  GenerateDataKeyPair: 'crypto',
  GenerateDataKeyPairWithoutPlaintext: 'crypto',
  GenerateDataKeyWithoutPlaintext: 'crypto',
  GenerateMac: 'crypto',
  GetKeyPolicy: 'any',
  GetKeyRotationStatus: 'any',
  GetParametersForImport: 'manage',
  GetPublicKey: 'crypto',
  ImportKeyMaterial: 'manage',
  ListAliases: 'any',
  ListGrants: 'any',
  ListKeyPolicies: 'any',
  ListKeyRotations: 'any',
  ListResourceTags: 'any',
  PutKeyPolicy: 'any',
  ReEncrypt: 'crypto',
  ReplicateKey: 'manage',
  RetireGrant: 'any',
  RevokeGrant: 'any',
  RotateKeyOnDemand: 'crypto',
  ScheduleKeyDeletion: 'manage',
  Sign: 'crypto',
  TagResource: 'manage',
  UntagResource: 'manage',
  UpdateAlias: 'manage',
  UpdateKeyDescription: 'manage',
  UpdatePrimaryRegion: 'manage',
  Verify: 'crypto',
  VerifyMac: 'crypto',
};

function describeState(state: KeyState): string {
  switch (state) {
    case 'PendingDeletion': return 'pending deletion';
    case 'PendingReplicaDeletion': return 'pending replica deletion';
    case 'PendingImport': return 'pending import';
    case 'Disabled': return 'disabled';
    case 'Unavailable': return 'unavailable';
    case 'Creating': return 'being created';
    case 'Updating': return 'being updated';
    case 'Enabled': return 'enabled';
  }
}

/** Returns the error `operation` must raise for a key in `state`, or undefined when allowed. */
export function keyStateError(operation: string, state: KeyState, keyArn: string): KmsError | undefined {
  const rule = OPERATION_STATE_RULES[operation] ?? 'crypto';
  const invalid = () => new KMSInvalidStateException(`${keyArn} is ${describeState(state)}.`);
  switch (rule) {
    case 'any':
      return undefined;
    case 'crypto':
      if (state === 'Enabled') return undefined;
      if (state === 'Disabled') return new DisabledException(`${keyArn} is disabled.`);
      return invalid();
    case 'manage':
      return state === 'Enabled' || state === 'Disabled' || state === 'PendingImport' ? undefined : invalid();
    case 'toggle':
      return state === 'Enabled' || state === 'Disabled' ? undefined : invalid();
    case 'cancel':
      return state === 'PendingDeletion' || state === 'PendingReplicaDeletion' ? undefined : invalid();
  }
}
