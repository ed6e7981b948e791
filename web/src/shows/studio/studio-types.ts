/**
 * The shapes the studio reads and sends (functions/{shows,videos,live-streams,cdn-logs} and issue 16's
 * studio API). Pure types and constants, so Node unit tests may import what uses them.
 */

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export type ShowState = 'upcoming' | 'live' | 'on_demand' | 'ended' | 'cancelled';

export interface Show {
  readonly id: string;
  readonly title: string;
  readonly description: string | null;
  readonly startsAt: string;
  readonly status: 'on_sale' | 'cancelled';
  readonly capacity: number;
  readonly seatsAvailable: number;
  readonly price: Money;
  readonly videoId: string | null;
  readonly state?: ShowState;
  readonly liveStreamId?: string | null;
}

export interface StudioShow extends Show {
  readonly seatsSold?: number;
  readonly seatsHeld?: number;
  readonly checkedIn?: number;
  readonly revenue?: Money;
  readonly refunded?: Money;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface ShowInput {
  readonly title: string;
  readonly description?: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly price: Money;
  readonly videoId?: string;
}

/**
 * One UTC day of `GET /v1/studio/shows/{id}/sales`: `revenue` in the minor units of the answer's
 * `currency` (the show's); money (`{amount, currency}`) is read too.
 */
export interface SalesDay {
  readonly day: string;
  readonly ticketsSold: number;
  readonly revenue: number | Money;
}

export interface Sales {
  readonly currency?: string;
  readonly days: readonly SalesDay[];
}

export interface CdnDay {
  readonly day: string;
  readonly requests: number;
  readonly views: number;
  readonly bytes: number;
  readonly viewers: number;
}

export interface CdnStats {
  readonly videoId: string;
  readonly from: string;
  readonly to: string;
  readonly days: readonly CdnDay[];
  readonly totals: Omit<CdnDay, 'day'>;
}

export type VideoStatus =
  | 'awaiting_upload'
  | 'uploaded'
  | 'queued'
  | 'transcoding'
  | 'packaging'
  | 'ready'
  | 'failed'
  | 'live';

export interface Video {
  readonly id: string;
  readonly title: string;
  readonly status: VideoStatus;
  readonly progressPercent: number | null;
  readonly attempt: number;
  readonly failure: { readonly code: string; readonly reason: string } | null;
  readonly lastError: string | null;
  readonly durationSeconds: number | null;
  readonly renditions: readonly { readonly name: string; readonly width: number; readonly height: number }[];
  readonly createdAt: string;
}

export interface PresignedUpload {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: string;
}

export const VIDEO_CONTENT_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/webm',
  'video/x-matroska',
] as const;

export type VideoContentType = (typeof VIDEO_CONTENT_TYPES)[number];

/** shared/video/video.ts MAX_VIDEO_BYTES: a single presigned PUT. */
export const MAX_VIDEO_BYTES = 5 * 1024 ** 3;

export type LiveStatus = 'idle' | 'starting' | 'live' | 'reconnecting' | 'ended' | 'failed';

export interface LiveStream {
  readonly id: string;
  readonly assetId: string;
  readonly videoStatus: string | null;
  readonly showId: string | null;
  readonly title: string;
  readonly status: LiveStatus;
  readonly keyHint: string;
  readonly ingest: { readonly rtmp: string; readonly rtmps: string; readonly whip: string };
  readonly protocol: string | null;
  readonly recordedSeconds: number;
  readonly endReason: string | null;
  readonly failure: { readonly code: string; readonly reason: string } | null;
  readonly liveAt: string | null;
  readonly createdAt: string;
}

export interface LiveStreamWithKey extends LiveStream {
  readonly streamKey: string;
  readonly ingest: LiveStream['ingest'] & { readonly streamName: string };
}
