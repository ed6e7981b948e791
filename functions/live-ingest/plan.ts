import {
  LIVE_AUDIO_BITRATE,
  LIVE_LADDER,
  LIVE_SEGMENT_SECONDS,
  liveMediaPrefix,
} from '#shared/live/live-stream.ts';
import type { LiveStream } from '#shared/live/live-stream-repository.ts';

/** What an authorised publish runs: the ladder, where its objects go, and how often to report. */
export function publishPlan(stream: LiveStream, session: number, updateIntervalSeconds: number) {
  return {
    streamId: stream.id,
    assetId: stream.assetId,
    session,
    mediaPrefix: liveMediaPrefix(stream.assetId),
    segmentSeconds: LIVE_SEGMENT_SECONDS,
    updateIntervalSeconds,
    maxDurationSeconds: stream.maxDurationSeconds,
    // Sessions before this one (the claim set the base to the total so far).
    recordedSeconds: stream.recordedSeconds,
    reconnectWindowSeconds: stream.reconnectWindowSeconds,
    ladder: LIVE_LADDER.map((rung) => ({ ...rung })),
    audioBitrate: LIVE_AUDIO_BITRATE,
  };
}
