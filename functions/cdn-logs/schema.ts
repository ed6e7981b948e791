import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';

/** Bodies larger than this are refused before they are decoded or parsed; set the endpoint's request_max_bytes to it. */
export const MAX_LOG_BATCH_BYTES = 5 * 1024 * 1024;

export const videoIdSchema = z.string().regex(ID_PATTERN, 'not a video id');
