/**
 * The `envelope` command tree (docs/CLI.md): one commander program built per invocation, with a
 * plain mapping from each (sub)command to a thin function in commands/. `run(argv, io)` returns the
 * exit code and never touches `process`, so tests drive the whole CLI in-process.
 */
import { Command, CommanderError, Option } from 'commander';
import type { CliContext } from './cli-context.js';
import { reportError, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { writeText } from './io.js';
import { collect } from './util/key-value.js';
import type { KeyCreateArgs, KeyImportArgs } from './commands/keys.js';
import type { ExplainArgs } from './commands/policy.js';
import type { GrantCreateArgs } from './commands/grants.js';
import type { PutPolicyArgs } from './commands/iam.js';
import type { AuditQueryArgs } from './commands/audit.js';
import type { AssumeRoleArgs } from './commands/sts.js';
import { registerWorkflowCommands } from './commands/workflow-commands.js';
import { registerConfigCommands } from './commands/config-commands.js';

// Command modules (and the core, AWS SDK, policy or audit code they use) load only when one of
// their commands runs: `envelope --version` loads commander, this file, the registrations and
// @envelope/core/errors, nothing else (docs/PERFORMANCE.md "CLI start-up"; pinned by
// test/core/architecture.test.ts). A new command group is one loader here plus its registrations
// below, calling `(await loader()).fn(ctx, …)` in the action.
const files = () => import('./commands/files.js');
const keys = () => import('./commands/keys.js');
const aliases = () => import('./commands/aliases.js');
const grants = () => import('./commands/grants.js');
const policy = () => import('./commands/policy.js');
const iam = () => import('./commands/iam.js');
const profile = () => import('./commands/profile.js');
const sts = () => import('./commands/sts.js');
const audit = () => import('./commands/audit.js');
const kmsRaw = () => import('./commands/kms-raw.js');
const serve = () => import('./commands/serve.js');

export const VERSION = '0.1.0';

type Handler = (ctx: CliContext, ...args: any[]) => Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Builds the program; `bind` turns a command function into a commander action. */
function buildProgram(io: CliIo, state: { ctx?: CliContext }): Command {
  const program = new Command('envelope');
  const bind =
    (fn: Handler) =>
    async (...actionArgs: unknown[]) => {
      const command = actionArgs[actionArgs.length - 1] as Command;
      const { CliContext, resolveGlobalOptions } = await import('./cli-context.js');
      const ctx = new CliContext(io, resolveGlobalOptions(command.optsWithGlobals(), io.env));
      state.ctx = ctx;
      // commander passes positionals, then the command's options object, then the command.
      await fn(ctx, ...actionArgs.slice(0, -1));
    };

  program
    .description('Local AWS-KMS-compatible key management and streaming envelope encryption')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--home <dir>', 'keystore directory (env ENVELOPE_HOME; default ~/.envelope)'))
    .addOption(new Option('--profile <name>', 'act as this Envelope profile (env ENVELOPE_PROFILE); with a remote KMS, or a name only ~/.aws defines: the AWS profile'))
    .addOption(new Option('--region <region>', 'region (env ENVELOPE_REGION; default us-east-1, for a remote KMS the AWS SDK\'s)'))
    .addOption(new Option('--endpoint-url <url>', 'use this AWS-compatible KMS (e.g. an envelope serve), or "aws" for AWS KMS, instead of the embedded keystore (env ENVELOPE_ENDPOINT_URL)'))
    .option('--json', 'machine-readable output on stdout (AWS JSON shapes)')
    .option('-q, --quiet', 'no progress bars or informational messages')
    .option('--debug', 'print stack traces for errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      outputError: () => undefined, // reported once, by run()'s error edge
    });

  const sub = (parent: Command, name: string, description: string) => {
    const c = parent.command(name).description(description);
    c.exitOverride();
    return c;
  };

  // ---- files ----
  sub(program, 'encrypt', 'encrypt a file or stdin (-) under one or more keys')
    .argument('<in>', 'input file, or - for stdin')
    .requiredOption('-k, --key <key>', 'key id, ARN or alias (repeat to wrap under several keys)', collect)
    .option('-o, --output <out>', 'output file, or - for stdout (default <in>.enc)')
    .option('-c, --context <k=v>', 'encryption context pair (repeatable)', collect)
    .option('--frame-size <bytes>', 'plaintext bytes per frame (e.g. 65536, 256K, 1M)')
    .option('-f, --force', 'overwrite an existing output file')
    .action(bind(async (ctx, input: string, o: Record<string, unknown>) =>
      (await files()).encryptCommand(ctx, { input, keys: o['key'] as string[], output: o['output'] as string | undefined, context: o['context'] as string[] | undefined, frameSize: o['frameSize'] as string | undefined, force: o['force'] === true }),
    ));
  sub(program, 'decrypt', 'decrypt a file or stdin (-)')
    .argument('<in>', 'input file, or - for stdin')
    .option('-o, --output <out>', 'output file, or - for stdout (default: <in> without .enc)')
    .option('-k, --key <key>', 'only unwrap with this key (repeatable; default: the key the header names)', collect)
    .option('-c, --context <k=v>', 'required encryption context pair (repeatable; must match exactly)', collect)
    .option('--range <start:end>', 'decrypt only plaintext bytes [start, end) (reads only the frames needed)')
    .option('-f, --force', 'overwrite an existing output file')
    .action(bind(async (ctx, input: string, o: Record<string, unknown>) =>
      (await files()).decryptCommand(ctx, { input, keys: o['key'] as string[] | undefined, output: o['output'] as string | undefined, context: o['context'] as string[] | undefined, range: o['range'] as string | undefined, force: o['force'] === true }),
    ));
  sub(program, 'inspect', 'show a message header (no key needed)')
    .argument('<file>')
    .action(bind(async (ctx, file: string) => (await files()).inspectCommand(ctx, file)));
  sub(program, 'reencrypt', 'move a file to other keys (streamed re-encryption, or --rewrap of the header only)')
    .argument('<in>')
    .requiredOption('-k, --key <key>', 'destination key (repeatable)', collect)
    .option('-o, --output <out>', 'output file (default: replace <in> atomically)')
    .option('-c, --context <k=v>', 'required encryption context pair (repeatable)', collect)
    .option('--rewrap', 'replace only the wrapped data keys; cost independent of file size')
    .option('-f, --force', 'overwrite an existing output file')
    .action(bind(async (ctx, input: string, o: Record<string, unknown>) =>
      (await files()).reencryptCommand(ctx, { input, keys: o['key'] as string[], output: o['output'] as string | undefined, context: o['context'] as string[] | undefined, rewrap: o['rewrap'] === true, force: o['force'] === true }),
    ));

  // ---- keys ----
  const key = sub(program, 'key', 'create and manage keys');
  sub(key, 'create', 'create a key (CreateKey)')
    .option('--alias <alias/name>', 'also create this alias')
    .option('--spec <KeySpec>', 'SYMMETRIC_DEFAULT (default), RSA_2048…, ECC_NIST_P256…, HMAC_256…')
    .option('--usage <KeyUsage>', 'ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC, KEY_AGREEMENT')
    .option('--description <text>')
    .option('--multi-region', 'create a multi-Region primary key')
    .option('--origin <origin>', 'AWS_KMS (default) or EXTERNAL (import your own material)')
    .option('--policy <json|@file>', 'key policy document')
    .option('--tag <k=v>', 'tag (repeatable)', collect)
    .action(bind(async (ctx, o: Record<string, unknown>) => (await keys()).keyCreate(ctx, o as KeyCreateArgs)));
  sub(key, 'list', 'list keys and their aliases (ListKeys)').action(bind(async (ctx) => (await keys()).keyList(ctx)));
  sub(key, 'describe', 'show a key (DescribeKey)').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keyDescribe(ctx, k)));
  sub(key, 'enable', 'EnableKey').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keySimple(ctx, 'EnableKey', k)));
  sub(key, 'disable', 'DisableKey').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keySimple(ctx, 'DisableKey', k)));
  sub(key, 'rotate', 'rotate now (RotateKeyOnDemand)').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keySimple(ctx, 'RotateKeyOnDemand', k)));
  sub(key, 'rotations', 'rotation status and history (ListKeyRotations)').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keyRotations(ctx, k)));
  sub(key, 'enable-rotation', 'EnableKeyRotation')
    .argument('<key>')
    .option('--period <days>', 'rotation period in days (90-2560, default 365)')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await keys()).keyEnableRotation(ctx, k, o['period'] as string | undefined)));
  sub(key, 'disable-rotation', 'DisableKeyRotation').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keySimple(ctx, 'DisableKeyRotation', k)));
  sub(key, 'schedule-deletion', 'ScheduleKeyDeletion')
    .argument('<key>')
    .option('--days <n>', 'waiting period, 7-30 days (default 30)')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await keys()).keyScheduleDeletion(ctx, k, o['days'] as string | undefined)));
  sub(key, 'cancel-deletion', 'CancelKeyDeletion').argument('<key>').action(bind(async (ctx, k: string) => (await keys()).keySimple(ctx, 'CancelKeyDeletion', k)));
  sub(key, 'replicate', 'ReplicateKey (multi-Region keys)')
    .argument('<key>')
    .option('--replica-region <region>')
    .option('--description <text>')
    .option('--policy <json|@file>')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await keys()).keyReplicate(ctx, k, o as { replicaRegion?: string })));
  sub(key, 'import-params', 'GetParametersForImport (EXTERNAL keys)')
    .argument('<key>')
    .option('--algorithm <alg>', 'RSAES_OAEP_SHA_256 (default) or RSAES_OAEP_SHA_1')
    .option('--wrapping-spec <spec>', 'RSA_2048 (default), RSA_3072, RSA_4096')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await keys()).keyImportParams(ctx, k, o as { algorithm?: string })));
  sub(key, 'import', 'ImportKeyMaterial (EXTERNAL keys)')
    .argument('<key>')
    .option('--material <@file|base64>', 'plaintext key material; wrapped here with fresh import parameters')
    .option('--encrypted-material <@file|base64>', 'material already wrapped with import-params’ public key')
    .option('--import-token <@file|base64>', 'the ImportToken from import-params')
    .option('--valid-to <date>', 'material expires at this ISO-8601 time')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await keys()).keyImport(ctx, k, o as KeyImportArgs)));
  sub(key, 'tag', 'TagResource / UntagResource, then list the tags')
    .argument('<key>')
    .argument('[k=v...]', 'tags to set')
    .option('--untag <TagKey>', 'remove this tag (repeatable)', collect)
    .action(bind(async (ctx, k: string, pairs: string[], o: Record<string, unknown>) => (await keys()).keyTag(ctx, k, pairs, o['untag'] as string[] | undefined)));

  // ---- aliases ----
  const alias = sub(program, 'alias', 'manage aliases');
  sub(alias, 'create', 'CreateAlias').argument('<alias>').argument('<key>').action(bind(async (ctx, a: string, k: string) => (await aliases()).aliasCreate(ctx, a, k)));
  sub(alias, 'update', 'UpdateAlias').argument('<alias>').argument('<key>').action(bind(async (ctx, a: string, k: string) => (await aliases()).aliasUpdate(ctx, a, k)));
  sub(alias, 'delete', 'DeleteAlias').argument('<alias>').action(bind(async (ctx, a: string) => (await aliases()).aliasDelete(ctx, a)));
  sub(alias, 'list', 'ListAliases')
    .option('--key <key>', 'only aliases of this key')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await aliases()).aliasList(ctx, o['key'] as string | undefined)));

  // ---- policies ----
  const pol = sub(program, 'policy', 'key policies');
  sub(pol, 'get', 'GetKeyPolicy').argument('<key>').action(bind(async (ctx, k: string) => (await policy()).policyGet(ctx, k)));
  sub(pol, 'put', 'PutKeyPolicy')
    .argument('<key>')
    .requiredOption('--document <json|@file>', 'the key policy')
    .option('--bypass-lockout-check', 'BypassPolicyLockoutSafetyCheck')
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await policy()).policyPut(ctx, k, o['document'] as string, o['bypassLockoutCheck'] === true)));
  sub(pol, 'explain', 'would this principal be allowed this action on the key, and why')
    .argument('<key>')
    .requiredOption('--principal <arn>', 'principal ARN, or root / user/<name> / role/<name> in the profile account')
    .requiredOption('--action <kms:Action>')
    .option('-c, --context <k=v>', 'encryption context of the request (repeatable)', collect)
    .option('--source-ip <ip>')
    .option('--via-service <service>')
    .option('--grant-token <token>', '(repeatable)', collect)
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await policy()).policyExplain(ctx, k, o as unknown as ExplainArgs)));

  // ---- grants ----
  const grant = sub(program, 'grant', 'grants');
  sub(grant, 'create', 'CreateGrant')
    .argument('<key>')
    .option('--grantee <arn>')
    .option('--operations <ops>', 'comma-separated, e.g. Encrypt,Decrypt,GenerateDataKey')
    .option('--retiring <arn>', 'RetiringPrincipal')
    .option('--name <name>')
    .option('--context-subset <k=v>', 'EncryptionContextSubset constraint (repeatable)', collect)
    .option('--context-equals <k=v>', 'EncryptionContextEquals constraint (repeatable)', collect)
    .option('--grant-token <token>', '(repeatable)', collect)
    .action(bind(async (ctx, k: string, o: Record<string, unknown>) => (await grants()).grantCreate(ctx, k, o as GrantCreateArgs)));
  sub(grant, 'list', 'ListGrants').argument('<key>').action(bind(async (ctx, k: string) => (await grants()).grantList(ctx, k)));
  sub(grant, 'retire', 'RetireGrant')
    .option('--token <grantToken>')
    .option('--key <key>')
    .option('--grant-id <id>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await grants()).grantRetire(ctx, o as { token?: string })));
  sub(grant, 'revoke', 'RevokeGrant').argument('<key>').argument('<grantId>').action(bind(async (ctx, k: string, g: string) => (await grants()).grantRevoke(ctx, k, g)));

  // ---- iam ----
  const iamCmd = sub(program, 'iam', 'users, roles, policies and access keys');
  sub(iamCmd, 'create-user', 'CreateUser')
    .requiredOption('--name <name>')
    .option('--account <id>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await iam()).iamCreateUser(ctx, o as { name: string })));
  sub(iamCmd, 'create-role', 'CreateRole')
    .requiredOption('--name <name>')
    .option('--account <id>')
    .option('--description <text>')
    .option('--trust-policy <json|@file>', 'who may assume the role (Principal + sts:AssumeRole)')
    .option('--max-session-duration <seconds>', 'longest AssumeRole session, 3600-43200 (default 3600)')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await iam()).iamCreateRole(ctx, o as { name: string })));
  sub(iamCmd, 'put-policy', 'PutUserPolicy / PutRolePolicy')
    .option('--user <name>')
    .option('--role <name>')
    .requiredOption('--name <policyName>')
    .requiredOption('--document <json|@file>')
    .option('--account <id>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await iam()).iamPutPolicy(ctx, o as unknown as PutPolicyArgs)));
  sub(iamCmd, 'create-access-key', 'CreateAccessKey (for envelope serve and the AWS SDKs)')
    .requiredOption('--user <name>')
    .option('--account <id>')
    .option('--shell', 'print export AWS_ACCESS_KEY_ID=… lines for eval')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await iam()).iamCreateAccessKey(ctx, o as { user: string })));
  sub(iamCmd, 'list', 'list users, roles and access keys')
    .option('--account <id>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await iam()).iamList(ctx, o as { account?: string })));

  // ---- sts ----
  const stsCmd = sub(program, 'sts', 'roles: temporary credentials (AssumeRole) and who am I');
  sub(stsCmd, 'assume-role', 'AssumeRole as the active profile')
    .requiredOption('--role-arn <arn>')
    .requiredOption('--role-session-name <name>')
    .option('--duration-seconds <n>', '900 up to the role\'s MaxSessionDuration (default 3600)')
    .option('--external-id <id>')
    .option('--shell', 'print export AWS_ACCESS_KEY_ID=… AWS_SESSION_TOKEN=… lines for eval')
    .option('--save-profile <name>', 'store a profile that acts as the session until it expires')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await sts()).stsAssumeRole(ctx, o as unknown as AssumeRoleArgs)));
  sub(stsCmd, 'get-caller-identity', 'GetCallerIdentity').action(bind(async (ctx) => (await sts()).stsGetCallerIdentity(ctx)));

  // ---- profiles ----
  const prof = sub(program, 'profile', 'who the CLI acts as');
  sub(prof, 'add', 'add a profile')
    .argument('<name>')
    .requiredOption('--account <id>')
    .option('--principal <arn>', 'default: the account root')
    .action(bind(async (ctx, n: string, o: Record<string, unknown>) => (await profile()).profileAdd(ctx, n, o as { account: string })));
  sub(prof, 'list', 'list profiles').action(bind(async (ctx) => (await profile()).profileList(ctx)));
  sub(prof, 'use', 'make a profile the default').argument('<name>').action(bind(async (ctx, n: string) => (await profile()).profileUse(ctx, n)));

  // ---- audit ----
  const aud = sub(program, 'audit', 'the tamper-evident audit log');
  sub(aud, 'query', 'search audit events')
    .option('--account <id>')
    .option('--key <key>', 'key id or ARN')
    .option('--principal <arn>')
    .option('--event <name>', 'operation, e.g. Decrypt')
    .option('--error <name>', 'error name, e.g. AccessDeniedException')
    .option('--since <time>', 'ISO-8601')
    .option('--until <time>', 'ISO-8601')
    .option('--limit <n>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await audit()).auditQuery(ctx, o as AuditQueryArgs)));
  sub(aud, 'verify', 'verify the MAC chain, digests and keystore anchor')
    .option('--account <id>')
    .option('--strict', 'also fail on events after the last signed digest')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await audit()).auditVerify(ctx, o as { account?: string; strict?: boolean })));
  sub(aud, 'digest', 'sign (and anchor) a digest over every event not yet covered')
    .option('--account <id>')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await audit()).auditDigest(ctx, o as { account?: string })));

  // ---- raw operations and the endpoint ----
  sub(program, 'kms', 'call any AWS KMS operation with AWS JSON')
    .argument('<Operation>', 'e.g. GenerateDataKey')
    .option('--input-json <json|@file>', 'the request, AWS JSON shape (blobs base64)')
    .action(bind(async (ctx, op: string, o: Record<string, unknown>) => (await kmsRaw()).kmsRaw(ctx, op, o['inputJson'] as string | undefined)));
  sub(program, 'serve', 'serve AWS KMS (JSON 1.1 + SigV4) and STS AssumeRole on localhost')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '4599')
    .option('--max-body-bytes <n>', 'request body limit')
    .option('--max-connections <n>', 'open connections accepted at once (default 1024)')
    .option('--log-requests', 'one line per request on stderr (status, operation, error, principal, time)')
    .option('--pid-file <file>', 'write the server PID here once it listens (stop it with kill "$(cat <file>)")')
    .option('--ready', 'start nothing: wait (up to 30 s) until a server accepts connections on --host/--port')
    .action(bind(async (ctx, o: Record<string, unknown>) => (await serve()).serveCommand(ctx, o as { host?: string; port?: string })));

  // ---- snapshots, images, replication (docs/WORKFLOWS.md) ----
  registerWorkflowCommands(program, sub, bind);
  // ---- SOPS-compatible config files (docs/CONFIG.md) ----
  registerConfigCommands(program, sub, bind);

  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const state: { ctx?: CliContext } = {};
  const debug = argv.includes('--debug');
  try {
    const program = buildProgram(io, state);
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return EXIT_OK;
      // A command group without its subcommand: help went to stderr; that is a usage error.
      if (e.code === 'commander.help') return EXIT_USAGE;
      const message = e.message.replace(/^error: /, '');
      await writeText(io.stderr, `UsageError: ${message}\n(run "envelope --help" for usage)\n`);
      return EXIT_USAGE;
    }
    const { code, text } = reportError(e, debug || state.ctx?.opts.debug === true);
    if (text !== '') await writeText(io.stderr, text);
    return code;
  } finally {
    await state.ctx?.close().catch(() => undefined);
  }
}

export { UsageError };
