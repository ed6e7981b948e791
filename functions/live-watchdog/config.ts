import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { DEFAULT_UPDATE_INTERVAL_SECONDS } from '#shared/live/live-stream.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';
import { TRANSCODE_QUEUE } from '#shared/video/transcode-job.ts';

const shape = {
  ...databaseConfig,
  ...workQueueConfig,
  ...queueIdConfig(TRANSCODE_QUEUE),
  /** live-ingest's value: a stream whose agent was silent for three intervals is `reconnecting`. */
  LIVE_UPDATE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(DEFAULT_UPDATE_INTERVAL_SECONDS),
  /** transcode-dispatch's values: the queue's dead-letter count and how long it keeps a message. */
  TRANSCODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  TRANSCODE_LOST_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(8 * 86_400)
    .default(90_000),
};

export const liveWatchdogConfigKeys = Object.keys(shape);
export const loadLiveWatchdogConfig = () => readConfig(shape);
