import { access, constants } from 'node:fs/promises';
import { FfmpegFailedError, SourceRejectedError } from './errors.ts';
import { DEFAULT_MEDIA_TOOLS, type MediaTools, runMediaTool } from './ffmpeg-run.ts';
import { type FfprobeStream, ffprobeJson, parseRational, toNumber } from './ffprobe-json.ts';

export interface SourceAudio {
  /** Absolute stream index in the file. */
  readonly streamIndex: number;
  readonly codec: string;
  /** e.g. `LC`, `HE-AAC`; null when ffprobe names none. */
  readonly profile: string | null;
  readonly channels: number;
  readonly sampleRate: number;
  readonly bitRate: number | null;
}

export interface SourceInfo {
  /**
   * Absolute index of the video stream used: the first that is not cover art (an attached
   * picture may come first, so `0:v:0` could pick the cover).
   */
  readonly videoStreamIndex: number;
  readonly durationSeconds: number;
  /** Display size: sample aspect ratio and rotation applied, as a player shows it. */
  readonly width: number;
  readonly height: number;
  /** Display rotation in degrees as ffprobe reports it, normalised to 0–359 (0, 90, 180, 270). */
  readonly rotation: number;
  /** Pixels are square (sample aspect ratio 1:1 or unset). */
  readonly squarePixels: boolean;
  readonly interlaced: boolean;
  readonly frameRate: number;
  /** The same rate as ffprobe gave it (`30000/1001`), so filters do not drift. */
  readonly frameRateRational: string;
  readonly videoCodec: string;
  readonly pixelFormat: string;
  readonly profile: string | null;
  readonly videoBitRate: number | null;
  readonly audio: SourceAudio | null;
  /** Whole-file bitrate. */
  readonly bitRate: number | null;
  readonly formatName: string;
  /**
   * Longest stretch without a keyframe (including the tail), in seconds. Measured only for H.264
   * sources, the only ones that can be packaged without re-encoding; null otherwise.
   */
  readonly keyframeGapSeconds: number | null;
}

export interface ProbeLimits {
  readonly maxDurationSeconds: number;
  /** Longest side of the frame, in pixels. */
  readonly maxFrameSide: number;
}

export const DEFAULT_PROBE_LIMITS: ProbeLimits = { maxDurationSeconds: 4 * 3600, maxFrameSide: 8192 };

export interface ProbeOptions {
  readonly signal?: AbortSignal;
  readonly tools?: MediaTools;
  readonly limits?: ProbeLimits;
}

/**
 * What the source is, or a SourceRejectedError saying why it is not a video we take. Failures
 * of ffprobe itself (missing binary, timeout) stay FfmpegFailedError: transient.
 */
export async function probeSource(path: string, options: ProbeOptions = {}): Promise<SourceInfo> {
  const tools = options.tools ?? DEFAULT_MEDIA_TOOLS;
  const limits = options.limits ?? DEFAULT_PROBE_LIMITS;
  // A missing or unreadable local file is the worker's problem, not the creator's: fail
  // transiently here rather than let ffprobe's complaint pass for "not a video".
  await access(path, constants.R_OK);
  const probed = await ffprobeJson(tools, path, { signal: options.signal }).catch((error) => {
    throw unreadable(error, path);
  });
  const formatName = probed.format?.format_name ?? 'unknown';
  if (/(^|,)(image2|[a-z0-9]+_pipe)$/.test(formatName)) {
    throw new SourceRejectedError('not_a_video', `The file is a still image (${formatName}), not a video.`);
  }
  const video = probed.streams.find(
    (stream) => stream.codec_type === 'video' && stream.disposition?.attached_pic !== 1,
  );
  if (!video) {
    const kinds = [...new Set(probed.streams.map((stream) => stream.codec_type ?? 'unknown'))];
    throw new SourceRejectedError(
      'no_video_stream',
      kinds.length === 0
        ? 'The file has no streams at all.'
        : `The file has no video stream (only ${kinds.join(', ')}).`,
    );
  }
  const codedWidth = video.width ?? 0;
  const codedHeight = video.height ?? 0;
  if (codedWidth <= 0 || codedHeight <= 0) {
    throw new SourceRejectedError('not_a_video', 'The video stream has no frame size ffprobe can read.');
  }
  if (Math.max(codedWidth, codedHeight) > limits.maxFrameSide) {
    throw new SourceRejectedError(
      'too_large_frame',
      `The frame is ${codedWidth}x${codedHeight}; the largest side accepted is ${limits.maxFrameSide} pixels.`,
    );
  }
  const durationSeconds = toNumber(probed.format?.duration) ?? toNumber(video.duration) ?? 0;
  if (durationSeconds <= 0) {
    throw new SourceRejectedError('zero_duration', 'The video has no duration: it holds no playable frames.');
  }
  if (durationSeconds > limits.maxDurationSeconds) {
    throw new SourceRejectedError(
      'too_long',
      `The video lasts ${formatDuration(durationSeconds)}; the longest accepted is ${formatDuration(limits.maxDurationSeconds)}.`,
    );
  }
  const frameRateRational = [video.avg_frame_rate, video.r_frame_rate].find(
    (rate) => parseRational(rate) !== null,
  );
  const frameRate = parseRational(frameRateRational);
  if (frameRateRational === undefined || frameRate === null) {
    throw new SourceRejectedError('not_a_video', 'The video stream has no frame rate ffprobe can read.');
  }

  if (video.codec_name === undefined) {
    throw new SourceRejectedError('not_a_video', 'The video stream is in a format ffmpeg cannot decode.');
  }
  await firstFrameDecodes(tools, path, video.index, options.signal);

  const rotation = rotationOf(video);
  const sampleAspect = parseRational(video.sample_aspect_ratio?.replace(':', '/'));
  const squarePixels = sampleAspect === null || sampleAspect === 1;
  const displayWidth = squarePixels ? codedWidth : Math.round(codedWidth * sampleAspect);
  const turned = rotation === 90 || rotation === 270;
  const videoCodec = video.codec_name ?? 'unknown';
  return {
    videoStreamIndex: video.index,
    durationSeconds,
    width: turned ? codedHeight : displayWidth,
    height: turned ? displayWidth : codedHeight,
    rotation,
    squarePixels,
    interlaced: ['tt', 'bb', 'tb', 'bt'].includes(video.field_order ?? ''),
    frameRate,
    frameRateRational,
    videoCodec,
    pixelFormat: video.pix_fmt ?? 'unknown',
    profile: video.profile ?? null,
    videoBitRate: toNumber(video.bit_rate),
    audio: audioOf(probed.streams),
    bitRate: toNumber(probed.format?.bit_rate),
    formatName,
    keyframeGapSeconds:
      videoCodec === 'h264'
        ? await keyframeGap(tools, path, video.index, durationSeconds, options.signal)
        : null,
  };
}

function unreadable(error: unknown, path: string): unknown {
  if (!(error instanceof FfmpegFailedError) || error.exitCode !== 1) return error;
  const first = error.stderrTail[0]?.replace(`${path}: `, '') ?? 'no reason given';
  return new SourceRejectedError('not_a_video', `The file is not a video ffprobe can read: ${first}`, {
    cause: error,
  });
}

function audioOf(streams: readonly FfprobeStream[]): SourceAudio | null {
  const audio = streams.find((stream) => stream.codec_type === 'audio');
  if (!audio) return null;
  return {
    streamIndex: audio.index,
    codec: audio.codec_name ?? 'unknown',
    profile: audio.profile ?? null,
    channels: audio.channels ?? 0,
    sampleRate: toNumber(audio.sample_rate) ?? 0,
    bitRate: toNumber(audio.bit_rate),
  };
}

/**
 * From the display matrix, or the old `rotate` tag. Only whether it is a quarter turn (the
 * display size swaps) or any turn at all (no remux) matters, so the direction is not normalised.
 */
function rotationOf(stream: FfprobeStream): number {
  const fromMatrix = stream.side_data_list?.find((data) => data.rotation !== undefined)?.rotation;
  const degrees = Math.round(fromMatrix ?? toNumber(stream.tags?.rotate) ?? 0);
  return ((degrees % 360) + 360) % 360;
}

/**
 * Headers can be intact while the media data is not (a faststart file cut after its moov):
 * decoding one frame is what proves the stream is a video, for the cost of one frame.
 */
async function firstFrameDecodes(
  tools: MediaTools,
  path: string,
  streamIndex: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-i', path, '-map', `0:${streamIndex}`];
  let frames = 0;
  const undecodable = (cause?: unknown) =>
    new SourceRejectedError(
      'not_a_video',
      'No frame of the video stream can be decoded: the file is truncated or corrupt.',
      { cause },
    );
  try {
    // framemd5 prints one short line per frame, so stdout stays tiny whatever the frame size.
    await runMediaTool(tools.ffmpeg, [...args, '-frames:v', '1', '-f', 'framemd5', '-'], {
      signal,
      killWithParent: tools.killWithParent,
      timeoutMs: 60_000,
      stdout: {
        kind: 'lines',
        onLine: (line) => {
          if (line !== '' && !line.startsWith('#')) frames += 1;
        },
      },
    });
  } catch (error) {
    if (error instanceof FfmpegFailedError && error.exitCode === 1) throw undecodable(error);
    throw error;
  }
  if (frames === 0) throw undecodable();
}

/**
 * Reads packet flags rather than decoding (`-skip_frame nokey` would decode every keyframe):
 * demuxing only, so a 1080p hour costs I/O, not CPU. Lines are consumed as they arrive.
 */
async function keyframeGap(
  tools: MediaTools,
  path: string,
  streamIndex: number,
  durationSeconds: number,
  signal: AbortSignal | undefined,
): Promise<number> {
  const keyframes: number[] = [];
  await runMediaTool(
    tools.ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      String(streamIndex),
      '-show_entries',
      'packet=pts_time,flags',
      '-of',
      'csv=p=0',
      path,
    ],
    {
      signal,
      killWithParent: tools.killWithParent,
      timeoutMs: 300_000,
      stdout: {
        kind: 'lines',
        onLine: (line) => {
          const [time, flags] = line.split(',');
          const seconds = Number.parseFloat(time ?? '');
          if (flags?.startsWith('K') && Number.isFinite(seconds)) keyframes.push(seconds);
        },
      },
    },
  );
  if (keyframes.length === 0) return durationSeconds;
  keyframes.sort((a, b) => a - b);
  let gap = Math.max(0, durationSeconds - (keyframes.at(-1) ?? 0));
  for (let i = 1; i < keyframes.length; i += 1) {
    gap = Math.max(gap, (keyframes[i] ?? 0) - (keyframes[i - 1] ?? 0));
  }
  return gap;
}

function formatDuration(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}
