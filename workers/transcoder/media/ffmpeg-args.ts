import type { LadderPlan, Plan, RemuxPlan } from './ladder.ts';

/**
 * ffmpeg argument arrays. Every command runs with the attempt's work folder as its cwd and
 * names outputs relative to it, so a `%` or space in the folder's path can never reach a
 * segment pattern. The source path is the only absolute path.
 */

export const THUMBNAIL_FOLDER = 'thumbs';
export const THUMBNAIL_PATTERN = `${THUMBNAIL_FOLDER}/%04d.jpg`;
export const POSTER_NAME = 'poster.jpg';
const THUMBNAIL_WIDTH = 320;

/** Quiet except for levelled lines (so info can be filtered), `-progress` on stdout, CPU times on exit. */
const COMMON = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-nostats', '-benchmark', '-y'];
const PROGRESS = ['-progress', 'pipe:1'];

export interface LadderArgsOptions {
  /** Write scrub thumbnails from the same decode (from the smallest rung: next to free). */
  readonly thumbnails?: boolean;
  /** Write the poster from the same decode (from the top rung), saving a second decode. */
  readonly poster?: boolean;
}

/**
 * The whole ladder in one process: one decode, frame rate fixed, then a cascade of scalers
 * (1080p → 720p → 480p → 360p, each rung scaled from the one above: measured 8 % less CPU than
 * scaling every rung from the source) with one x264 per rung. All encoders share the GOP and
 * have no scene-cut keyframes, so every rung has its keyframes (and so its segment boundaries)
 * on the same frames. Thumbnails come from the smallest rung, the poster from the top one.
 */
export function ladderArgs(plan: LadderPlan, sourcePath: string, options: LadderArgsOptions = {}): string[] {
  const thumbnails = options.thumbnails ?? true;
  const poster = options.poster ?? true;
  const rungs = plan.rungs;
  const { video, audio } = inputStreams(plan);
  const prepare = [
    ...(plan.deinterlace ? ['bwdif=mode=send_frame'] : []),
    `fps=${plan.frameRateRational}`,
    'format=yuv420p',
  ].join(',');
  const last = rungs.length - 1;
  const graph = rungs.map((rung, i) => {
    const input = i === 0 ? `[${video}]${prepare},` : `[next${i - 1}]`;
    const branches = [
      ...(i < last || thumbnails ? [`[next${i}]`] : []),
      ...(i === 0 && poster ? ['[posterframe]'] : []),
    ];
    const outputs =
      branches.length === 0 ? `[v${i}]` : `,split=${branches.length + 1}[v${i}]${branches.join('')}`;
    return `${input}scale=${rung.width}:${rung.height},setsar=1${outputs}`;
  });
  if (thumbnails) graph.push(`[next${last}]${thumbnailFilter(plan.thumbnailIntervalSeconds)}[thumbs]`);
  if (poster) graph.push(`[posterframe]${posterFilter(plan)}[poster]`);

  const maps = rungs.flatMap((_, i) => ['-map', `[v${i}]`, ...(audio ? ['-map', audio] : [])]);
  const perRung = rungs.flatMap((rung, i) => [
    `-b:v:${i}`,
    String(rung.videoBitrate),
    `-maxrate:v:${i}`,
    String(rung.maxrate),
    `-bufsize:v:${i}`,
    String(rung.bufsize),
    ...(plan.hasAudio ? [`-b:a:${i}`, String(rung.audioBitrate)] : []),
  ]);
  const videoEncoding = [
    '-c:v',
    'libx264',
    '-preset',
    plan.preset,
    '-profile:v',
    'high',
    '-g',
    String(plan.gopFrames),
    '-keyint_min',
    String(plan.gopFrames),
    '-sc_threshold',
    '0',
  ];
  const audioEncoding = audio ? ['-c:a', 'aac', '-ac', '2'] : [];
  const streamMap = rungs
    .map((rung, i) => `v:${i}${plan.hasAudio ? `,a:${i}` : ''},name:${rung.name}`)
    .join(' ');
  return [
    ...COMMON,
    ...PROGRESS,
    '-i',
    sourcePath,
    '-filter_complex',
    graph.join(';'),
    ...maps,
    ...videoEncoding,
    ...audioEncoding,
    ...perRung,
    '-max_muxing_queue_size',
    '1024',
    ...hlsOutput(plan.segmentSeconds, {
      // With several variants ffmpeg 5.1 always decorates the init name (a `_<n>` suffix, or
      // `%v`); transcode.ts renames it to `init.mp4` and fixes the playlist's EXT-X-MAP.
      initName: rungs.length > 1 ? 'init_%v.mp4' : 'init.mp4',
      segmentPattern: '%v/seg-%05d.m4s',
    }),
    '-var_stream_map',
    streamMap,
    '%v/index.m3u8',
    ...(thumbnails ? thumbnailOutput('[thumbs]') : []),
    ...(poster ? ['-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-update', '1', POSTER_NAME] : []),
  ];
}

/** The one frame at the poster time, out of the fixed-rate top rung, at most maxWidth wide. */
function posterFilter(plan: LadderPlan): string {
  const frame = Math.floor(plan.poster.atSeconds * plan.frameRate);
  const top = plan.rungs[0] as LadderPlan['rungs'][number];
  const width = Math.min(top.width, plan.poster.maxWidth);
  const height = Math.max(2, 2 * Math.round((top.height * width) / top.width / 2));
  return `trim=start_frame=${frame}:end_frame=${frame + 1},scale=${width}:${height},setsar=1`;
}

/**
 * Packaging without re-encoding: the source's H.264 (and AAC) copied into fMP4 segments, cut at
 * its own keyframes, as one rendition named `source`. Thumbnails come from the same process,
 * decoding keyframes only (`-skip_frame nokey` touches the decoder, not the copied packets).
 */
export function remuxArgs(plan: RemuxPlan, sourcePath: string, options: LadderArgsOptions = {}): string[] {
  const thumbnails = options.thumbnails ?? true;
  const name = plan.rendition.name;
  const { video, audio } = inputStreams(plan);
  return [
    ...COMMON,
    ...PROGRESS,
    ...(thumbnails ? ['-skip_frame', 'nokey'] : []),
    '-i',
    sourcePath,
    ...(thumbnails
      ? ['-filter_complex', `[${video}]${thumbnailFilter(plan.thumbnailIntervalSeconds)}[thumbs]`]
      : []),
    '-map',
    video,
    ...(audio ? ['-map', audio] : []),
    '-c',
    'copy',
    ...hlsOutput(plan.segmentSeconds, { initName: 'init.mp4', segmentPattern: `${name}/seg-%05d.m4s` }),
    `${name}/index.m3u8`,
    ...(thumbnails ? thumbnailOutput('[thumbs]') : []),
  ];
}

/**
 * One frame near 10 % of the way in (past fades and titles), at most 1280 wide, for a remux
 * (which decodes keyframes only); a ladder writes its poster in its own process.
 */
export function posterArgs(plan: Plan, sourcePath: string): string[] {
  return [
    ...COMMON,
    '-ss',
    plan.poster.atSeconds.toFixed(3),
    '-i',
    sourcePath,
    '-map',
    inputStreams(plan).video,
    '-frames:v',
    '1',
    '-vf',
    `scale='min(${plan.poster.maxWidth},iw)':-2,setsar=1`,
    '-q:v',
    '3',
    '-update',
    '1',
    POSTER_NAME,
  ];
}

/** The source's streams by absolute index (`0:3`), as the probe chose them. */
function inputStreams(plan: Plan): { video: string; audio: string | null } {
  const audio = plan.hasAudio ? plan.source.audio : null;
  return { video: `0:${plan.source.videoStreamIndex}`, audio: audio ? `0:${audio.streamIndex}` : null };
}

function hlsOutput(segmentSeconds: number, names: { initName: string; segmentPattern: string }): string[] {
  return [
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_playlist_type',
    'vod',
    '-hls_segment_type',
    'fmp4',
    '-hls_flags',
    'independent_segments',
    '-start_number',
    '1',
    '-hls_fmp4_init_filename',
    names.initName,
    '-hls_segment_filename',
    names.segmentPattern,
  ];
}

function thumbnailFilter(intervalSeconds: number): string {
  // eof_action=pass: a source with a single keyframe (remux decodes keyframes only) still
  // yields its first thumbnail instead of none.
  return `fps=1/${intervalSeconds}:eof_action=pass,scale=${THUMBNAIL_WIDTH}:-2,setsar=1`;
}

function thumbnailOutput(label: string): string[] {
  return ['-map', label, '-q:v', '5', '-f', 'image2', THUMBNAIL_PATTERN];
}
