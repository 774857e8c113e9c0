/**
 * File-level encrypt / decrypt / re-encrypt over the core's streaming API (docs/FORMAT.md;
 * ARCHITECTURE.md "Data flow" job 1): source file → meter → transform(s) → temp file → rename.
 * Progress is reported in source bytes; an AbortSignal cancels, and a cancelled or failed job
 * leaves no output file. Also the in-memory paths of the Encrypted Editor (small files).
 */
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import {
  createDecryptStream, createEncryptStream, decrypt, describeHeader, encrypt, fileSource,
  isEnvelopeMessage, readHeader, systemRandom, ValidationException,
  type HeaderDescription, type Keyring, type MessageHeader,
} from './core-adapter.js';
import { pipeToFileAtomically, writeFileAtomically } from './atomic-write.js';

/** Bytes needed to recognise an Envelope message (magic + version, FORMAT.md §3.1). */
export const MAGIC_PROBE_LENGTH = 5;

export interface JobOptions {
  readonly signal?: AbortSignal;
  /** Called with source bytes processed so far and the source size. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface EncryptFileOptions extends JobOptions {
  readonly keyring: Keyring;
  readonly context?: Record<string, string>;
  readonly frameLength?: number;
}

export interface DecryptFileOptions extends JobOptions {
  readonly keyring: Keyring;
}

export interface ReencryptFileOptions extends JobOptions {
  readonly decryptKeyring: Keyring;
  readonly encryptKeyring: Keyring;
}

/** A hex suffix for temp files. */
export function randomSuffix(): string {
  return Buffer.from(systemRandom(6)).toString('hex');
}

/** True when the path is a regular file starting with the Envelope magic bytes (not by name). */
export async function isEnvelopeFile(path: string): Promise<boolean> {
  // Only regular files: opening a FIFO or device to peek would block or consume it.
  if (!(await stat(path).then((s) => s.isFile(), () => false))) return false;
  let h;
  try {
    h = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const buf = new Uint8Array(MAGIC_PROBE_LENGTH);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && isEnvelopeMessage(buf);
  } catch {
    return false;
  } finally {
    await h.close();
  }
}

/** Reads and parses only the header (no key needed); with the file size for the plaintext length. */
export async function inspectFile(path: string): Promise<{ header: MessageHeader; description: HeaderDescription }> {
  const source = await fileSource(path);
  try {
    const header = await readHeader(source);
    return { header, description: describeHeader(header, source.size) };
  } finally {
    await source.close?.();
  }
}

export async function encryptFile(input: string, output: string, opts: EncryptFileOptions): Promise<void> {
  const total = (await stat(input)).size;
  const encryptor = createEncryptStream({
    keyring: opts.keyring,
    ...(opts.context !== undefined ? { context: opts.context } : {}),
    ...(opts.frameLength !== undefined ? { frameLength: opts.frameLength } : {}),
  });
  await pipeToFileAtomically(createReadStream(input, { highWaterMark: 1 << 20 }), [meter(total, opts), encryptor], output, {
    suffix: randomSuffix(),
    mode: 0o644,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Decrypts to `output` (mode 0600); plaintext is released frame by frame only after its tag verified. */
export async function decryptFile(input: string, output: string, opts: DecryptFileOptions): Promise<void> {
  const total = (await stat(input)).size;
  await pipeToFileAtomically(
    createReadStream(input, { highWaterMark: 1 << 20 }),
    [meter(total, opts), createDecryptStream({ keyring: opts.keyring })],
    output,
    { suffix: randomSuffix(), mode: 0o600, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
}

/**
 * Re-encrypts `path` in place under new keys: a fresh data key, the same encryption context and
 * frame length (decrypt stream → encrypt stream, replaced atomically).
 */
export async function reencryptFile(path: string, opts: ReencryptFileOptions): Promise<void> {
  const { header } = await inspectFile(path);
  const info = await stat(path);
  await pipeToFileAtomically(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    [
      meter(info.size, opts),
      createDecryptStream({ keyring: opts.decryptKeyring }),
      createEncryptStream({ keyring: opts.encryptKeyring, context: { ...header.context }, frameLength: header.frameLength }),
    ],
    path,
    { suffix: randomSuffix(), mode: info.mode & 0o777, ...(opts.signal ? { signal: opts.signal } : {}) },
  );
}

/** What the Encrypted Editor keeps to re-encrypt a document "with the same keys and context". */
export interface MessageParams {
  /** Key ids (ARNs) of the message's encrypted data keys, in header order. */
  readonly keyIds: readonly string[];
  readonly context: Record<string, string>;
  readonly frameLength: number;
}

export function messageParams(header: MessageHeader): MessageParams {
  const keyIds: string[] = [];
  for (const edk of header.encryptedDataKeys) if (!keyIds.includes(edk.keyId)) keyIds.push(edk.keyId);
  return { keyIds, context: { ...header.context }, frameLength: header.frameLength };
}

/**
 * Reads a whole Envelope file for decryption in memory (Encrypted Editor, `envelope:` view),
 * refusing files larger than `maxBytes` (envelope.maxEditorFileSize) with a ValidationException.
 */
export async function readFileUpTo(path: string, maxBytes: number): Promise<Uint8Array> {
  const size = (await stat(path)).size;
  if (size > maxBytes) {
    throw new ValidationException(
      `${path} is ${size} bytes; Envelope decrypts files up to ${maxBytes} bytes in memory (envelope.maxEditorFileSize). Use "Envelope: Decrypt File" instead.`,
    );
  }
  return new Uint8Array(await readFile(path));
}

/** Decrypts a whole (small) message into memory; plaintext never touches the disk. */
export async function decryptToMemory(ciphertext: Uint8Array, keyring: Keyring): Promise<{ plaintext: Uint8Array; params: MessageParams }> {
  const { plaintext, header } = await decrypt(ciphertext, { keyring });
  return { plaintext, params: messageParams(header) };
}

/** Encrypts in memory under `params` (same keys, context, frame length). */
export function encryptToMemory(plaintext: Uint8Array, keyring: Keyring, params: MessageParams): Promise<Uint8Array> {
  return encrypt(plaintext, { keyring, context: { ...params.context }, frameLength: params.frameLength });
}

/** Encrypts `plaintext` and replaces `path` atomically (keeping its file mode). */
export async function encryptToFile(path: string, plaintext: Uint8Array, keyring: Keyring, params: MessageParams): Promise<void> {
  const ciphertext = await encryptToMemory(plaintext, keyring, params);
  const mode = await stat(path).then((s) => s.mode & 0o777, () => 0o644);
  await writeFileAtomically(path, ciphertext, { suffix: randomSuffix(), mode });
}

/** Counts source bytes for progress and stops promptly on abort. */
function meter(total: number, opts: JobOptions): Transform {
  let done = 0;
  return new Transform({
    highWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (opts.signal?.aborted) {
        cb(opts.signal.reason instanceof Error ? opts.signal.reason : new Error('cancelled'));
        return;
      }
      done += chunk.length;
      opts.onProgress?.(done, total);
      cb(null, chunk);
    },
  });
}
