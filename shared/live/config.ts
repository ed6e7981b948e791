import { z } from 'zod';
import { QUEUES } from '#events/queues.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';
import { DEFAULT_UPDATE_INTERVAL_SECONDS } from './live-stream.ts';

/**
 * What every live function reads: the database, the transcode queue (creator end, agent done and
 * the watchdog may each finalise a stream, which queues its recording) and the agents' update
 * interval (three silent ones and a publisher is gone).
 */
export const liveControlConfig = {
  ...databaseConfig,
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.transcode),
  /** How often agents report each stream (told to them by authorize). */
  LIVE_UPDATE_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(60)
    .default(DEFAULT_UPDATE_INTERVAL_SECONDS),
};
