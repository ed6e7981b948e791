import type { PlaybackUrls } from '#shared/cdn/cdn-from-config.ts';
import type { VideoAsset } from '#shared/video/video.ts';

/**
 * The public shape of a video. Playback and poster URLs are edge URLs tokenised for the asset's
 * folder and short-lived: the media bucket itself is never public.
 */
export function presentVideo(video: VideoAsset, urls: PlaybackUrls, ttlSeconds: number) {
  const ready = video.status === 'ready' && video.mediaPrefix !== null;
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  return {
    id: video.id,
    title: video.title,
    status: video.status,
    progressPercent: video.status === 'transcoding' ? (video.progressPercent ?? 0) : null,
    attempt: video.attempt,
    failure: video.failure,
    lastError: video.status === 'ready' ? null : video.lastError,
    contentType: video.contentType,
    declaredBytes: video.declaredBytes,
    sourceBytes: video.sourceBytes,
    durationSeconds: video.durationSeconds,
    source: video.sourceWidth === null ? null : { width: video.sourceWidth, height: video.sourceHeight },
    mode: video.mode,
    renditions: (video.renditions ?? []).map((r) => ({
      name: r.name,
      width: r.width,
      height: r.height,
      frameRate: r.frameRate,
      codecs: r.codecs,
      bandwidth: r.bandwidth,
      averageBandwidth: r.averageBandwidth,
    })),
    poster:
      ready && video.posterKey
        ? { url: urls.playbackUrl(video.id, video.posterKey, ttlSeconds), expiresAt }
        : null,
    playback:
      ready && video.mediaPrefix
        ? { url: urls.playbackUrl(video.id, `${video.mediaPrefix}master.m3u8`, ttlSeconds), expiresAt }
        : null,
    createdAt: video.createdAt.toISOString(),
    uploadedAt: video.uploadedAt?.toISOString() ?? null,
    startedAt: video.startedAt?.toISOString() ?? null,
    finishedAt: video.finishedAt?.toISOString() ?? null,
  };
}
