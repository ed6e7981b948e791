/**
 * The API as the creator studio uses it: the studio's show list and sales (issue 16's contract),
 * shows, videos with their presigned upload, live streams, and the CDN statistics of a video.
 * Shapes follow functions/{shows,videos,live-streams,cdn-logs}; members the studio API adds are
 * read defensively (a missing figure shows as a dash, never as a crash).
 */
import { api } from '../../app/api.ts';

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

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});
const cursorQuery = (cursor: string | null) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');

export const studioShowsPath = (cursor: string | null) => `/studio/shows?limit=20${cursorQuery(cursor)}`;
export const listStudioShows = (cursor: string | null, signal?: AbortSignal) =>
  api.get<Page<StudioShow>>(studioShowsPath(cursor), withSignal(signal));

export const showPath = (id: string) => `/shows/${encodeURIComponent(id)}`;
export const getShow = (id: string, signal?: AbortSignal) => api.get<Show>(showPath(id), withSignal(signal));

export interface ShowInput {
  readonly title: string;
  readonly description?: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly price: Money;
  readonly videoId?: string;
}

export const createShow = (input: ShowInput) => api.post<Show>('/shows', input);

export const updateShow = (id: string, input: Partial<Omit<ShowInput, 'videoId'>>) =>
  api.patch<Show>(showPath(id), input);

/** `revenue` is money per the contract; a bare number is read as the show's currency. */
export interface SalesDay {
  readonly day: string;
  readonly ticketsSold: number;
  readonly revenue: Money | number;
}

export const salesPath = (id: string) => `/studio/shows/${encodeURIComponent(id)}/sales?days=30`;
export const getSales = (id: string, signal?: AbortSignal) =>
  api.get<{ readonly days: readonly SalesDay[] }>(salesPath(id), withSignal(signal));

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

export const cdnStatsPath = (videoId: string) => `/cdn-stats/videos/${encodeURIComponent(videoId)}`;
export const getCdnStats = (videoId: string, signal?: AbortSignal) =>
  api.get<CdnStats>(cdnStatsPath(videoId), withSignal(signal));

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

export const createVideo = (input: { title: string; contentType: VideoContentType; sizeBytes: number }) =>
  api.post<Video & { readonly upload: PresignedUpload }>('/videos', input);

export const videoPath = (id: string) => `/videos/${encodeURIComponent(id)}`;
export const getVideo = (id: string, signal?: AbortSignal) =>
  api.get<Video>(videoPath(id), withSignal(signal));

export const videosPath = '/videos?limit=100';
export const listVideos = (signal?: AbortSignal) => api.get<Page<Video>>(videosPath, withSignal(signal));

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

export const createLiveStream = (input: { title: string; showId?: string }) =>
  api.post<LiveStreamWithKey>('/live-streams', input);

export const liveStreamPath = (id: string) => `/live-streams/${encodeURIComponent(id)}`;
export const getLiveStream = (id: string, signal?: AbortSignal) =>
  api.get<LiveStream>(liveStreamPath(id), withSignal(signal));
export const endLiveStream = (id: string) => api.post<LiveStream>(`${liveStreamPath(id)}/end`);
