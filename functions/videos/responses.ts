import { z } from 'zod';
import { presignedUpload } from '#shared/storage/presigned-upload-response.ts';
import { VIDEO_STATUSES } from './schema.ts';

/**
 * The JSON the video routes answer with, for the API reference. A type test holds each to what
 * `presentVideo` returns (test/unit/functions/openapi-responses.test.ts), so neither drifts alone.
 */
const instant = z.iso.datetime();
const edgeUrl = z.object({ url: z.string(), expiresAt: instant });

export const videoResponse = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(VIDEO_STATUSES),
  progressPercent: z.number().nullable().describe('While transcoding: 0–100; otherwise null'),
  attempt: z.number().int(),
  failure: z.object({ code: z.string(), reason: z.string() }).nullable(),
  lastError: z.string().nullable().describe('The last failure while it is being retried'),
  contentType: z.string(),
  declaredBytes: z.number().int(),
  sourceBytes: z.number().int().nullable(),
  durationSeconds: z.number().nullable(),
  source: z.object({ width: z.number().int(), height: z.number().int().nullable() }).nullable(),
  mode: z.enum(['ladder', 'remux']).nullable(),
  renditions: z.array(
    z.object({
      name: z.string(),
      width: z.number().int(),
      height: z.number().int(),
      frameRate: z.number(),
      codecs: z.string().describe('RFC 6381, e.g. avc1.64001f,mp4a.40.2'),
      bandwidth: z.number().int().describe('Measured peak, bits/s'),
      averageBandwidth: z.number().int(),
    }),
  ),
  poster: edgeUrl.nullable().describe('Tokenised edge URL once ready'),
  playback: edgeUrl.nullable().describe('Tokenised master playlist URL once ready'),
  createdAt: instant,
  uploadedAt: instant.nullable(),
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
});

export const createdVideoResponse = videoResponse.extend({ upload: presignedUpload });

export const videoPageResponse = z.object({
  items: z.array(videoResponse),
  nextCursor: z.string().nullable(),
});
