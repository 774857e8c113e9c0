/**
 * The SOPS engine over any store (docs/CONFIG.md): decrypt every leaf that the rules say is
 * encrypted, recompute the MAC and compare it with the file's (all or nothing: on any failure the
 * caller gets an error and no plaintext); encrypt every such leaf, re-using the IV of an unchanged
 * (path, type, value) so its ciphertext stays byte-identical, then write `lastmodified` and the
 * MAC. The MAC is SHA-512 over the bytes of every non-comment leaf in document order (all leaves,
 * or only the encrypted ones with `mac_only_encrypted`), as upper-case hex, encrypted as a string
 * with the `lastmodified` text (RFC 3339 in Go's form) as AAD.
 */
import { createHash } from 'node:crypto';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import type { Clock, Random } from '../defaults.js';
import type { ConfigDocument, MetadataSnapshot } from './document.js';
import { parseMetadata, metadataToObject, shouldEncrypt, type SopsMetadata } from './metadata.js';
import { IV_BYTES, IvStash, decryptValue, encryptValue, isEncryptedText, pathAad } from './value-cipher.js';
import { strValue, textOf, type LeafValue } from './values.js';
import { applyCommentRules, assertCommentCiphertext, CommentStack, hasCommentRules } from './comment-rules.js';

/** Bytes prefixed to the MAC input when only encrypted values are MAC'd (SOPS's constant). */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/** `lastmodified` as Go prints it after parsing (RFC 3339, no fractional seconds, a zero offset as Z). */
export function macAad(lastmodified: string): string {
  return lastmodified.replace(/\.\d+(?=Z|[+-])/, '').replace(/[+-]00:00$/, 'Z');
}

export function rfc3339Seconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Reads and validates the metadata; ValidationException when the file has none. */
export function readMetadata(doc: ConfigDocument): SopsMetadata {
  const raw = doc.getMetadata();
  if (raw === undefined) throw new ValidationException('the file has no sops metadata (is it encrypted? use "envelope config encrypt")');
  return parseMetadata(raw);
}

/**
 * Decrypts `doc` in place with `dataKey` and checks the MAC. Returns the IVs read (for minimal
 * re-encryption). On a MAC mismatch or a value that fails authentication, throws
 * InvalidCiphertextException; the caller must then discard `doc`.
 */
export function decryptDocument(doc: ConfigDocument, md: SopsMetadata, dataKey: Uint8Array): { stash: IvStash; snapshot: MetadataSnapshot } {
  const stash = new IvStash(dataKey);
  const hash = createHash('sha512');
  if (md.mac_only_encrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const pending: (() => void)[] = [];
  const comments = hasCommentRules(md) ? new CommentStack() : undefined;
  for (const leaf of doc.leaves()) {
    const cur = leaf.get();
    let enc = shouldEncrypt(md, leaf.path);
    if (comments) enc = applyCommentRules(md, enc, comments.visit(leaf, leaf.comment ? textOf(cur) : ''), leaf.comment);
    if (leaf.comment) {
      const t = textOf(cur);
      if (!enc || !isEncryptedText(t)) continue;
      for (const p of [leaf.path, ...(leaf.altPaths ?? [])]) {
        try {
          const aad = pathAad(p);
          const { value, iv, canonical } = decryptValue(dataKey, t, aad);
          stash.remember(aad, value, iv, canonical ? t : undefined);
          pending.push(() => leaf.set(value, false));
          break;
        } catch {
          // comments are not covered by the MAC; one that does not decrypt is kept as it is (as SOPS does)
        }
      }
      continue;
    }
    let plain = cur;
    if (enc) {
      if (cur.type !== 'str') throw new InvalidCiphertextException(`the value at "${pathAad(leaf.path)}" must be encrypted but is a plain ${cur.type}`);
      const t = textOf(cur);
      if (t !== '') {
        const aad = pathAad(leaf.path);
        const { value, iv, canonical } = decryptValue(dataKey, t, aad);
        stash.remember(aad, value, iv, canonical ? t : undefined);
        plain = value;
        pending.push(() => leaf.set(value, false));
      }
    }
    if (!md.mac_only_encrypted || enc) hash.update(plain.bytes);
  }
  const computed = hash.digest('hex').toUpperCase();
  let fileMac: string;
  try {
    fileMac = textOf(decryptValue(dataKey, md.mac, macAad(md.lastmodified)).value);
  } catch {
    throw new InvalidCiphertextException('the file MAC does not decrypt (the metadata was changed or the data key is wrong); nothing was decrypted');
  }
  if (fileMac !== computed) throw new InvalidCiphertextException('MAC mismatch: values were added, removed, reordered or changed; nothing was decrypted');
  for (const apply of pending) apply();
  return { stash, snapshot: doc.removeMetadata() };
}

export interface EncryptDocumentOptions {
  readonly random: Random;
  readonly clock: Clock;
  /** IVs of the values read from the previous version of the file. */
  readonly stash?: IvStash;
  /** The previous version's metadata as written: kept, and only changed entries rewritten. */
  readonly snapshot?: MetadataSnapshot;
}

/** Encrypts a plaintext `doc` in place with `dataKey`, sets lastmodified and the MAC, writes the metadata. */
export function encryptDocument(doc: ConfigDocument, md: SopsMetadata, dataKey: Uint8Array, o: EncryptDocumentOptions): void {
  const hash = createHash('sha512');
  if (md.mac_only_encrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  // An unchanged value read under this data key keeps its text (no cipher call); else its IV is re-used.
  const seal = (aad: string, v: LeafValue): string => {
    const known = o.stash?.find(aad, v, dataKey);
    return known?.text ?? encryptValue(dataKey, v, aad, known?.iv ?? o.random(IV_BYTES));
  };
  const comments = hasCommentRules(md) ? new CommentStack() : undefined;
  for (const leaf of doc.leaves()) {
    const v = leaf.get();
    let enc = shouldEncrypt(md, leaf.path);
    if (comments) enc = applyCommentRules(md, enc, comments.visit(leaf, leaf.comment ? textOf(v) : ''), leaf.comment);
    if (!leaf.comment && (!md.mac_only_encrypted || enc)) hash.update(v.bytes);
    if (!enc || v.bytes.length === 0) continue;
    const aad = pathAad(leaf.path);
    const sealed = seal(aad, v);
    if (leaf.comment && comments) assertCommentCiphertext(md, sealed);
    leaf.set(strValue(sealed), true);
  }
  md.lastmodified = rfc3339Seconds(o.clock());
  const mac = strValue(hash.digest('hex').toUpperCase());
  const aad = macAad(md.lastmodified);
  md.mac = encryptValue(dataKey, mac, aad, o.random(IV_BYTES));
  if (o.snapshot !== undefined) doc.restoreMetadata(o.snapshot);
  doc.setMetadata(metadataToObject(md));
}
