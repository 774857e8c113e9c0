/**
 * SOPS's comment rules, `encrypted_comment_regex` and `unencrypted_comment_regex` (docs/CONFIG.md
 * "What is encrypted"; SOPS's sops.go `shouldBeEncrypted` and tree walk). While walking the tree,
 * every container (mapping or list) keeps the comments seen since its last non-comment item; a
 * leaf sees the comments of every container on its way from the root (its "comment stack"):
 * - `unencrypted_comment_regex`: a leaf is left in clear when any comment of its stack matches
 *   (so a matching comment itself stays in clear, and so does everything after it until the next
 *   value of that container, including the whole of a nested mapping or list that follows it);
 * - `encrypted_comment_regex`: a leaf is encrypted only when a comment of its stack matches — a
 *   matching comment itself is not encrypted by its own match, only by an earlier one.
 * At encryption the stack holds the comments' plaintext, at decryption their text as in the file,
 * as in SOPS. A comment encrypted to a text that `unencrypted_comment_regex` matches is refused
 * (SOPS's check: such a file would not decrypt).
 */
import { ValidationException } from '../errors.js';
import type { Leaf } from './document.js';
import { goRegex, type CryptRules } from './metadata.js';

export function hasCommentRules(rules: CryptRules): boolean {
  return rules.encrypted_comment_regex !== undefined || rules.unencrypted_comment_regex !== undefined;
}

interface Level {
  /** The item of this container the walk is in (a key or an index among non-comment items). */
  item: string | number | undefined;
  /** True while that item is a value or a container (not a comment). */
  open: boolean;
  /** Non-comment items of this container already walked past (for stores that give indices). */
  done: number;
  comments: string[];
}

/**
 * Follows the walk over a document's leaves (in document order) and gives each leaf its comment
 * stack. A leaf's place comes from its `scope` (document.ts) or, for stores without lists or
 * nulls, from its path: each mapping key is the item of its level, and a comment sits after
 * the items of its path.
 */
export class CommentStack {
  private readonly levels: Level[] = [];

  /** The comment stack of `leaf` (one list per container from the root); `text` is a comment's text. */
  visit(leaf: Leaf, text: string): readonly (readonly string[])[] {
    const scope: readonly (string | number | null)[] = leaf.scope ?? (leaf.comment ? [...leaf.path, null] : leaf.path);
    const last = scope.length - 1;
    for (let i = 0; i <= last; i++) {
      const id = scope[i]!;
      let level = this.levels[i];
      if (level === undefined) {
        level = { item: undefined, open: false, done: 0, comments: [] };
        this.levels[i] = level;
      }
      const isComment = leaf.comment && i === last;
      if (!isComment && level.open && level.item === id) continue; // still inside the same item
      this.levels.length = i + 1;
      // A value or container walked past (or skipped: a null, an empty mapping) ends the comments.
      const skipped = typeof id === 'number' && id > level.done;
      if (level.open || skipped) level.comments = [];
      if (isComment) {
        level.open = false;
        if (typeof id === 'number') level.done = id;
        level.comments.push(text);
      } else {
        level.item = id ?? undefined;
        level.open = true;
        level.done = typeof id === 'number' ? id + 1 : level.done + 1;
      }
    }
    return this.levels.slice(0, last + 1).map((l) => l.comments);
  }
}

/** SOPS's comment rules on top of the path rules' decision `encrypted`. */
export function applyCommentRules(rules: CryptRules, encrypted: boolean, stack: readonly (readonly string[])[], isComment: boolean): boolean {
  if (rules.unencrypted_comment_regex !== undefined) {
    const re = goRegex(rules.unencrypted_comment_regex);
    if (stack.some((cs) => cs.some((c) => re.test(c)))) encrypted = false;
  }
  if (rules.encrypted_comment_regex !== undefined) {
    const re = goRegex(rules.encrypted_comment_regex);
    const lastLevel = stack.length - 1;
    encrypted = stack.some((cs, i) => cs.some((c, j) => !(isComment && i === lastLevel && j === cs.length - 1) && re.test(c)));
  }
  return encrypted;
}

/** SOPS refuses to write an encrypted comment that unencrypted_comment_regex matches (it would be read as clear text). */
export function assertCommentCiphertext(rules: CryptRules, ciphertext: string): void {
  if (rules.unencrypted_comment_regex !== undefined && goRegex(rules.unencrypted_comment_regex).test(ciphertext)) {
    throw new ValidationException(`an encrypted comment matches unencrypted_comment_regex (${rules.unencrypted_comment_regex}): choose a regex that cannot match "ENC[AES256_GCM,…]"`);
  }
}
