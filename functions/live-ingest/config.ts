import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { DEFAULT_UPDATE_INTERVAL_SECONDS } from '#shared/live/live-stream.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';
import { TRANSCODE_QUEUE } from '#shared/video/transcode-job.ts';

const shape = {
  ...databaseConfig,
  // A done that ends the stream (a cut) finalises it here, which may queue its recording.
  ...workQueueConfig,
  ...queueIdConfig(TRANSCODE_QUEUE),
  /** How often agents report each stream (told to them by authorize); three silent ones = gone. */
  LIVE_UPDATE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(DEFAULT_UPDATE_INTERVAL_SECONDS),
};

export const liveIngestConfigKeys = Object.keys(shape);
export const loadLiveIngestConfig = () => readConfig(shape);
