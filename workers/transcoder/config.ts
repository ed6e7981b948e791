import { hostname } from 'node:os';
import { z } from 'zod';
import { QUEUE_SPECS, QUEUES } from '#events/queues.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';
import { queueIdConfig, workQueueConfig } from '#shared/queue/queue-from-config.ts';

const seconds = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const shape = {
  ...databaseConfig,
  ...objectStorageConfig,
  ...workQueueConfig,
  ...queueIdConfig(QUEUES.transcode),
  RAW_VIDEO_BUCKET: z.string().min(3),
  MEDIA_BUCKET: z.string().min(3),
  /** How long a leased job stays invisible without a heartbeat; a dead worker's job returns after this. */
  TRANSCODE_LEASE_SECONDS: seconds(2, 43_200, 120),
  /** Heartbeat (visibility extension + progress report) period; well inside the lease. */
  TRANSCODE_HEARTBEAT_SECONDS: seconds(1, 3_600, 15),
  /** Deliveries before a job is dead-lettered; the same value as the queue's dead-letter setting. */
  TRANSCODE_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(QUEUE_SPECS[QUEUES.transcode].deadLetterDeliveryCount),
  /** First retry delay after a failed attempt; doubles per delivery, capped at 15 minutes. */
  TRANSCODE_RETRY_BASE_SECONDS: seconds(0, 900, 15),
  /** An attempt whose progress stands still this long is aborted and retried (a hung ffmpeg). */
  TRANSCODE_STALL_SECONDS: seconds(10, 86_400, 600),
  /** x264 preset for the ladder (speed/size trade-off). */
  TRANSCODE_PRESET: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
    .default('veryfast'),
  TRANSCODE_SEGMENT_SECONDS: seconds(1, 10, 4),
  /** Longest source accepted. */
  TRANSCODE_MAX_DURATION_SECONDS: seconds(1, 86_400, 4 * 3600),
  /** On SIGTERM a job expected to finish within this long is finished; otherwise it is released. */
  SHUTDOWN_GRACE_SECONDS: seconds(0, 3_600, 25),
  /** Scratch space for one job at a time (sources and outputs); a container's ephemeral disk. */
  WORK_DIR: z.string().min(1).optional(),
  WORKER_ID: z.string().min(1).max(128).default(`${hostname()}-${process.pid}`),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
};

export const transcoderConfigKeys = Object.keys(shape);
export const loadTranscoderConfig = (source?: Record<string, string | undefined>) =>
  readConfig(shape, source);
export type TranscoderConfig = ReturnType<typeof loadTranscoderConfig>;
