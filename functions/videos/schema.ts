import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { MAX_VIDEO_BYTES, VIDEO_CONTENT_TYPES } from '#shared/video/video.ts';

export const VIDEO_STATUSES = [
  'awaiting_upload',
  'uploaded',
  'queued',
  'transcoding',
  'packaging',
  'ready',
  'failed',
  // a live stream's recording, until the stream ends and it becomes video on demand
  'live',
] as const;

export const createVideoSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  contentType: z.enum(VIDEO_CONTENT_TYPES),
  /** The exact size of the file to upload; the presigned URL only accepts this many bytes. */
  sizeBytes: z.number().int().positive().max(MAX_VIDEO_BYTES),
});

export const videoIdSchema = z.string().regex(ID_PATTERN, 'not a video id');

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: videoIdSchema.optional(),
  status: z.enum(VIDEO_STATUSES).optional(),
});
