import type { Rendition } from './transcode-manifest.ts';

export type VideoStatus =
  | 'awaiting_upload'
  | 'uploaded'
  | 'queued'
  | 'transcoding'
  | 'packaging'
  | 'ready'
  | 'failed'
  /** A live stream's asset while the stream is not finalised (shared/live); then `queued` or `failed`. */
  | 'live';

/** Where an asset's media comes from: an uploaded file, or a live stream's recording. */
export type VideoOrigin = 'upload' | 'live';

/** Containers a creator may upload; the presigned URL binds the declared content type. */
export const VIDEO_CONTENT_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
  'video/mp2t',
  'video/x-msvideo',
] as const;
export type VideoContentType = (typeof VIDEO_CONTENT_TYPES)[number];

/** Largest source accepted: a single presigned PUT (OCI and S3 both cap a single PUT near this). */
export const MAX_VIDEO_BYTES = 5 * 1024 ** 3;

export interface VideoAsset {
  readonly id: string;
  readonly orgId: string;
  readonly title: string;
  readonly contentType: string;
  readonly declaredBytes: number;
  readonly status: VideoStatus;
  readonly origin: VideoOrigin;
  readonly failure: { readonly code: string; readonly reason: string } | null;
  readonly sourceKey: string;
  readonly sourceEtag: string | null;
  readonly sourceBytes: number | null;
  readonly jobMessageId: string | null;
  readonly attempt: number;
  readonly workerId: string | null;
  readonly progressPercent: number | null;
  readonly lastError: string | null;
  readonly mode: 'ladder' | 'remux' | null;
  readonly durationSeconds: number | null;
  readonly sourceWidth: number | null;
  readonly sourceHeight: number | null;
  readonly mediaPrefix: string | null;
  readonly renditions: readonly PublishedRendition[] | null;
  readonly posterKey: string | null;
  readonly createdAt: Date;
  readonly uploadedAt: Date | null;
  readonly queuedAt: Date | null;
  readonly startedAt: Date | null;
  readonly progressAt: Date | null;
  readonly finishedAt: Date | null;
}

/** A rendition as published in the master playlist, with the bitrates measured from its segments. */
export interface PublishedRendition
  extends Pick<Rendition, 'name' | 'playlist' | 'width' | 'height' | 'frameRate' | 'codecs'> {
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly segments: number;
}

/** Failure codes an asset can end with (besides the worker's source refusals, which pass through). */
export const VIDEO_FAILURES = {
  sourceTooLarge: 'source_too_large',
  sourceMissing: 'source_missing',
  sourceReplaced: 'source_replaced',
  gaveUp: 'transcode_gave_up',
  packagingRejected: 'packaging_rejected',
  /** A live stream ended without a single stored segment: there is nothing to make a VOD of. */
  noRecording: 'no_recording',
} as const;
