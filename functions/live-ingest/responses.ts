import { z } from 'zod';
import { LIVE_STATUSES } from '#shared/live/live-stream.ts';

/** The JSON the live-ingest routes answer with, for the API reference (type-tested against the handler's values). */
export const publishPlanResponse = z.object({
  streamId: z.string(),
  assetId: z.string(),
  session: z.number().int().describe('This publish session: name it in every update and done'),
  mediaPrefix: z.string().describe('`videos/<assetId>/live/`: where the session’s objects go'),
  segmentSeconds: z.number(),
  updateIntervalSeconds: z.number().int(),
  maxDurationSeconds: z.number().int(),
  recordedSeconds: z.number().describe('Recorded by earlier sessions'),
  reconnectWindowSeconds: z.number().int(),
  ladder: z.array(
    z.object({
      name: z.string(),
      width: z.number().int(),
      height: z.number().int(),
      videoBitrate: z.number().int(),
    }),
  ),
  audioBitrate: z.number().int(),
});

export const updateAcceptedResponse = z.object({});

export const doneResponse = z.object({ status: z.enum(LIVE_STATUSES) });
