import { z } from 'zod';
import { QUEUE_SPECS, QUEUES } from '#events/queues.ts';
import { ID_PATTERN } from '../ids.ts';

/**
 * An uploaded source to transcode. It names the exact source object (eTag) it was made for, so a
 * worker can tell a job for a source that has since changed. `kind` came later: messages without
 * it (every message written before live streams) are upload jobs.
 */
export const transcodeJobSchema = z.object({
  version: z.literal(1),
  kind: z.literal('upload').optional(),
  assetId: z.string().regex(ID_PATTERN),
  sourceBucket: z.string().min(1),
  sourceKey: z.string().min(1),
  sourceEtag: z.string().min(1),
  sourceBytes: z.number().int().nonnegative(),
  enqueuedAt: z.string(),
});

export type TranscodeJob = z.infer<typeof transcodeJobSchema>;

/**
 * A finished live stream's recording to remux into the asset's VOD layout: sessions 1..`sessions`
 * under `videos/<assetId>/live/s<k>/` (a session that stored nothing has no folder). Put exactly
 * once per stream by whoever finalises it (shared/live).
 */
export const liveRecordingJobSchema = z.object({
  version: z.literal(1),
  kind: z.literal('live-recording'),
  assetId: z.string().regex(ID_PATTERN),
  streamId: z.string().regex(ID_PATTERN),
  sessions: z.number().int().positive(),
  enqueuedAt: z.string(),
});

export type LiveRecordingJob = z.infer<typeof liveRecordingJobSchema>;

/**
 * Anything on the transcode queue, told apart by `kind` (absent = `upload`). Workers parse with
 * this; producers build one member's schema.
 */
export const transcodeQueueMessageSchema = z.union([liveRecordingJobSchema, transcodeJobSchema]);

export type TranscodeQueueMessage = z.infer<typeof transcodeQueueMessageSchema>;

export function isLiveRecordingJob(message: TranscodeQueueMessage): message is LiveRecordingJob {
  return message.kind === 'live-recording';
}

/**
 * The transcode queue's limits as code sees them (transcode-dispatch and live-watchdog re-put lost
 * jobs with them): the queue's dead-letter count, and how long it keeps a message.
 */
export const transcodeQueueLimitsConfig = {
  /** Deliveries before a job is dead-lettered; the same value as the queue's dead-letter setting. */
  TRANSCODE_MAX_ATTEMPTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(QUEUE_SPECS[QUEUES.transcode].deadLetterDeliveryCount),
  /** A job untouched this long has outlived its queue message (OCI Queue retention, default 1 day). */
  TRANSCODE_LOST_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(8 * 86_400)
    .default(90_000),
};
