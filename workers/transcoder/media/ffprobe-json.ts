import { z } from 'zod';
import { type MediaTools, runMediaTool } from './ffmpeg-run.ts';

const numeric = z.union([z.string(), z.number()]).optional();

const streamSchema = z.object({
  index: z.number().int(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  profile: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  pix_fmt: z.string().optional(),
  sample_aspect_ratio: z.string().optional(),
  field_order: z.string().optional(),
  r_frame_rate: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  duration: numeric,
  bit_rate: numeric,
  nb_frames: numeric,
  sample_rate: numeric,
  channels: z.number().int().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).partial().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.object({ rotation: z.number().optional() }).loose()).optional(),
});

export const ffprobeOutputSchema = z.object({
  streams: z.array(streamSchema).default([]),
  format: z.object({ format_name: z.string().optional(), duration: numeric, bit_rate: numeric }).optional(),
});

export type FfprobeOutput = z.infer<typeof ffprobeOutputSchema>;
export type FfprobeStream = z.infer<typeof streamSchema>;

/** `ffprobe -show_format -show_streams` as parsed JSON; rejects like runMediaTool. */
export async function ffprobeJson(
  tools: MediaTools,
  path: string,
  options: { signal?: AbortSignal; timeoutMs?: number; extraArgs?: readonly string[] } = {},
): Promise<FfprobeOutput> {
  const result = await runMediaTool(
    tools.ffprobe,
    [
      '-v',
      'error',
      ...(options.extraArgs ?? []),
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      path,
    ],
    {
      signal: options.signal,
      killWithParent: tools.killWithParent,
      timeoutMs: options.timeoutMs ?? 30_000,
      stdout: { kind: 'collect', maxBytes: 1024 * 1024 },
    },
  );
  return ffprobeOutputSchema.parse(JSON.parse(result.stdout));
}

export function toNumber(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const parsed = typeof value === 'number' ? value : Number.parseFloat(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** `30000/1001` → 29.97…; `0/0` and junk → null. */
export function parseRational(value: string | undefined): number | null {
  const match = /^(\d+)\/(\d+)$/.exec(value ?? '');
  if (!match) return null;
  const numerator = Number(match[1]);
  const denominator = Number(match[2]);
  return numerator > 0 && denominator > 0 ? numerator / denominator : null;
}
