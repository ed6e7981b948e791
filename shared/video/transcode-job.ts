import { z } from 'zod';
import { ID_PATTERN } from '../ids.ts';

/** Name of the work queue transcoding jobs travel on (OCI Queue in production). */
export const TRANSCODE_QUEUE = 'transcode';

/**
 * One message on the transcode queue. It names the exact source object (eTag) it was made for,
 * so a worker can tell a job for a source that has since changed.
 */
export const transcodeJobSchema = z.object({
  version: z.literal(1),
  assetId: z.string().regex(ID_PATTERN),
  sourceBucket: z.string().min(1),
  sourceKey: z.string().min(1),
  sourceEtag: z.string().min(1),
  sourceBytes: z.number().int().nonnegative(),
  enqueuedAt: z.string(),
});

export type TranscodeJob = z.infer<typeof transcodeJobSchema>;
