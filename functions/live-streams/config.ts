import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { DEFAULT_UPDATE_INTERVAL_SECONDS } from '#shared/live/live-stream.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';
import { TRANSCODE_QUEUE } from '#shared/video/transcode-job.ts';

const ingestUrl = (scheme: RegExp, what: string) =>
  z.string().refine((value) => scheme.test(value) && URL.canParse(value), `must be ${what}`);

const shape = {
  ...databaseConfig,
  // Ending an idle or reconnecting stream finalises it here, which may queue its recording.
  ...workQueueConfig,
  ...queueIdConfig(TRANSCODE_QUEUE),
  /** Where encoders publish over RTMP (the stream key is the stream name), e.g. rtmp://ingest.example:1935/live. */
  LIVE_RTMP_URL: ingestUrl(/^rtmp:\/\//, 'an rtmp:// URL').default('rtmp://127.0.0.1:1935/live'),
  LIVE_RTMPS_URL: ingestUrl(/^rtmps:\/\//, 'an rtmps:// URL').default('rtmps://127.0.0.1:1936/live'),
  /** The WHIP endpoint (RFC 9725); the stream key is the bearer token. */
  LIVE_WHIP_URL: ingestUrl(/^https?:\/\//, 'an http(s) URL').default('http://127.0.0.1:8084/whip'),
  /** The agents' update interval (live-ingest's value): a publisher silent for three is gone. */
  LIVE_UPDATE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(DEFAULT_UPDATE_INTERVAL_SECONDS),
};

export const liveStreamsConfigKeys = Object.keys(shape);
export const loadLiveStreamsConfig = () => readConfig(shape);
export type LiveStreamsConfig = ReturnType<typeof loadLiveStreamsConfig>;
