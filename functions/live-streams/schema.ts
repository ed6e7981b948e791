import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import {
  DEFAULT_MAX_DURATION_SECONDS,
  DEFAULT_RECONNECT_WINDOW_SECONDS,
  MAX_MAX_DURATION_SECONDS,
  MAX_RECONNECT_WINDOW_SECONDS,
} from '#shared/live/live-stream.ts';

export const streamIdSchema = z.string().regex(ID_PATTERN, 'not a live stream id');

export const createStreamSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  /** A show of the caller's organisation without a video yet: the stream's asset becomes its video. */
  showId: z.string().regex(ID_PATTERN, 'not a show id').optional(),
  /** How long after the publisher leaves the same stream may continue as the same video. */
  reconnectWindowSeconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_RECONNECT_WINDOW_SECONDS)
    .default(DEFAULT_RECONNECT_WINDOW_SECONDS),
  /** Recorded time after which the publisher is cut and the stream ends. */
  maxDurationSeconds: z
    .number()
    .int()
    .min(60)
    .max(MAX_MAX_DURATION_SECONDS)
    .default(DEFAULT_MAX_DURATION_SECONDS),
});

export const listQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: streamIdSchema.optional(),
});

/** A creation body is a title and three small members; anything near this is not one. */
export const MAX_CREATE_BODY_BYTES = 16 * 1024;
