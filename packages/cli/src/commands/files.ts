/**
 * `envelope encrypt | decrypt | inspect | reencrypt` — file and stream commands over the core's
 * streaming API (docs/FORMAT.md; docs/CLI.md "Files"). `-` is stdin/stdout. File outputs are written
 * to a temp file in the target directory and renamed on success; on failure nothing remains.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  createDecryptStream,
  createEncryptStream,
  decryptRange,
  describeHeader,
  fileSource,
  readHeader,
  rewrapHeader,
} from '@envelope/core/streams'; // the lean entry: the package root also loads config/YAML, age, the pure-JS cipher
import { HeaderRewriteConflict, inPlaceBlocker, recoverHeaderRewrite, recoverHeaderRewritesIn, rewriteHeaderInPlace } from '@envelope/core/outputs';
import type { CliContext } from '../cli-context.js';
import { CliRuntimeError, UsageError } from '../errors.js';
import { assertWritable, pipeToTarget, stdoutAlias, writeAtomically } from '../util/atomic-output.js';
import { parseKeyValues } from '../util/key-value.js';
import { feedFile } from '../util/file-feed.js';
import { createProgress } from '../util/progress.js';

const ENC_SUFFIX = '.enc';
/** Inputs at least this large get a progress bar (when stderr is a TTY). */
const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

export interface EncryptArgs {
  readonly input: string;
  readonly keys: readonly string[];
  readonly output?: string;
  readonly context?: readonly string[];
  readonly frameSize?: string;
  readonly force?: boolean;
}

export interface DecryptArgs {
  readonly input: string;
  /** Only unwrap with these keys (strict mode); default: whichever key the header names (discovery). */
  readonly keys?: readonly string[];
  readonly output?: string;
  readonly context?: readonly string[];
  readonly range?: string;
  readonly force?: boolean;
}

export interface ReencryptArgs {
  readonly input: string;
  readonly keys: readonly string[];
  readonly output?: string;
  readonly context?: readonly string[];
  readonly rewrap?: boolean;
  readonly force?: boolean;
}

function parseFrameSize(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\s*([kKmM]i?[bB]?)?$/.exec(value.trim());
  if (!m) throw new UsageError(`--frame-size expects a byte count such as 65536, 64K or 1M, got "${value}"`);
  const unit = (m[2] ?? '').toLowerCase()[0];
  const n = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--frame-size is out of range: ${value}`);
  return n;
}

/** Parses `START:END` (bytes of plaintext, END exclusive; either side may be omitted). */
export function parseRange(value: string): { start: number; end?: number } {
  const m = /^(\d*):(\d*)$/.exec(value.trim());
  if (!m) throw new UsageError(`--range expects START:END in plaintext bytes (END exclusive), got "${value}"`);
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? undefined : Number(m[2]);
  if (!Number.isSafeInteger(start) || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new UsageError(`--range ${value}: START and END must be integers with START <= END`);
  }
  return end === undefined ? { start } : { start, end };
}

async function inputSize(path: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new CliRuntimeError('InputNotFoundException', `the input file ${path} does not exist`);
    throw e;
  });
  if (s.isDirectory()) throw new UsageError(`${path} is a directory`);
  return s.size;
}

/**
 * Finishes an interrupted in-place header rewrite of `path` (a crashed `reencrypt --rewrap`) before
 * the file is read: its journal holds the new header, which is written again (docs/CLI.md
 * "reencrypt"). A reader goes on when that is impossible (e.g. no write access); a writer (`strict`)
 * fails instead, also when a live process holds the journal.
 */
async function settleHeaderRewrite(ctx: CliContext, path: string, strict = false): Promise<void> {
  if (path === '-') return;
  let r;
  try {
    r = await recoverHeaderRewrite(path);
  } catch (e) {
    if (strict) throw e;
    await ctx.note(`warning: could not finish an interrupted header rewrite of ${path}: ${(e as Error).message}`);
    return;
  }
  if (r.status === 'completed') {
    await ctx.note(`finished an interrupted 'reencrypt --rewrap' of ${path}: wrote its new header (the file had the ${r.found} header)`);
  } else if (r.status === 'discarded') {
    await ctx.note(`removed a stale header-rewrite journal of ${path} (${r.reason}); the file was not changed`);
  } else if (r.status === 'busy' && strict) {
    throw new HeaderRewriteConflict(`process ${r.pid} is rewriting the header of ${path}; try again when it has finished`);
  }
}

/** stdin as a stream; a file through a feed that reuses its read buffers (util/file-feed.ts). */
function openInput(ctx: CliContext, path: string): Readable | { file: string } {
  return path === '-' ? ctx.io.stdin : { file: path };
}

function progressFor(ctx: CliContext, label: string, total: number | undefined) {
  const enabled = ctx.io.stderrIsTTY === true && !ctx.opts.quiet && (total === undefined || total >= PROGRESS_MIN_BYTES);
  return createProgress({ enabled, stream: ctx.io.stderr, label, ...(total !== undefined ? { total } : {}) });
}

async function runPipeline(
  ctx: CliContext,
  source: Readable | { file: string },
  makeTransforms: () => readonly Transform[],
  output: string,
  label: string,
  total: number | undefined,
): Promise<number> {
  const progress = progressFor(ctx, label, total);
  let bytes = 0;
  const signal = ctx.io.signal;
  try {
    if ('file' in source) {
      const onBytes = (n: number) => {
        bytes += n;
        progress.advance(n);
      };
      const feed = (first: Writable) => feedFile(source.file, first, { onBytes, ...(signal ? { signal } : {}) });
      await pipeToTarget(feed, makeTransforms, output, ctx.io.stdout, ctx.tempSuffix(), signal);
    } else {
      progress.meter.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      await pipeToTarget(source, () => [progress.meter, ...makeTransforms()], output, ctx.io.stdout, ctx.tempSuffix(), signal);
    }
  } finally {
    progress.stop();
  }
  return bytes;
}

/** `envelope encrypt <in|-> --key … [-o out|-] [--context k=v …] [--frame-size N]` */
export async function encryptCommand(ctx: CliContext, args: EncryptArgs): Promise<void> {
  if (args.keys.length === 0) throw new UsageError('encrypt needs at least one --key <id|alias|ARN>');
  const input = ctx.path(args.input);
  const output = await stdoutAlias(ctx.path(args.output ?? (args.input === '-' ? '-' : `${args.input}${ENC_SUFFIX}`)));
  if (output !== '-' && output === input) throw new UsageError('the output must differ from the input');
  if (output === '-' && args.output === undefined && ctx.io.stdoutIsTTY === true) {
    throw new UsageError('refusing to write ciphertext to a terminal; pass -o - to do it anyway, or -o <file>');
  }
  const context = parseKeyValues(args.context, '--context');
  const frameLength = parseFrameSize(args.frameSize);
  const total = await inputSize(input);
  await assertWritable({ path: output, force: args.force === true });
  const keyring = (await ctx.kms()).keyring(args.keys);
  const encryptor = () => [
    createEncryptStream({
      keyring,
      ...(context !== undefined ? { context } : {}),
      ...(frameLength !== undefined ? { frameLength } : {}),
    }),
  ];
  const bytes = await runPipeline(ctx, openInput(ctx, input), encryptor, output, 'encrypt', total);
  await report(ctx, output, { Operation: 'Encrypt', Input: args.input, Output: output, KeyIds: [...args.keys], PlaintextBytes: bytes });
}

/** `envelope decrypt <in|-> [-o out|-] [--key K …] [--context k=v …] [--range START:END] [--force]` */
export async function decryptCommand(ctx: CliContext, args: DecryptArgs): Promise<void> {
  const input = ctx.path(args.input);
  let outName = args.output;
  if (outName === undefined) {
    if (args.input === '-') outName = '-';
    else if (args.input.endsWith(ENC_SUFFIX) && args.input.length > ENC_SUFFIX.length) outName = args.input.slice(0, -ENC_SUFFIX.length);
    else throw new UsageError(`cannot derive an output name from ${args.input} (no ${ENC_SUFFIX} suffix); pass -o <out|->`);
  }
  const output = await stdoutAlias(ctx.path(outName));
  if (output !== '-' && output === input) throw new UsageError('the output must differ from the input');
  const context = parseKeyValues(args.context, '--context');
  await inputSize(input);
  await settleHeaderRewrite(ctx, input);
  await assertWritable({ path: output, force: args.force === true });
  const services = await ctx.kms();
  const keyring = args.keys !== undefined && args.keys.length > 0 ? services.keyring(args.keys) : services.discoveryKeyring();
  const opts = { keyring, ...(context !== undefined ? { context } : {}) };
  if (args.range !== undefined) {
    if (input === '-') throw new UsageError('--range needs a file input (it reads only the frames it needs)');
    const range = parseRange(args.range);
    const source = await fileSource(input);
    try {
      const header = await readHeader(source);
      const plainSize = describeHeader(header, source.size).plaintextLength;
      const end = Math.min(range.end ?? Number.MAX_SAFE_INTEGER, plainSize ?? Number.MAX_SAFE_INTEGER);
      const start = Math.min(range.start, end);
      const bytes = await decryptRange(source, start, end, opts);
      if (output === '-') await new Promise<void>((res, rej) => ctx.io.stdout.write(bytes, (e) => (e ? rej(e) : res())));
      else await writeAtomically(output, ctx.tempSuffix(), (sink) => new Promise<void>((res, rej) => sink.end(bytes, () => res()).once('error', rej)));
      await report(ctx, output, { Operation: 'Decrypt', Input: args.input, Output: output, Range: [start, end], PlaintextBytes: bytes.length });
    } finally {
      await source.close?.();
    }
    return;
  }
  const total = await inputSize(input);
  const bytes = await runPipeline(ctx, openInput(ctx, input), () => [createDecryptStream(opts)], output, 'decrypt', total);
  await report(ctx, output, { Operation: 'Decrypt', Input: args.input, Output: output, CiphertextBytes: bytes });
}

/** `envelope inspect <file>` — the header only; no key needed. */
export async function inspectCommand(ctx: CliContext, file: string): Promise<void> {
  const path = ctx.path(file);
  if (path === '-') throw new UsageError('inspect needs a file (it reads the header and the file size)');
  await inputSize(path);
  await settleHeaderRewrite(ctx, path);
  const source = await fileSource(path);
  try {
    const header = await readHeader(source);
    await ctx.print(describeHeader(header, source.size));
  } finally {
    await source.close?.();
  }
}

/** `envelope reencrypt <in> --key <dest> [-o out] [--rewrap]` — default output replaces <in> atomically. */
export async function reencryptCommand(ctx: CliContext, args: ReencryptArgs): Promise<void> {
  if (args.keys.length === 0) throw new UsageError('reencrypt needs at least one destination --key <id|alias|ARN>');
  if (args.input === '-') throw new UsageError('reencrypt needs a file input');
  const input = ctx.path(args.input);
  const output = ctx.path(args.output ?? args.input);
  const inPlace = output === input;
  await inputSize(input);
  await settleHeaderRewrite(ctx, input, inPlace);
  if (!inPlace) await assertWritable({ path: output, force: args.force === true });
  const context = parseKeyValues(args.context, '--context');
  const services = await ctx.kms();
  const decryptKeyring = services.discoveryKeyring();
  const encryptKeyring = services.keyring(args.keys);
  const source = await fileSource(input);
  let header;
  try {
    header = await readHeader(source);
    if (args.rewrap === true) {
      // Only the header changes: new wrapped data keys, same data key, same body bytes.
      const rewrapped = await rewrapHeader(source, { decryptKeyring, encryptKeyring, ...(context !== undefined ? { context } : {}) });
      const summary = { Operation: 'ReEncrypt', Mode: 'rewrap', Input: args.input, Output: output, KeyIds: [...args.keys], HeaderBytes: rewrapped.header.length };
      let fallback: string | undefined;
      if (inPlace) {
        // Same length: the new header is written over the old one (journaled; the body is not read or written).
        const oldHeader = new Uint8Array(await source.read(0, rewrapped.bodyOffset));
        fallback = await inPlaceBlocker(input, oldHeader.length, rewrapped.header.length);
        if (fallback === undefined) {
          const { bytesWritten } = await rewriteHeaderInPlace(input, oldHeader, rewrapped.header);
          await recoverHeaderRewritesIn(dirname(input)); // sweep: other files' journals left by crashed rewraps
          await report(ctx, output, { ...summary, InPlace: true, BytesWritten: bytesWritten }, `ReEncrypt: rewrote the header of ${output} in place (${bytesWritten} bytes written)`);
          return;
        }
        await ctx.note(`reencrypt --rewrap: ${fallback}; rewriting the whole file instead (time proportional to its size)`);
      }
      await writeAtomically(output, ctx.tempSuffix(), async (sink) => {
        await new Promise<void>((res, rej) => sink.write(rewrapped.header, (e) => (e ? rej(e) : res())));
        const body = createReadStream(input, { start: rewrapped.bodyOffset, highWaterMark: 1 << 20 });
        await pipeline(body, sink, ctx.io.signal ? { signal: ctx.io.signal } : {});
      });
      await report(ctx, output, { ...summary, InPlace: false, BytesWritten: source.size - rewrapped.bodyOffset + rewrapped.header.length, ...(fallback !== undefined ? { FullRewriteReason: fallback } : {}) });
      return;
    }
  } finally {
    await source.close?.();
  }
  const { context: messageContext, frameLength } = header;
  const total = await inputSize(input);
  const transforms = () => [
    createDecryptStream({ keyring: decryptKeyring, ...(context !== undefined ? { context } : {}) }),
    createEncryptStream({ keyring: encryptKeyring, context: messageContext, frameLength }),
  ];
  await runPipeline(ctx, openInput(ctx, input), transforms, output, 'reencrypt', total);
  await report(ctx, output, { Operation: 'ReEncrypt', Mode: 'reencrypt', Input: args.input, Output: output, KeyIds: [...args.keys] });
}

/** Summary: on stdout with --json (unless stdout carries the data), else a note on stderr. */
async function report(ctx: CliContext, output: string, summary: Record<string, unknown>, text?: string): Promise<void> {
  if (output !== '-') await ctx.done(summary, text ?? `${String(summary['Operation'])}: wrote ${output}`);
}
