/**
 * The command tree of `envelope config …` (docs/CONFIG.md), registered into the program by run.ts
 * with one call; the commands' code (and the core's config area, yaml, age, gpg) loads only when
 * one of them runs.
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { collect } from '../util/key-value.js';

const config = () => import('./config.js');
const git = () => import('./config-git.js');

type Handler = (ctx: CliContext, ...args: any[]) => Promise<void>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Sub = (parent: Command, name: string, description: string) => Command;
type Bind = (fn: Handler) => (...args: unknown[]) => Promise<void>;
type Opts = Record<string, unknown>;

function keyFlags(c: Command): Command {
  return c
    .option('--kms <key>', 'KMS key id, ARN or alias; KEY_ARN+ROLE_ARN to use it as an IAM role (repeatable, or comma-separated)', collect)
    .option('--aws-profile <name>', 'AWS profile (~/.aws) whose credentials and settings the --kms keys are used with (kept in the file)')
    .option('--age <recipient>', 'age X25519 recipient age1… (repeatable, or comma-separated)', collect)
    .option('--pgp <fingerprint>', 'PGP key fingerprint, through gpg (repeatable, or comma-separated)', collect)
    .option('--encryption-context <k=v>', 'KMS encryption context pair for --kms keys (repeatable)', collect);
}

export function registerConfigCommands(program: Command, sub: Sub, bind: Bind): void {
  const cfg = sub(program, 'config', 'SOPS-compatible config files: values encrypted one by one (docs/CONFIG.md)');
  keyFlags(sub(cfg, 'encrypt', 'encrypt a YAML/JSON/.env/INI (or any) file as SOPS does'))
    .argument('<file>', 'plaintext file, or - for stdin (then give --format)')
    .option('-i, --in-place', 'replace the file')
    .option('-o, --output <out>', 'output file (default: stdout)')
    .option('-f, --force', 'overwrite an existing output file')
    .option('--format <format>', 'yaml, json, dotenv, ini or binary (default: from the file name)')
    .option('--encrypted-regex <re>', 'encrypt only values whose key matches')
    .option('--unencrypted-regex <re>', 'leave values whose key matches in clear')
    .option('--encrypted-suffix <s>', 'encrypt only values whose key ends with this')
    .option('--unencrypted-suffix <s>', 'leave values whose key ends with this in clear (default _unencrypted)')
    .option('--encrypted-comment-regex <re>', 'encrypt only values after a comment that matches (and comments after it)')
    .option('--unencrypted-comment-regex <re>', 'leave values after a comment that matches in clear')
    .option('--mac-only-encrypted', 'the MAC covers only encrypted values')
    .action(bind(async (ctx, file: string, o: Opts) => (await config()).configEncrypt(ctx, file, o)));
  sub(cfg, 'decrypt', 'decrypt a SOPS file (all or nothing: a bad MAC prints no plaintext)')
    .argument('<file>', 'encrypted file, or - for stdin (then give --format)')
    .option('-o, --output <out>', 'output file, or - for stdout (default)')
    .option('-f, --force', 'overwrite an existing output file')
    .option('--extract <path>', 'print one value, e.g. \'["db"]["password"]\'')
    .option('--format <format>', 'yaml, json, dotenv, ini or binary (default: from the file name)')
    .action(bind(async (ctx, file: string, o: Opts) => (await config()).configDecrypt(ctx, file, o)));
  sub(cfg, 'edit', 'open the decrypted file in $EDITOR (private copy in RAM when possible); re-encrypt with minimal diffs')
    .argument('<file>')
    .action(bind(async (ctx, file: string) => (await config()).configEdit(ctx, file)));
  sub(cfg, 'set', 'set one value (VALUE is JSON) and re-encrypt with minimal diffs')
    .argument('<file>')
    .argument('<path>', 'e.g. \'["db"]["password"]\'')
    .argument('<value>', 'JSON, e.g. \'"s3cret"\' or 5432')
    .action(bind(async (ctx, file: string, p: string, v: string) => (await config()).configSet(ctx, file, p, v)));
  sub(cfg, 'unset', 'remove one value and re-encrypt with minimal diffs')
    .argument('<file>')
    .argument('<path>')
    .action(bind(async (ctx, file: string, p: string) => (await config()).configUnset(ctx, file, p)));
  sub(cfg, 'exec-env', 'run a command with the top-level values as environment variables (nothing written to disk)')
    .argument('<file>')
    .argument('<command...>', 'the command (after --); one argument runs through sh -c')
    .action(bind(async (ctx, file: string, argv: string[]) => (await config()).configExecEnv(ctx, file, argv)));
  sub(cfg, 'exec-file', 'run a command with {} replaced by the path of a private decrypted copy (removed after)')
    .argument('<file>')
    .argument('<command...>')
    .action(bind(async (ctx, file: string, argv: string[]) => (await config()).configExecFile(ctx, file, argv)));
  keyFlags(sub(cfg, 'updatekeys', 'apply the creation rule\'s (or the flags\') master keys; values unchanged'))
    .argument('<file>')
    .action(bind(async (ctx, file: string, o: Opts) => (await config()).configUpdateKeys(ctx, file, o)));
  sub(cfg, 'rotate', 'new data key; every value re-encrypted')
    .argument('<file>')
    .action(bind(async (ctx, file: string) => (await config()).configRotate(ctx, file)));
  sub(cfg, 'filestatus', 'print {"encrypted": true|false}')
    .argument('<file>')
    .action(bind(async (ctx, file: string) => (await config()).configFileStatus(ctx, file)));
  sub(cfg, 'git-setup', 'git diff driver (textconv) showing decrypted changes + pre-commit hook refusing unencrypted files')
    .option('--repo <dir>', 'the repository (default: the current directory)')
    .option('--command <cmd>', 'how git runs envelope (default: envelope, or $ENVELOPE_COMMAND)')
    .option('--pattern <glob>', '.gitattributes pattern for the diff driver (repeatable; default *.yaml *.yml *.json *.env *.ini)', collect)
    .action(bind(async (ctx, o: Opts) => (await git()).gitSetup(ctx, o)));
  sub(cfg, 'pre-commit', 'refuse staged files that match a creation rule but are not encrypted (the git hook)')
    .action(bind(async (ctx) => (await git()).preCommit(ctx)));
  sub(cfg, 'textconv', 'print a SOPS file decrypted, or as it is when it cannot be (git diff driver)')
    .argument('<file>')
    .action(bind(async (ctx, file: string) => (await config()).textconv(ctx, file)));
}

