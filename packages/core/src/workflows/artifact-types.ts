/**
 * The artifact model of the cross-account workflows (docs/WORKFLOWS.md §1), shaped after Amazon
 * EC2's Snapshot and Image (EC2 API Reference: DescribeSnapshots, DescribeImages,
 * ModifySnapshotAttribute createVolumePermission, ModifyImageAttribute launchPermission).
 */

/** Where a snapshot's bytes came from. */
export type SnapshotSource =
  | { readonly kind: 'file'; readonly path: string }
  | {
      readonly kind: 'copy';
      readonly snapshotId: string;
      readonly account: string;
      readonly region: string;
      /** 'rekey': new data key, body re-encrypted; 'rewrap': same data key, wrapping re-encrypted. */
      readonly mode: CopyMode;
    }
  | { readonly kind: 'stream'; readonly name: string };

export type CopyMode = 'rekey' | 'rewrap';

/**
 * How a snapshot's Envelope message is laid out on disk: the message is `header` (when present)
 * followed by the bytes of `body` from `bodyOffset`. A snapshot created from a file stores the whole
 * message in `body` (no separate header); a rewrapped copy stores its new header in `header` and
 * hard-links the source's body file, so a rewrap never copies the body.
 */
export interface SnapshotLayout {
  readonly header: string | null;
  readonly body: string;
  readonly bodyOffset: number;
}

export interface SnapshotMeta {
  readonly snapshotId: string;
  readonly ownerAccount: string;
  readonly region: string;
  readonly source: SnapshotSource;
  /** Plaintext size in bytes. */
  readonly size: number;
  /** Size of the stored Envelope message in bytes (header + body). */
  readonly storedSize: number;
  /** ARN of the KMS key that wraps the snapshot's data key. */
  readonly keyArn: string;
  /** The message's encryption context. */
  readonly context: Readonly<Record<string, string>>;
  /** ISO-8601 creation time from the injected clock. */
  readonly createdAt: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Accounts this snapshot is shared with (the createVolumePermission attribute). */
  readonly sharedWith: readonly string[];
  readonly layout: SnapshotLayout;
}

export interface ImageMeta {
  readonly imageId: string;
  readonly name: string;
  readonly ownerAccount: string;
  readonly region: string;
  readonly snapshotIds: readonly string[];
  readonly createdAt: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Accounts this image is shared with (the launchPermission attribute). */
  readonly sharedWith: readonly string[];
  /** Set on copies: the image this one was copied from. */
  readonly copiedFrom?: { readonly imageId: string; readonly account: string; readonly region: string };
}

/** An account and region: the scope artifacts live in. */
export interface ArtifactScope {
  readonly account: string;
  readonly region: string;
}
