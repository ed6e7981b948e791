import type { SourceInfo } from './probe.ts';

/** One output of the ladder, sized by its short side so portrait sources work the same way. */
export interface Rung {
  /** `1080p`, `720p`, …; a source below the ladder gets one rung named after its own size. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  /** Encoder target, bits/s. */
  readonly videoBitrate: number;
  /** VBV cap and buffer, bits/s and bits. */
  readonly maxrate: number;
  readonly bufsize: number;
  readonly audioBitrate: number;
}

interface RungSpec {
  readonly shortSide: number;
  readonly videoBitrate: number;
  readonly audioBitrate: number;
}

/**
 * H.264 High at ~30 fps with x264 veryfast. The targets sit at the low end of Apple's HLS
 * authoring ladder (which assumes slower presets): enough for talking heads and screen
 * recordings to look clean, while an hour of the 1080p rung stays near 2.3 GB. Stereo AAC is
 * transparent at 128 kb/s; the small rungs are watched on phones and poor links, where 96 kb/s
 * is the better trade. Above 30 fps each video target is raised by half (twice the frames do
 * not cost twice the bits: consecutive frames differ less).
 */
const LADDER: readonly RungSpec[] = [
  { shortSide: 1080, videoBitrate: 5_000_000, audioBitrate: 128_000 },
  { shortSide: 720, videoBitrate: 2_800_000, audioBitrate: 128_000 },
  { shortSide: 480, videoBitrate: 1_400_000, audioBitrate: 96_000 },
  { shortSide: 360, videoBitrate: 800_000, audioBitrate: 96_000 },
];

/**
 * Capped VBR: maxrate 7 % over target keeps the peak the master playlist declares honest;
 * a buffer of 1.5× the target (about 1.5 s) lets keyframes and scene changes borrow bits
 * without stalls on a link that just sustains the declared bandwidth.
 */
const MAXRATE_FACTOR = 1.07;
const BUFSIZE_FACTOR = 1.5;
const HIGH_FRAME_RATE_FACTOR = 1.5;
const SMALLEST_RUNG_BITRATE = 150_000;
const REFERENCE_PIXELS = 640 * 360;

export interface PlanOptions {
  readonly segmentSeconds?: number;
  /** x264 preset; veryfast runs 720p at ~1.8x the speed of medium (domain facts) for a little size. */
  readonly preset?: string;
  /** Frame rates above this are divided down by a whole factor (120 → 60, 100 → 50). */
  readonly maxFrameRate?: number;
  readonly thumbnailIntervalSeconds?: number;
  /** Allow packaging without re-encoding when the source qualifies. */
  readonly allowRemux?: boolean;
}

interface PlanCommon {
  readonly source: SourceInfo;
  readonly segmentSeconds: number;
  readonly hasAudio: boolean;
  readonly thumbnailIntervalSeconds: number;
  readonly poster: { readonly atSeconds: number; readonly maxWidth: number };
  /** Why this mode was chosen, for logs. */
  readonly decision: string;
}

export interface LadderPlan extends PlanCommon {
  readonly mode: 'ladder';
  readonly rungs: readonly Rung[];
  readonly frameRate: number;
  readonly frameRateRational: string;
  /** Keyframe interval in frames: one segment, the same for every rung, so boundaries align. */
  readonly gopFrames: number;
  readonly preset: string;
  readonly deinterlace: boolean;
}

export interface RemuxPlan extends PlanCommon {
  readonly mode: 'remux';
  /** The single rendition, named `source`, at the source's own size. */
  readonly rendition: {
    readonly name: 'source';
    readonly width: number;
    readonly height: number;
    readonly frameRate: number;
    readonly videoBitrate: number;
    readonly audioBitrate: number;
  };
}

export type Plan = LadderPlan | RemuxPlan;

export const DEFAULT_SEGMENT_SECONDS = 4;
const DEFAULT_MAX_FRAME_RATE = 60;
export const POSTER_MAX_WIDTH = 1280;

export function planTranscode(source: SourceInfo, options: PlanOptions = {}): Plan {
  const segmentSeconds = options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS;
  const maxFrameRate = options.maxFrameRate ?? DEFAULT_MAX_FRAME_RATE;
  const common = {
    source,
    segmentSeconds,
    hasAudio: source.audio !== null,
    thumbnailIntervalSeconds: options.thumbnailIntervalSeconds ?? thumbnailInterval(source.durationSeconds),
    poster: { atSeconds: source.durationSeconds * 0.1, maxWidth: POSTER_MAX_WIDTH },
  };
  const blockers = remuxBlockers(source, segmentSeconds, maxFrameRate);
  if ((options.allowRemux ?? true) && blockers.length === 0) {
    return {
      ...common,
      mode: 'remux',
      decision: 'remux: H.264 (yuv420p) with AAC or no audio, within the top rung',
      rendition: {
        name: 'source',
        width: source.width,
        height: source.height,
        frameRate: source.frameRate,
        videoBitrate: Math.round(source.videoBitRate ?? source.bitRate ?? 1),
        audioBitrate: Math.round(source.audio?.bitRate ?? 0),
      },
    };
  }
  const { rate, rational } = cappedFrameRate(source, maxFrameRate);
  return {
    ...common,
    mode: 'ladder',
    decision: `ladder: ${blockers.length > 0 ? blockers.join('; ') : 'remux not allowed'}`,
    rungs: rungsFor(source.width, source.height, rate),
    frameRate: rate,
    frameRateRational: rational,
    gopFrames: Math.max(1, Math.round(segmentSeconds * rate)),
    preset: options.preset ?? 'veryfast',
    deinterlace: source.interlaced,
  };
}

/** Why the source must be re-encoded; empty when it can be packaged as it is. */
export function remuxBlockers(source: SourceInfo, segmentSeconds: number, maxFrameRate: number): string[] {
  const blockers: string[] = [];
  const top = LADDER[0]?.shortSide ?? 1080;
  if (source.videoCodec !== 'h264') blockers.push(`video is ${source.videoCodec}, not H.264`);
  if (source.pixelFormat !== 'yuv420p') blockers.push(`pixel format is ${source.pixelFormat}`);
  if (source.audio && source.audio.codec !== 'aac') blockers.push(`audio is ${source.audio.codec}`);
  if (Math.min(source.width, source.height) > top) blockers.push(`larger than ${top}p`);
  if (source.frameRate > maxFrameRate) blockers.push(`${round2(source.frameRate)} fps`);
  if (source.keyframeGapSeconds === null) blockers.push('keyframes not measured');
  else if (source.keyframeGapSeconds > 2 * segmentSeconds) {
    blockers.push(`keyframes up to ${round2(source.keyframeGapSeconds)} s apart`);
  }
  if (source.rotation !== 0) blockers.push('rotated');
  if (!source.squarePixels) blockers.push('non-square pixels');
  if (source.interlaced) blockers.push('interlaced');
  return blockers;
}

/** The standard rungs at or below the source's short side; a smaller source gets one at its own size. */
export function rungsFor(width: number, height: number, frameRate: number): Rung[] {
  const shortSide = Math.min(width, height);
  const rateFactor = frameRate > 30.5 ? HIGH_FRAME_RATE_FACTOR : 1;
  const fitting = LADDER.filter((spec) => spec.shortSide <= shortSide);
  if (fitting.length > 0) return fitting.map((spec) => rung(width, height, spec, rateFactor));
  const own = Math.max(2, evenFloor(shortSide));
  const pixelShare = (own * own * (Math.max(width, height) / shortSide)) / REFERENCE_PIXELS;
  const smallest = LADDER.at(-1) as RungSpec;
  return [
    rung(
      width,
      height,
      {
        shortSide: own,
        videoBitrate: Math.max(SMALLEST_RUNG_BITRATE, Math.round(smallest.videoBitrate * pixelShare)),
        audioBitrate: smallest.audioBitrate,
      },
      rateFactor,
    ),
  ];
}

function rung(width: number, height: number, spec: RungSpec, rateFactor: number): Rung {
  const portrait = height > width;
  const [sourceShort, sourceLong] = portrait ? [width, height] : [height, width];
  const long = Math.min(
    evenRound((sourceLong * spec.shortSide) / sourceShort),
    Math.max(2, evenFloor(sourceLong)),
  );
  const videoBitrate = Math.round(spec.videoBitrate * rateFactor);
  return {
    name: `${spec.shortSide}p`,
    width: portrait ? spec.shortSide : long,
    height: portrait ? long : spec.shortSide,
    videoBitrate,
    maxrate: Math.round(videoBitrate * MAXRATE_FACTOR),
    bufsize: Math.round(videoBitrate * BUFSIZE_FACTOR),
    audioBitrate: spec.audioBitrate,
  };
}

function cappedFrameRate(source: SourceInfo, maxFrameRate: number): { rate: number; rational: string } {
  const divisor = Math.max(1, Math.ceil(source.frameRate / maxFrameRate - 1e-9));
  if (divisor === 1) return { rate: source.frameRate, rational: source.frameRateRational };
  const [numerator, denominator = '1'] = source.frameRateRational.split('/');
  return {
    rate: source.frameRate / divisor,
    rational: `${numerator}/${Number(denominator) * divisor}`,
  };
}

/** About a hundred scrub thumbnails whatever the length, never closer than 2 s. */
export function thumbnailInterval(durationSeconds: number): number {
  return Math.max(2, Math.ceil(durationSeconds / 100));
}

const evenFloor = (value: number) => 2 * Math.floor(value / 2);
const evenRound = (value: number) => 2 * Math.round(value / 2);
const round2 = (value: number) => Math.round(value * 100) / 100;
