import type { LiveStream } from '#shared/live/live-stream-repository.ts';

export interface IngestUrls {
  readonly rtmp: string;
  readonly rtmps: string;
  readonly whip: string;
}

/**
 * The public shape of a live stream. The key itself appears only in the answers to create and
 * rotate (`withKey`), as `streamKey` and `ingest.streamName`; afterwards only its last 4 characters.
 */
export function presentStream(stream: LiveStream, urls: IngestUrls) {
  return {
    id: stream.id,
    assetId: stream.assetId,
    videoStatus: stream.assetStatus,
    showId: stream.showId,
    title: stream.title,
    status: stream.status,
    keyHint: stream.keyHint,
    ingest: { rtmp: urls.rtmp, rtmps: urls.rtmps, whip: urls.whip },
    reconnectWindowSeconds: stream.reconnectWindowSeconds,
    maxDurationSeconds: stream.maxDurationSeconds,
    session: stream.session,
    protocol: stream.protocol,
    recordedSeconds: stream.recordedSeconds,
    cutReason: stream.cutReason,
    endReason: stream.endReason,
    failure: stream.failure,
    liveAt: stream.liveAt?.toISOString() ?? null,
    disconnectedAt: stream.disconnectedAt?.toISOString() ?? null,
    endedAt: stream.endedAt?.toISOString() ?? null,
    createdAt: stream.createdAt.toISOString(),
  };
}

export function presentStreamWithKey(stream: LiveStream, urls: IngestUrls, streamKey: string) {
  const presented = presentStream(stream, urls);
  return { ...presented, streamKey, ingest: { ...presented.ingest, streamName: streamKey } };
}
