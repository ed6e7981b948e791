import { z } from 'zod';
import { QUEUES } from '#events/queues.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';
import { transcodeQueueLimitsConfig } from '#shared/video/transcode-job.ts';

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.transcode),
  RAW_VIDEO_BUCKET: z.string().min(3),
  MEDIA_BUCKET: z.string().min(3),
  ...transcodeQueueLimitsConfig,
  /** A transcoding attempt silent this long is presumed dead (the worker's lease is shorter). */
  TRANSCODE_STALE_SECONDS: z.coerce.number().int().min(5).max(43_200).default(600),
  /** An upload whose job never made it onto the queue is dispatched again after this long. */
  DISPATCH_RETRY_AFTER_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
};

export const transcodeDispatchConfigKeys = Object.keys(shape);
export const loadTranscodeDispatchConfig = () => readConfig(shape);
export type TranscodeDispatchConfig = ReturnType<typeof loadTranscodeDispatchConfig>;
