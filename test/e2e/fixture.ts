/**
 * The e2e run's temp world: an embedded keystore (ENVELOPE_HOME under the run's temp root, never
 * ~/.envelope) with two keys and aliases, and workspace folders holding plaintext files and
 * Envelope-encrypted configs made with the real core (KmsKeyring over the local Kms).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encrypt, decrypt, KmsKeyring, openDefaultKms, rootCaller } from '@envelope/core';

export const REGION = 'us-east-1';
export const PRIMARY_ALIAS = 'alias/e2e';
export const OTHER_ALIAS = 'alias/e2e-other';
/** Its key policy denies kms:Decrypt (statement "NoDecryptForE2E"), set by `denyDecrypt`. */
export const DENIED_ALIAS = 'alias/e2e-denied';
export const CONFIG_CONTEXT = { app: 'envelope-e2e', purpose: 'config' };
export const CONFIG_TEXT = '{\n  "database": "postgres://db.internal/app",\n  "apiToken": "E2E-SECRET-TOKEN-7f3a9c"\n}\n';
export const SECRET_TEXT = 'E2E-PLAINTEXT-secret-file-42\n';

export interface Fixture {
  readonly home: string;
  readonly primaryArn: string;
  readonly otherArn: string;
}

function kmsFor(home: string) {
  return openDefaultKms({ home, region: REGION });
}

export async function createKeystore(home: string): Promise<Fixture> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const kms = kmsFor(home);
  const caller = rootCaller(undefined, REGION);
  const a = await kms.CreateKey({ Description: 'e2e primary' }, caller);
  const b = await kms.CreateKey({ Description: 'e2e other' }, caller);
  await kms.CreateAlias({ AliasName: PRIMARY_ALIAS, TargetKeyId: a.KeyMetadata.KeyId }, caller);
  await kms.CreateAlias({ AliasName: OTHER_ALIAS, TargetKeyId: b.KeyMetadata.KeyId }, caller);
  const c = await kms.CreateKey({ Description: 'e2e denied' }, caller);
  await kms.CreateAlias({ AliasName: DENIED_ALIAS, TargetKeyId: c.KeyMetadata.KeyId }, caller);
  return { home, primaryArn: a.KeyMetadata.Arn, otherArn: b.KeyMetadata.Arn };
}

export async function encryptText(home: string, keyId: string, text: string, context: Record<string, string>): Promise<Uint8Array> {
  const kms = kmsFor(home);
  const keyring = new KmsKeyring({ kms, keyIds: [keyId], caller: rootCaller(undefined, REGION) });
  return encrypt(new TextEncoder().encode(text), { keyring, context });
}

export async function decryptBytes(home: string, bytes: Uint8Array): Promise<{ text: string; context: Record<string, string>; keyIds: string[] }> {
  const kms = kmsFor(home);
  const keyring = new KmsKeyring({ kms, discovery: true, caller: rootCaller(undefined, REGION) });
  const { plaintext, header } = await decrypt(bytes, { keyring });
  return { text: new TextDecoder().decode(plaintext), context: { ...header.context }, keyIds: header.encryptedDataKeys.map((e) => e.keyId) };
}

/** A key policy letting the default account do everything except kms:Decrypt (denied by `sid`). */
export function denyDecryptPolicy(sid: string): string {
  const root = 'arn:aws:iam::111122223333:root';
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' },
      { Sid: sid, Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:Decrypt', Resource: '*' },
    ],
  });
}

/** Puts denyDecryptPolicy("NoDecryptForE2E") on DENIED_ALIAS. */
export async function denyDecrypt(home: string): Promise<void> {
  await kmsFor(home).PutKeyPolicy({ KeyId: DENIED_ALIAS, PolicyName: 'default', Policy: denyDecryptPolicy('NoDecryptForE2E') }, rootCaller(undefined, REGION));
}

/** A workspace folder with plaintext files and encrypted configs (call `denyDecrypt` afterwards). */
export async function createWorkspace(dir: string, fx: Fixture): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), SECRET_TEXT);
  for (const name of ['multi-a.txt', 'multi-b.txt']) writeFileSync(join(dir, name), `${name} plaintext\n`);
  writeFileSync(join(dir, 'notes.md'), '# notes\n\nnothing secret here\n');
  writeFileSync(join(dir, 'not-envelope.enc'), 'this file only has the suffix\n');
  writeFileSync(join(dir, 'config.json.enc'), await encryptText(fx.home, PRIMARY_ALIAS, CONFIG_TEXT, CONFIG_CONTEXT));
  writeFileSync(join(dir, 'denied.txt.enc'), await encryptText(fx.home, DENIED_ALIAS, 'E2E-DENIED-PLAINTEXT\n', {}));
  writeFileSync(join(dir, '.env.enc'), await encryptText(fx.home, PRIMARY_ALIAS, 'API_KEY=E2E-DOTENV-VALUE-123\n', { app: 'envelope-e2e' }));
}
