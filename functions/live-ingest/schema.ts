import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { PROTOCOLS } from '#shared/live/live-stream.ts';

export const streamIdSchema = z.string().regex(ID_PATTERN, 'not a live stream id');

/**
 * Bounds on an agent's figures for one session: far above any stream (the longest may record a
 * day) and inside the columns they add up in (DECIMAL(10,3) seconds, INT UNSIGNED segments), so a
 * broken agent gets a 400 rather than a database error.
 */
const MAX_SESSION_SECONDS = 1_000_000;
const MAX_SESSION_SEGMENTS = 10_000_000;
const sessionSeconds = z.number().nonnegative().max(MAX_SESSION_SECONDS);
const sessionSegments = z.number().int().nonnegative().max(MAX_SESSION_SEGMENTS);
const session = z.number().int().positive().max(4_294_967_295);

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
  session,
  workerId,
  /** Seconds of media stored in this session so far. */
  recordedSeconds: sessionSeconds,
  /** Segments stored in this session so far. */
  segments: sessionSegments,
  /** How far the published playlist trails the publisher's live edge. */
  playlistLagMs: z.number().int().nonnegative().max(3_600_000).optional(),
});

export const DONE_REASONS = ['publisher-left', 'cut', 'drain', 'error'] as const;

export const doneSchema = z.object({
  session,
  workerId,
  recordedSeconds: sessionSeconds,
  segments: sessionSegments.optional(),
  reason: z.enum(DONE_REASONS),
});

/** Agents' calls are a few hundred bytes; anything near this is not an agent. */
export const MAX_INGEST_BODY_BYTES = 16 * 1024;
