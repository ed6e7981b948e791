import { z } from 'zod';
import { ID_PATTERN } from '../ids.ts';
import { isSafeRelativeKey } from './media-layout.ts';

const relativeKey = z.string().refine(isSafeRelativeKey, 'must be a safe path inside the attempt folder');

/** One rendition (rung) as the worker produced it. Paths are relative to the attempt folder. */
export const renditionSchema = z.object({
  /** `1080p`, `720p`, … or `source` for a remux. */
  name: z.string().regex(/^[a-z0-9]{1,16}$/),
  playlist: relativeKey,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** Frames per second, e.g. 29.97. */
  frameRate: z.number().positive(),
  /** RFC 6381 codecs string, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: z.string().min(1),
  /** Target (encoder) video bitrate in bits/s; for a remux the source's measured bitrate. */
  videoBitrate: z.number().int().positive(),
  audioBitrate: z.number().int().nonnegative(),
});

export type Rendition = z.infer<typeof renditionSchema>;

/**
 * The completion manifest: the worker's last write for an attempt. Its appearance triggers
 * vod-package, which trusts nothing in it without checking the objects it names.
 */
export const transcodeManifestSchema = z.object({
  version: z.literal(1),
  assetId: z.string().regex(ID_PATTERN),
  attempt: z.number().int().positive(),
  mode: z.enum(['ladder', 'remux']),
  workerId: z.string().min(1).max(128),
  source: z.object({
    etag: z.string().min(1),
    durationSeconds: z.number().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    frameRate: z.number().positive(),
    videoCodec: z.string(),
    audioCodec: z.string().nullable(),
  }),
  /** Nominal segment length the worker asked for (seconds). */
  segmentSeconds: z.number().positive(),
  renditions: z.array(renditionSchema).min(1).max(8),
  poster: relativeKey,
  thumbnails: z.object({ intervalSeconds: z.number().positive(), keys: z.array(relativeKey).max(1000) }),
  /** Every object the worker uploaded for this attempt (except this manifest), with its size. */
  files: z
    .array(z.object({ key: relativeKey, bytes: z.number().int().nonnegative() }))
    .min(1)
    .max(20_000),
  completedAt: z.string(),
});

export type TranscodeManifest = z.infer<typeof transcodeManifestSchema>;

/** Largest completion manifest vod-package reads (bounded before reading). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
