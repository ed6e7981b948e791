import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { liveControlConfig } from '#shared/live/config.ts';

const shape = {
  ...liveControlConfig,
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
