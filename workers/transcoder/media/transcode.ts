import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Rendition } from '#shared/video/transcode-manifest.ts';
import { ladderArgs, POSTER_NAME, posterArgs, remuxArgs, THUMBNAIL_FOLDER } from './ffmpeg-args.ts';
import { DEFAULT_MEDIA_TOOLS, type MediaTools, runMediaTool } from './ffmpeg-run.ts';
import type { Plan } from './ladder.ts';
import { inspectOutputs, type OutputFile } from './outputs.ts';
import type { FfmpegProgress } from './progress.ts';

export interface TranscodeInput {
  readonly sourcePath: string;
  /** An empty (or missing) folder that receives every output and nothing else. */
  readonly workDir: string;
  readonly plan: Plan;
  readonly onProgress?: (progress: FfmpegProgress) => void;
  readonly signal?: AbortSignal;
  readonly tools?: MediaTools;
}

/** What an attempt produced, shaped like the completion manifest's fields. */
export interface TranscodeResult {
  readonly mode: Plan['mode'];
  readonly segmentSeconds: number;
  readonly renditions: readonly Rendition[];
  readonly poster: string;
  readonly thumbnails: { readonly intervalSeconds: number; readonly keys: readonly string[] };
  /** Every file in the work folder, relative keys sorted, with sizes. */
  readonly files: readonly OutputFile[];
  /** CPU seconds the ffmpeg processes reported (ffprobe's inspection is not counted). */
  readonly ffmpegCpuSeconds: number;
  readonly wallSeconds: number;
}

/**
 * Runs the plan: the ladder with its thumbnails and poster in one ffmpeg process (a remux takes
 * its poster in a second, short one), then checks what was written against the plan and the
 * source before anything is uploaded. Rejects with FfmpegFailedError / TranscodeOutputError
 * (transient) or the signal's reason when aborted.
 */
export async function transcodeSource(input: TranscodeInput): Promise<TranscodeResult> {
  const started = performance.now();
  const tools = input.tools ?? DEFAULT_MEDIA_TOOLS;
  const { plan, workDir } = input;
  await prepareWorkDir(workDir, renditionNames(plan));

  const mainArgs =
    plan.mode === 'ladder' ? ladderArgs(plan, input.sourcePath) : remuxArgs(plan, input.sourcePath);
  const main = await runMediaTool(tools.ffmpeg, mainArgs, {
    cwd: workDir,
    signal: input.signal,
    killWithParent: tools.killWithParent,
    stdout: {
      kind: 'progress',
      durationSeconds: plan.source.durationSeconds,
      onProgress: (progress) => input.onProgress?.(progress),
    },
  });
  const poster =
    plan.mode === 'remux'
      ? await runMediaTool(tools.ffmpeg, posterArgs(plan, input.sourcePath), {
          cwd: workDir,
          signal: input.signal,
          killWithParent: tools.killWithParent,
          timeoutMs: 120_000,
        })
      : null;

  const outputs = await inspectOutputs({ workDir, plan, tools, signal: input.signal });
  return {
    mode: plan.mode,
    segmentSeconds: plan.segmentSeconds,
    renditions: outputs.renditions,
    poster: POSTER_NAME,
    thumbnails: { intervalSeconds: plan.thumbnailIntervalSeconds, keys: outputs.thumbnailKeys },
    files: outputs.files,
    ffmpegCpuSeconds: (main.cpuSeconds ?? 0) + (poster?.cpuSeconds ?? 0),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

export function renditionNames(plan: Plan): string[] {
  return plan.mode === 'ladder' ? plan.rungs.map((rung) => rung.name) : [plan.rendition.name];
}

/** Outputs must not mix with leftovers of an earlier run: the file list is the folder's content. */
async function prepareWorkDir(workDir: string, names: readonly string[]): Promise<void> {
  await mkdir(workDir, { recursive: true });
  const existing = await readdir(workDir);
  if (existing.length > 0) {
    throw new Error(`work folder ${workDir} is not empty (${existing.length} entries)`);
  }
  // ffmpeg's image2 muxer does not create folders; the HLS muxer would, but only lazily.
  for (const folder of [THUMBNAIL_FOLDER, ...names]) await mkdir(join(workDir, folder));
}
