import { z } from 'zod';
import { CUT_REASONS, LIVE_STATUSES, PROTOCOLS } from '#shared/live/live-stream.ts';

/**
 * The JSON the live-streams routes answer with, for the API reference. A type test holds each to
 * what `presentStream` returns (test/unit/functions/live-streams/live-api-responses.test.ts).
 */
const instant = z.iso.datetime();
const ingest = z.object({
  rtmp: z.string().describe('RTMP server URL; the stream key is the stream name'),
  rtmps: z.string().describe('RTMPS server URL; the stream key is the stream name'),
  whip: z.string().describe('WHIP endpoint (RFC 9725); the stream key is the bearer token'),
});

export const liveStreamResponse = z.object({
  id: z.string(),
  assetId: z.string().describe('The video the stream records into (its VOD once the stream ends)'),
  videoStatus: z
    .string()
    .nullable()
    .describe(
      'The video’s status: `live` while streaming, then `queued` … `ready` as the recording becomes VOD',
    ),
  showId: z.string().nullable(),
  title: z.string(),
  status: z.enum(LIVE_STATUSES),
  keyHint: z.string().describe('Last 4 characters of the current stream key'),
  ingest,
  reconnectWindowSeconds: z.number().int(),
  maxDurationSeconds: z.number().int(),
  session: z.number().int().describe('Publish sessions so far'),
  protocol: z.enum(PROTOCOLS).nullable(),
  recordedSeconds: z.number(),
  cutReason: z.enum(CUT_REASONS).nullable().describe('Set while the publisher is being cut'),
  endReason: z.string().nullable(),
  failure: z.object({ code: z.string(), reason: z.string() }).nullable(),
  liveAt: instant.nullable(),
  disconnectedAt: instant.nullable(),
  endedAt: instant.nullable(),
  createdAt: instant,
});

export const liveStreamWithKeyResponse = liveStreamResponse.extend({
  streamKey: z.string().describe('The stream key, shown only here: store it in the encoder'),
  ingest: ingest.extend({ streamName: z.string().describe('The stream key, as RTMP’s stream name') }),
});

export const liveStreamPageResponse = z.object({
  items: z.array(liveStreamResponse),
  nextCursor: z.string().nullable(),
});
