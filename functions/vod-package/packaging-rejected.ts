/** Why vod-package refuses to publish an attempt. Each names what the worker got wrong. */
export type PackagingRejectionCode =
  | 'manifest_invalid'
  | 'file_missing'
  | 'size_mismatch'
  | 'playlist_missing'
  | 'playlist_malformed'
  | 'playlist_not_vod'
  | 'init_missing'
  | 'unsafe_uri'
  | 'segment_missing'
  | 'segment_empty'
  | 'duration_mismatch'
  | 'renditions_misaligned'
  | 'poster_missing'
  | 'thumbnail_missing';

/**
 * The attempt's outputs are definitively unusable: retrying the same event cannot help, the asset
 * fails with this reason. Storage failures are never turned into this; they stay retryable.
 */
export class PackagingRejectedError extends Error {
  readonly code: PackagingRejectionCode;
  /** The offending object, relative to the attempt folder, when there is one. */
  readonly objectKey: string | undefined;
  constructor(
    code: PackagingRejectionCode,
    reason: string,
    options?: { objectKey?: string | undefined; cause?: unknown },
  ) {
    super(reason, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PackagingRejectedError';
    this.code = code;
    this.objectKey = options?.objectKey;
  }
}
