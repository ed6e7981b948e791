import type { TranscoderConfig } from './config.ts';
import type { MediaPipeline, PermanentRefusal, ProducedMedia } from './job-runner.ts';
import { SourceRejectedError } from './media/errors.ts';
import { planTranscode } from './media/ladder.ts';
import { probeSource } from './media/probe.ts';
import { transcodeSource } from './media/transcode.ts';

/** Probe, plan and transcode with ffmpeg, as configured. */
export function createMediaPipeline(config: TranscoderConfig): MediaPipeline {
  // A worker killed with SIGKILL must take its ffmpeg with it, or the encode runs on for nobody
  // while the redelivered job competes with it for the same cores.
  const tools = { ffmpeg: config.FFMPEG_PATH, ffprobe: config.FFPROBE_PATH, killWithParent: true };
  return {
    async produce({ sourcePath, outDir, signal, onProgress }): Promise<ProducedMedia> {
      const source = await probeSource(sourcePath, {
        signal,
        tools,
        limits: { maxDurationSeconds: config.TRANSCODE_MAX_DURATION_SECONDS, maxFrameSide: 8192 },
      });
      const plan = planTranscode(source, {
        segmentSeconds: config.TRANSCODE_SEGMENT_SECONDS,
        preset: config.TRANSCODE_PRESET,
      });
      const result = await transcodeSource({
        sourcePath,
        workDir: outDir,
        plan,
        signal,
        tools,
        onProgress: (progress) => {
          if (progress.percent !== null) onProgress(progress.percent);
        },
      });
      return {
        mode: result.mode,
        segmentSeconds: result.segmentSeconds,
        renditions: [...result.renditions],
        poster: result.poster,
        thumbnails: { intervalSeconds: result.thumbnails.intervalSeconds, keys: [...result.thumbnails.keys] },
        files: result.files.map((file) => ({ key: file.key, bytes: file.bytes })),
        source: {
          durationSeconds: source.durationSeconds,
          width: source.width,
          height: source.height,
          frameRate: source.frameRate,
          videoCodec: source.videoCodec,
          audioCodec: source.audio?.codec ?? null,
        },
      };
    },
  };
}

/** Source refusals are final: the same bytes get the same answer on every attempt. */
export function permanentRefusal(err: unknown): PermanentRefusal | undefined {
  return err instanceof SourceRejectedError ? { code: err.code, message: err.message } : undefined;
}
