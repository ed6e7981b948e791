/**
 * The API as the creator studio uses it: the studio's show list and sales (issue 16's contract),
 * shows, videos with their presigned upload, live streams, and the CDN statistics of a video.
 * Shapes follow functions/{shows,videos,live-streams,cdn-logs}; members the studio API adds are
 * read defensively (a missing figure shows as a dash, never as a crash).
 */
import { api } from '../../app/api.ts';
import type {
  CdnStats,
  LiveStream,
  LiveStreamWithKey,
  Page,
  PresignedUpload,
  Sales,
  Show,
  ShowInput,
  StudioShow,
  Video,
  VideoContentType,
} from './studio-types.ts';

export * from './studio-types.ts';

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

const cursorQuery = (cursor: string | null) => (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');

export const studioShowsPath = (cursor: string | null) => `/studio/shows?limit=20${cursorQuery(cursor)}`;

export const listStudioShows = (cursor: string | null, signal?: AbortSignal) =>
  api.get<Page<StudioShow>>(studioShowsPath(cursor), withSignal(signal));

export const showPath = (id: string) => `/shows/${encodeURIComponent(id)}`;

export const getShow = (id: string, signal?: AbortSignal) => api.get<Show>(showPath(id), withSignal(signal));

export const createShow = (input: ShowInput) => api.post<Show>('/shows', input);

export const updateShow = (id: string, input: Partial<Omit<ShowInput, 'videoId'>>) =>
  api.patch<Show>(showPath(id), input);

export const salesPath = (id: string) => `/studio/shows/${encodeURIComponent(id)}/sales?days=30`;

export const getSales = (id: string, signal?: AbortSignal) =>
  api.get<Sales>(salesPath(id), withSignal(signal));

export const cdnStatsPath = (videoId: string) => `/cdn-stats/videos/${encodeURIComponent(videoId)}`;

export const getCdnStats = (videoId: string, signal?: AbortSignal) =>
  api.get<CdnStats>(cdnStatsPath(videoId), withSignal(signal));

export const createVideo = (input: { title: string; contentType: VideoContentType; sizeBytes: number }) =>
  api.post<Video & { readonly upload: PresignedUpload }>('/videos', input);

export const videoPath = (id: string) => `/videos/${encodeURIComponent(id)}`;

export const getVideo = (id: string, signal?: AbortSignal) =>
  api.get<Video>(videoPath(id), withSignal(signal));

export const videosPath = '/videos?limit=100';

export const listVideos = (signal?: AbortSignal) => api.get<Page<Video>>(videosPath, withSignal(signal));

export const createLiveStream = (input: { title: string; showId?: string }) =>
  api.post<LiveStreamWithKey>('/live-streams', input);

export const liveStreamPath = (id: string) => `/live-streams/${encodeURIComponent(id)}`;

export const getLiveStream = (id: string, signal?: AbortSignal) =>
  api.get<LiveStream>(liveStreamPath(id), withSignal(signal));

export const rotateLiveStreamKey = (id: string) =>
  api.post<LiveStreamWithKey>(`${liveStreamPath(id)}/rotate-key`);

export const endLiveStream = (id: string) => api.post<LiveStream>(`${liveStreamPath(id)}/end`);
