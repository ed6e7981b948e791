import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { PROTOCOLS } from '#shared/live/live-stream.ts';

export const streamIdSchema = z.string().regex(ID_PATTERN, 'not a live stream id');

const workerId = z
  .string()
  .min(1)
  .max(128)
  .describe('The agent instance; with `session` it fences every report');

export const authorizeSchema = z.object({
  /** Never logged, stored or echoed: only its SHA-256 is looked up. */
  streamKey: z.string().min(1).max(256),
  protocol: z.enum(PROTOCOLS),
  workerId,
  clientIp: z.string().max(64).optional(),
});

export const updateSchema = z.object({
  session: z.number().int().positive(),
  workerId,
  /** Seconds of media stored in this session so far. */
  recordedSeconds: z.number().nonnegative().max(10_000_000),
  /** Segments stored in this session so far. */
  segments: z.number().int().nonnegative(),
  /** How far the published playlist trails the publisher's live edge. */
  playlistLagMs: z.number().int().nonnegative().max(3_600_000).optional(),
});

export const DONE_REASONS = ['publisher-left', 'cut', 'drain', 'error'] as const;

export const doneSchema = z.object({
  session: z.number().int().positive(),
  workerId,
  recordedSeconds: z.number().nonnegative().max(10_000_000),
  segments: z.number().int().nonnegative().optional(),
  reason: z.enum(DONE_REASONS),
});
