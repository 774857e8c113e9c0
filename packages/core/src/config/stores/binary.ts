/**
 * Binary store (docs/CONFIG.md "Binary"): the whole file is one string value at path `data`; the
 * encrypted file is JSON `{"data": "ENC[…]", "sops": {…}}` like SOPS writes it.
 */
import { ValidationException } from '../../errors.js';
import type { ConfigDocument, Leaf, MetadataSnapshot, PathStep } from '../document.js';
import type { LeafValue } from '../values.js';
import { JsonDocument } from './json.js';

/** A plaintext file as one value. */
export class BinaryPlainDocument implements ConfigDocument {
  readonly format = 'binary' as const;
  private value: LeafValue;
  private encrypted: JsonDocument | undefined;

  constructor(bytes: Uint8Array) {
    this.value = { type: 'str', bytes };
  }

  static parseEncrypted(text: string): ConfigDocument {
    const doc = JsonDocument.parse(text);
    const js = doc.toJS() as Record<string, unknown>;
    if (typeof js['data'] !== 'string') throw new ValidationException('an encrypted binary file needs a "data" string');
    const out = new BinaryPlainDocument(new Uint8Array(0));
    out.encrypted = doc;
    return out;
  }

  private json(): JsonDocument {
    this.encrypted ??= JsonDocument.parse('{\n\t"data": ""\n}\n');
    return this.encrypted;
  }

  leaves(): Leaf[] {
    if (this.encrypted !== undefined) {
      const inner = this.encrypted.leaves().filter((l) => l.path.length === 1 && l.path[0] === 'data');
      return inner.map((l) => ({
        path: ['data'],
        comment: false,
        get: () => l.get(),
        set: (v, encrypted) => {
          if (encrypted) l.set(v, true);
          else {
            this.value = v;
            this.encrypted = undefined;
          }
        },
      }));
    }
    return [
      {
        path: ['data'],
        comment: false,
        get: () => this.value,
        set: (v, encrypted) => {
          if (encrypted) {
            this.json().leaves()[0]!.set(v, true);
          } else this.value = v;
        },
      },
    ];
  }

  getMetadata(): Record<string, unknown> | undefined {
    return this.encrypted?.getMetadata();
  }

  setMetadata(meta: Record<string, unknown>): void {
    this.json().setMetadata(meta);
  }

  removeMetadata(): MetadataSnapshot {
    return this.encrypted?.removeMetadata() ?? { format: 'json', data: undefined };
  }

  restoreMetadata(s: MetadataSnapshot): void {
    this.json().restoreMetadata(s);
  }

  serialize(): Uint8Array {
    return this.encrypted !== undefined ? this.encrypted.serialize() : this.value.bytes;
  }

  toJS(): unknown {
    return { data: new TextDecoder().decode(this.value.bytes) };
  }

  extract(_path: readonly PathStep[]): unknown {
    throw new ValidationException('binary files are not structured: a single value cannot be extracted');
  }

  setPath(): void {
    throw new ValidationException('binary files are not structured: use decrypt and encrypt');
  }

  unsetPath(): boolean {
    throw new ValidationException('binary files are not structured: use decrypt and encrypt');
  }
}
