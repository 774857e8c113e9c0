/**
 * `@file` values, like the AWS CLI's `file://`: a flag value starting with `@` is read from the
 * named file (relative to the CLI's cwd); `@-` reads standard input; anything else is literal.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { describeJsonSyntaxError } from './json-error.js';

export interface ValueArgIo {
  readonly cwd: string;
  readonly stdin: Readable;
}

/** Resolves a literal-or-@file value to its text. */
export async function readValueArg(value: string, io: ValueArgIo, flag: string): Promise<string> {
  if (!value.startsWith('@')) return value;
  const path = value.slice(1);
  if (path === '') throw new UsageError(`${flag}: "@" must be followed by a file name (e.g. ${flag} @policy.json)`);
  if (path === '-') return (await readAll(io.stdin)).toString('utf8');
  try {
    return await readFile(resolve(io.cwd, path), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read ${path}: ${code ?? (e as Error).message}`);
  }
}

/** Resolves a literal-or-@file value and parses it as JSON, naming the flag on failure. */
export async function readJsonArg(value: string, io: ValueArgIo, flag: string): Promise<unknown> {
  const text = await readValueArg(value, io, flag);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: not valid JSON (${describeJsonSyntaxError(e)})`);
  }
}

/** Reads a whole readable stream into one Buffer. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
