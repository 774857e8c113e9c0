/**
 * `envelope config git-setup` and the two commands it wires into git (docs/CONFIG.md "Git"):
 * a diff driver whose textconv is `envelope config textconv` (decrypted diffs for users who can
 * decrypt, the structural SOPS diff for others) and a pre-commit hook running
 * `envelope config pre-commit`, which refuses staged files that match a creation rule but are not
 * encrypted.
 */
import { execFile } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { creationRuleFor, formatForPath, parseEncryptedConfig, readConfigMetadata } from '@envelope/core';
import type { CliContext } from '../cli-context.js';
import { ExitError, UsageError } from '../errors.js';
import { writeText } from '../io.js';

const run = promisify(execFile);
const DRIVER = 'sopsdiffer';
const HOOK_MARK = '# installed by envelope config git-setup';
export const DEFAULT_PATTERNS = ['*.yaml', '*.yml', '*.json', '*.env', '*.ini'];

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' })).stdout;
}

export async function gitSetup(ctx: CliContext, o: Record<string, unknown>): Promise<void> {
  const repo = ctx.path((o['repo'] as string | undefined) ?? '.');
  const top = (await git(repo, 'rev-parse', '--show-toplevel').catch(() => {
    throw new UsageError(`${repo} is not in a git repository`);
  })).trim();
  const command = (o['command'] as string | undefined) ?? ctx.io.env['ENVELOPE_COMMAND'] ?? 'envelope';
  const patterns = (o['pattern'] as string[] | undefined) ?? DEFAULT_PATTERNS;
  await git(top, 'config', `diff.${DRIVER}.textconv`, `${command} config textconv`);
  await git(top, 'config', `diff.${DRIVER}.cachetextconv`, 'false');
  const attrPath = join(top, '.gitattributes');
  const attrs = await readFile(attrPath, 'utf8').catch(() => '');
  const have = new Set(attrs.split('\n').map((l) => l.trim()));
  const add = patterns.map((p) => `${p} diff=${DRIVER}`).filter((l) => !have.has(l));
  if (add.length > 0) await writeFile(attrPath, `${attrs}${attrs === '' || attrs.endsWith('\n') ? '' : '\n'}${add.join('\n')}\n`);
  const hooksDir = resolve(top, (await git(top, 'rev-parse', '--git-path', 'hooks')).trim());
  const hook = join(hooksDir, 'pre-commit');
  const existing = await readFile(hook, 'utf8').catch(() => undefined);
  if (existing !== undefined && !existing.includes(HOOK_MARK)) {
    throw new UsageError(`${hook} exists and was not written by envelope; add "${command} config pre-commit" to it yourself`);
  }
  await writeFile(hook, `#!/bin/sh\n${HOOK_MARK}\n# refuses staged files that match a .sops.yaml creation rule but are not encrypted\nexec ${command} config pre-commit\n`);
  await chmod(hook, 0o755);
  await ctx.done(
    { DiffDriver: DRIVER, GitAttributes: add, Hook: hook },
    `git diff driver "${DRIVER}" set (textconv: ${command} config textconv); .gitattributes: ${add.length} line(s) added; pre-commit hook: ${hook}`,
  );
}

/** Whether `bytes` (a file named `name`) is a SOPS-encrypted file. */
function isEncrypted(bytes: Uint8Array, name: string): boolean {
  try {
    readConfigMetadata(parseEncryptedConfig(bytes, formatForPath(name)));
    return true;
  } catch {
    return false;
  }
}

export async function preCommit(ctx: CliContext): Promise<void> {
  const cwd = ctx.io.cwd;
  const top = (await git(cwd, 'rev-parse', '--show-toplevel')).trim();
  const staged = (await git(top, 'diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR')).split('\0').filter((f) => f !== '');
  const refused: string[] = [];
  for (const f of staged) {
    if (f.endsWith('.sops.yaml')) continue;
    const rule = await creationRuleFor(join(top, f)).catch(() => undefined);
    if (rule === undefined) continue;
    const content = (await run('git', ['show', `:${f}`], { cwd: top, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })).stdout;
    if (!isEncrypted(new Uint8Array(content), f)) refused.push(f);
  }
  if (refused.length > 0) {
    await writeText(ctx.io.stderr, `envelope: refusing to commit ${refused.length} unencrypted file(s) that match a .sops.yaml creation rule:\n${refused.map((f) => `  ${f}`).join('\n')}\nencrypt them with "envelope config encrypt -i FILE" (or commit with --no-verify)\n`);
    throw new ExitError(1);
  }
}
