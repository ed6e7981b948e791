import { z } from 'zod';
import { readConfig } from '../../shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '../../shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '../../shared/queue/queue-from-config.ts';
import { TRANSCODE_QUEUE } from '../../shared/video/transcode-job.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...workQueueConfig,
  ...queueIdConfig(TRANSCODE_QUEUE),
  RAW_VIDEO_BUCKET: z.string().min(3),
  MEDIA_BUCKET: z.string().min(3),
  /** Deliveries before a job is dead-lettered; the same value as the queue's dead-letter setting. */
  TRANSCODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  /** A transcoding attempt silent this long is presumed dead (the worker's lease is shorter). */
  TRANSCODE_STALE_SECONDS: z.coerce.number().int().min(5).max(43_200).default(600),
  /** A job untouched this long has outlived its queue message (OCI Queue retention, default 1 day). */
  TRANSCODE_LOST_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(8 * 86_400)
    .default(90_000),
  /** An upload whose job never made it onto the queue is dispatched again after this long. */
  DISPATCH_RETRY_AFTER_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
};

export const transcodeDispatchConfigKeys = Object.keys(shape);
export const loadTranscodeDispatchConfig = () => readConfig(shape);
export type TranscodeDispatchConfig = ReturnType<typeof loadTranscodeDispatchConfig>;
