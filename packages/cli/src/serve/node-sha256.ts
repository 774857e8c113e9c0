/**
 * A SHA-256 / HMAC-SHA-256 hash constructor in the shape @smithy/signature-v4 expects
 * (`new Hash(secret?)`, `update`, `digest(): Promise<Uint8Array>`), backed by node:crypto so SigV4
 * verification on the server's hot path runs in native code.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

type Bytes = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: Bytes): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: Bytes) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Bytes): void {
    this.h.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  digestSync(): Uint8Array {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    throw new Error('NodeSha256 cannot be reset; create a new instance');
  }
}
