/**
 * `envelope config …` — SOPS-compatible config files (docs/CONFIG.md "Commands"), with SOPS's verbs:
 * encrypt, decrypt, edit, set, unset, exec-env, exec-file, updatekeys, rotate, filestatus, git-setup.
 * Everything format-related is in @envelope/core's config area; this module reads arguments and
 * files, asks the core, and writes outputs atomically (nothing is written when anything fails).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  creationRuleFor, encryptNew, formatForPath, newMetadata, openConfig, parseEncryptedConfig, parsePathExpression, parsePlain,
  readConfigMetadata, reencrypt, wrapDataKey, sourceOptions, splitArnRole, CONFIG_FORMATS,
  type ConfigFormat, type ConfigKeyOptions, type ConfigKeys, type CryptRules, type OpenedConfig,
} from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { ExitError, UsageError } from '../errors.js';
import { writeText } from '../io.js';
import { assertWritable, writeAtomically } from '../util/atomic-output.js';
import { gitSetup, preCommit } from './config-git.js';
import { configKmsProvider, type ConfigKmsProvider } from './config-kms.js';

type Opts = Record<string, unknown>;

const utf8 = (b: Uint8Array) => new TextDecoder().decode(b);

const providers = new WeakMap<CliContext, ConfigKmsProvider>();

/** The invocation's KMS per master key (config-kms.ts: `role`, `aws_profile`), opened on first use. */
function kmsProvider(ctx: CliContext): ConfigKmsProvider {
  let p = providers.get(ctx);
  if (p === undefined) {
    const created = configKmsProvider(ctx);
    ctx.onClose(() => created.close());
    providers.set(ctx, created);
    p = created;
  }
  return p;
}

/** Key-source options for the CLI: a Kms per `kms` entry (opened on first use), age identities and gpg from the environment. */
function keyOptions(ctx: CliContext): ConfigKeyOptions {
  const provider = kmsProvider(ctx);
  return { kms: (key) => provider.forKey(key), env: { ...ctx.io.env } as NodeJS.ProcessEnv, random: ctx.random, clock: ctx.clock };
}

function formatOf(file: string, given: unknown): ConfigFormat {
  if (given === undefined) return formatForPath(file);
  if (!CONFIG_FORMATS.includes(given as ConfigFormat)) throw new UsageError(`--format must be one of ${CONFIG_FORMATS.join(', ')}`);
  return given as ConfigFormat;
}

async function readInput(ctx: CliContext, file: string): Promise<Uint8Array> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of ctx.io.stdin) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  }
  return new Uint8Array(await readFile(ctx.path(file)));
}

/** Writes `bytes` to stdout ('-'), or atomically to a file (replacing it only with `force`). */
async function emit(ctx: CliContext, target: string, bytes: Uint8Array, force: boolean): Promise<void> {
  if (target === '-') {
    await new Promise<void>((res, rej) => ctx.io.stdout.write(bytes, (e) => (e ? rej(e) : res())));
    return;
  }
  const path = ctx.path(target);
  await assertWritable({ path, force });
  await writeAtomically(path, ctx.tempSuffix(), async (sink) => {
    await new Promise<void>((res, rej) => sink.write(bytes, (e) => (e ? rej(e) : res())));
  });
}

/** The settings that choose which values are encrypted; SOPS allows one per file. */
const RULE_NAMES = ['encrypted_suffix', 'unencrypted_suffix', 'encrypted_regex', 'unencrypted_regex', 'encrypted_comment_regex', 'unencrypted_comment_regex'] as const;

/** Master keys from the flags, else from the nearest .sops.yaml rule. */
async function keysFor(ctx: CliContext, file: string, o: Opts): Promise<{ keys: ConfigKeys; rules: CryptRules }> {
  const kmsIds = ((o['kms'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const age = ((o['age'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const pgp = ((o['pgp'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const rules: CryptRules = {};
  for (const [flag, key] of [['encryptedRegex', 'encrypted_regex'], ['unencryptedRegex', 'unencrypted_regex'], ['encryptedSuffix', 'encrypted_suffix'], ['unencryptedSuffix', 'unencrypted_suffix'], ['encryptedCommentRegex', 'encrypted_comment_regex'], ['unencryptedCommentRegex', 'unencrypted_comment_regex']] as const) {
    if (typeof o[flag] === 'string') rules[key] = o[flag] as string;
  }
  if (o['macOnlyEncrypted'] === true) rules.mac_only_encrypted = true;
  if (kmsIds.length + age.length + pgp.length > 0) {
    // SOPS's `KEY_ARN+ROLE_ARN`; `--aws-profile` applies to every --kms key. A key id or alias is
    // resolved to its ARN with DescribeKey, through the KMS (and role) the key will be used with.
    const awsProfile = typeof o['awsProfile'] === 'string' && o['awsProfile'] !== '' ? o['awsProfile'] : undefined;
    const kmsKeys: { arn: string; role?: string; aws_profile?: string }[] = [];
    for (const spec of kmsIds) {
      const { arn: id, role } = splitArnRole(spec);
      const key = { arn: id, ...(role ? { role } : {}), ...(awsProfile ? { awsProfile } : {}) };
      const arn = id.startsWith('arn:') ? id : ((await (await kmsProvider(ctx).forKey(key)).DescribeKey({ KeyId: id })).KeyMetadata?.Arn ?? id);
      kmsKeys.push({ arn, ...(role ? { role } : {}), ...(awsProfile ? { aws_profile: awsProfile } : {}) });
    }
    const ctxPairs = (o['encryptionContext'] as string[] | undefined) ?? [];
    const context = Object.fromEntries(ctxPairs.map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new UsageError(`--encryption-context expects key=value, got ${JSON.stringify(p)}`);
      return [p.slice(0, i), p.slice(i + 1)];
    }));
    return { keys: { kms: kmsKeys.map((k) => ({ ...k, ...(ctxPairs.length > 0 ? { context } : {}) })), age, pgp }, rules };
  }
  const rule = await creationRuleFor(ctx.path(file));
  if (rule === undefined) throw new UsageError('no master keys: give --kms, --age or --pgp, or add a creation rule to .sops.yaml');
  return { keys: rule.keys, rules: { ...rule.rules, ...rules } };
}

async function openFile(ctx: CliContext, file: string, format: ConfigFormat): Promise<OpenedConfig> {
  return openConfig(await readInput(ctx, file), format, keyOptions(ctx));
}

// ---- commands ----

export async function configEncrypt(ctx: CliContext, file: string, o: Opts): Promise<void> {
  const format = formatOf(file, o['format']);
  const input = await readInput(ctx, file);
  const doc = parsePlain(input, format);
  if (format !== 'binary' && doc.getMetadata() !== undefined) throw new UsageError(`${file} is already encrypted (it has a sops block); use "envelope config updatekeys" or "rotate"`);
  const { keys, rules } = await keysFor(ctx, file, o);
  const given = RULE_NAMES.filter((k) => rules[k] !== undefined);
  if (format === 'binary' && (given.length > 0 || rules.mac_only_encrypted)) {
    // As SOPS: a binary file is one value, always encrypted.
    await ctx.note(`envelope: ${[...given, ...(rules.mac_only_encrypted ? ['mac_only_encrypted'] : [])].join(', ')} ignored: a binary file is one value, always encrypted`);
    for (const k of given) delete rules[k];
    delete rules.mac_only_encrypted;
  } else if (given.length > 1) throw new UsageError(`cannot use more than one of ${RULE_NAMES.join(', ')} in the same file (got ${given.join(', ')})`);
  const out = await encryptNew(doc, newMetadata(keys, rules), keyOptions(ctx));
  await emit(ctx, o['inPlace'] === true ? file : ((o['output'] as string | undefined) ?? '-'), out, o['inPlace'] === true || o['force'] === true);
}

export async function configDecrypt(ctx: CliContext, file: string, o: Opts): Promise<void> {
  const format = formatOf(file, o['format']);
  const opened = await openFile(ctx, file, format);
  let out: Uint8Array;
  if (typeof o['extract'] === 'string') {
    const v = opened.doc.extract(parsePathExpression(o['extract']));
    out = new TextEncoder().encode(typeof v === 'string' ? v : `${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x), 2)}\n`);
  } else out = opened.doc.serialize();
  await emit(ctx, (o['output'] as string | undefined) ?? '-', out, o['force'] === true);
}

/** A private directory for plaintext copies: 0700, on a RAM-backed filesystem when there is one. */
async function privateDir(ctx: CliContext): Promise<string> {
  const base = ctx.io.env['ENVELOPE_TMPDIR'] ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
  const dir = await mkdtemp(join(base, 'envelope-config-'));
  await chmod(dir, 0o700);
  return dir;
}

async function shred(path: string): Promise<void> {
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size > 0) await writeFile(path, new Uint8Array(size)).catch(() => undefined);
  await rm(path, { force: true });
}

function runChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, signal?: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd, ...(signal ? { signal } : {}) });
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? new UsageError(`${cmd}: command not found`) : e));
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
}

export async function configEdit(ctx: CliContext, file: string): Promise<void> {
  const path = ctx.path(file);
  const format = formatForPath(path);
  // A new file starts empty and is encrypted for the creation rule's keys, as SOPS does.
  const opened = existsSync(path) ? await openFile(ctx, file, format) : undefined;
  const before = opened?.doc.serialize() ?? new Uint8Array(0);
  const dir = await privateDir(ctx);
  const copy = join(dir, basename(path));
  try {
    await writeFile(copy, before, { mode: 0o600 });
    const editor = ctx.io.env['SOPS_EDITOR'] ?? ctx.io.env['VISUAL'] ?? ctx.io.env['EDITOR'] ?? 'vi';
    const env = { ...ctx.io.env } as NodeJS.ProcessEnv;
    const code = await runChild('sh', ['-c', `${editor} "$1"`, 'envelope-editor', copy], env, dirname(path), ctx.io.signal);
    if (code !== 0) throw new UsageError(`the editor exited with status ${code}; ${file} was not changed`);
    const after = new Uint8Array(await readFile(copy));
    if (Buffer.from(after).equals(Buffer.from(before))) {
      await ctx.note(`${file}: no changes`);
      return;
    }
    let doc;
    try {
      doc = parsePlain(after, format);
    } catch (e) {
      throw new UsageError(`the edited file does not parse (${(e as Error).message}); ${file} was not changed`);
    }
    if (format !== 'binary' && doc.getMetadata() !== undefined) throw new UsageError(`the edited file must not contain a sops block; ${file} was not changed`);
    if (opened === undefined) {
      const { keys, rules } = await keysFor(ctx, file, {});
      await emit(ctx, file, await encryptNew(doc, newMetadata(keys, rules), keyOptions(ctx)), false);
      await ctx.note(`${file}: created (encrypted for the creation rule's keys)`);
      return;
    }
    await emit(ctx, file, reencrypt(doc, opened, keyOptions(ctx)), true);
    await ctx.note(`${file}: saved (re-encrypted; unchanged values keep their ciphertext)`);
  } finally {
    await shred(copy).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`the value must be JSON (a string is written '"text"'), got ${JSON.stringify(text.length > 20 ? `${text.slice(0, 0)}…` : '…')}`);
  }
}

export async function configSet(ctx: CliContext, file: string, pathExpr: string, value: string): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  opened.doc.setPath(parsePathExpression(pathExpr), parseValue(value));
  await emit(ctx, file, reencrypt(opened.doc, opened, keyOptions(ctx)), true);
}

export async function configUnset(ctx: CliContext, file: string, pathExpr: string): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  if (!opened.doc.unsetPath(parsePathExpression(pathExpr))) throw new UsageError(`no value at ${pathExpr} in ${file}`);
  await emit(ctx, file, reencrypt(opened.doc, opened, keyOptions(ctx)), true);
}

/** Top-level scalar values as environment variables (nested values are skipped, as SOPS does). */
function envOf(js: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const top = Array.isArray(js) ? js[0] : js;
  if (top === null || typeof top !== 'object') return out;
  for (const [k, v] of Object.entries(top as Record<string, unknown>)) {
    if (v === null || typeof v === 'object') continue;
    out[k] = typeof v === 'boolean' ? String(v) : String(v);
  }
  return out;
}

function commandOf(argv: string[]): [string, string[]] {
  if (argv.length === 0) throw new UsageError('give the command after --');
  return argv.length === 1 ? ['sh', ['-c', argv[0]!]] : [argv[0]!, argv.slice(1)];
}

export async function configExecEnv(ctx: CliContext, file: string, argv: string[]): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  const vars = opened.doc.format === 'ini' ? {} : envOf(opened.doc.toJS());
  const [cmd, args] = commandOf(argv);
  const code = await runChild(cmd, args, { ...(ctx.io.env as NodeJS.ProcessEnv), ...vars }, ctx.io.cwd, ctx.io.signal);
  if (code !== 0) throw new ExitError(code);
}

export async function configExecFile(ctx: CliContext, file: string, argv: string[]): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  const dir = await privateDir(ctx);
  const copy = join(dir, basename(file));
  try {
    await writeFile(copy, opened.doc.serialize(), { mode: 0o600 });
    const withPath = argv.map((a) => a.replaceAll('{}', copy));
    const [cmd, args] = commandOf(withPath);
    const code = await runChild(cmd, args, ctx.io.env as NodeJS.ProcessEnv, ctx.io.cwd, ctx.io.signal);
    if (code !== 0) throw new ExitError(code);
  } finally {
    await shred(copy).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function configUpdateKeys(ctx: CliContext, file: string, o: Opts): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  const { keys } = await keysFor(ctx, file, o);
  const fresh = newMetadata(keys);
  const md = { ...opened.metadata, keyGroups: fresh.keyGroups, grouped: fresh.grouped };
  if (fresh.shamir_threshold !== undefined) md.shamir_threshold = fresh.shamir_threshold;
  else delete md.shamir_threshold;
  await wrapDataKey(md, opened.dataKey, sourceOptions(keyOptions(ctx)));
  await emit(ctx, file, reencrypt(opened.doc, { ...opened, metadata: md }, keyOptions(ctx)), true);
  await ctx.note(`${file}: master keys updated (${md.keyGroups.flat().length} keys; values unchanged)`);
}

export async function configRotate(ctx: CliContext, file: string): Promise<void> {
  const opened = await openFile(ctx, file, formatForPath(file));
  const md = structuredClone(opened.metadata);
  for (const e of md.keyGroups.flat()) delete e.fields['enc'];
  await emit(ctx, file, await encryptNew(opened.doc, md, keyOptions(ctx)), true);
  await ctx.note(`${file}: rotated (new data key; every value re-encrypted)`);
}

export async function configFileStatus(ctx: CliContext, file: string): Promise<void> {
  const format = formatForPath(file);
  let encrypted = false;
  try {
    const doc = parseEncryptedConfig(await readInput(ctx, file), format);
    readConfigMetadata(doc);
    encrypted = true;
  } catch {
    encrypted = false;
  }
  await writeText(ctx.io.stdout, `${JSON.stringify({ encrypted })}\n`);
}

/** git's textconv: the decrypted text for users who can decrypt, the file as it is for others. */
export async function textconv(ctx: CliContext, file: string): Promise<void> {
  const bytes = await readInput(ctx, file);
  const format = formatForPath(file);
  let out: Uint8Array = bytes;
  try {
    const doc = parseEncryptedConfig(bytes, format);
    readConfigMetadata(doc);
    out = (await openConfig(bytes, format, keyOptions(ctx))).doc.serialize();
  } catch {
    out = bytes;
  }
  await new Promise<void>((res, rej) => ctx.io.stdout.write(out, (e) => (e ? rej(e) : res())));
}
