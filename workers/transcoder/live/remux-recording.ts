import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { assetPrefix } from '#shared/video/media-layout.ts';
import type { Rendition } from '#shared/video/transcode-manifest.ts';
import type { ProducedMedia } from '../job-runner.ts';
import { codecsFromInitSegment } from '../media/codecs.ts';
import { SourceRejectedError, TranscodeOutputError } from '../media/errors.ts';
import { POSTER_NAME, THUMBNAIL_FOLDER } from '../media/ffmpeg-args.ts';
import { DEFAULT_MEDIA_TOOLS, type MediaTools, runMediaTool } from '../media/ffmpeg-run.ts';
import { ffprobeJson, parseRational, toNumber } from '../media/ffprobe-json.ts';
import { parseMediaPlaylist } from '../media/hls-playlist.ts';
import { POSTER_MAX_WIDTH, thumbnailInterval } from '../media/ladder.ts';
import { listFiles } from '../media/outputs.ts';
import { renderJoinedPlaylist } from './joined-playlist.ts';
import {
  groupSessions,
  type LiveObject,
  liveSegmentName,
  planRecording,
  type RecordedSession,
  sessionRenditionFolder,
} from './recording-plan.ts';

/** VOD segment length: the live GOP is 1 s, so 4 s cuts land on keyframes. */
export const VOD_SEGMENT_SECONDS = 4;
/** Segments fetched at once per session and rendition. */
const FETCH_WINDOW = 8;
/** ffmpeg processes at once (a remux is I/O bound; a few keep both cores busy). */
const REMUX_CONCURRENCY = 3;
const QUIET = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-nostats', '-benchmark', '-y'];

export interface LiveRecordingJobInput {
  readonly assetId: string;
  readonly streamId: string;
  readonly sessions: number;
  /** An empty (or missing) folder for downloads and intermediate runs. */
  readonly workDir: string;
  /** An empty (or missing) folder that receives the attempt's outputs and nothing else. */
  readonly outDir: string;
  readonly signal: AbortSignal;
  readonly onProgress: (percent: number) => void;
}

export interface LiveRecordingMedia extends ProducedMedia {
  /** Stands in for the upload's eTag in the manifest: which stream and sessions were recorded. */
  readonly sourceTag: string;
  /** Sessions that were remuxed, and the runs (encoder changes) they made. */
  readonly recordedSessions: readonly number[];
  readonly runs: number;
}

/** Turns a live stream's recorded segments into VOD outputs on local disk. */
export interface LiveRecordingPipeline {
  produce(input: LiveRecordingJobInput): Promise<LiveRecordingMedia>;
}

interface Run {
  readonly index: number;
  readonly sessions: readonly RecordedSession[];
}

/**
 * Live to VOD without re-encoding. Each session's renditions are downloaded as one file each
 * (init segment + its 1 s fragments, which is a valid fragmented MP4); consecutive sessions whose
 * init segments are identical form one run, concatenated by ffmpeg's concat demuxer (timestamps
 * continue) and cut into 4 s fMP4 segments with `-c copy`. A session whose init differs (another
 * encoder or other settings) starts a new run; the runs are joined in one playlist with
 * EXT-X-DISCONTINUITY and a new EXT-X-MAP, which vod-package verifies like any playlist.
 * Keyframe thumbnails and the poster come from the top rendition.
 */
export function createLiveRecordingPipeline(options: {
  store: ObjectStore;
  bucket: string;
  tools?: MediaTools;
}): LiveRecordingPipeline {
  const tools = options.tools ?? DEFAULT_MEDIA_TOOLS;
  return {
    async produce(input) {
      const liveFolder = `${assetPrefix(input.assetId)}live/`;
      const listing = await options.store.list(options.bucket, liveFolder);
      const objects: LiveObject[] = listing.map((head) => ({
        key: head.key.slice(liveFolder.length),
        size: head.size,
      }));
      const plan = planRecording(objects, input.sessions);
      if (plan.sessions.length === 0) {
        throw new SourceRejectedError(
          'no_recording',
          `no session of ${input.sessions} left a usable segment in every rendition`,
        );
      }
      const inDir = join(input.workDir, 'in');
      await mkdir(inDir, { recursive: true });
      await mkdir(input.outDir, { recursive: true });

      // 1. Download: one file per session and rendition, init first (0–40 %).
      const digests = new Map<string, string>();
      const pairs = plan.sessions.flatMap((session) =>
        plan.renditions.map((rendition) => ({ session, rendition })),
      );
      let downloaded = 0;
      await forEachLimited(pairs, 4, async ({ session, rendition }) => {
        const folder = `${liveFolder}${sessionRenditionFolder(session.session, rendition)}`;
        const keys = [
          `${folder}init.mp4`,
          ...Array.from({ length: session.segmentCount }, (_, i) => `${folder}${liveSegmentName(i + 1)}`),
        ];
        const digest = await downloadJoined(
          options.store,
          options.bucket,
          keys,
          join(inDir, partName(session.session, rendition)),
          input.signal,
        );
        digests.set(`${session.session}/${rendition}`, digest);
        downloaded += 1;
        input.onProgress((40 * downloaded) / pairs.length);
      });

      // 2. Runs of identical init segments, each remuxed per rendition into 4 s segments (40–85 %).
      const runs: Run[] = groupSessions(plan.sessions, (session) =>
        plan.renditions.map((rendition) => digests.get(`${session}/${rendition}`) ?? ''),
      ).map((sessions, index) => ({ index: index + 1, sessions }));
      const jobs = runs.flatMap((run) => plan.renditions.map((rendition) => ({ run, rendition })));
      let remuxed = 0;
      await forEachLimited(jobs, REMUX_CONCURRENCY, async ({ run, rendition }) => {
        await remuxRun(tools, input.workDir, run, rendition, input.signal);
        remuxed += 1;
        input.onProgress(40 + (45 * remuxed) / jobs.length);
      });

      // 3. One playlist per rendition: runs joined, files renamed into the VOD layout.
      const totals = new Map<string, number>();
      for (const rendition of plan.renditions) {
        totals.set(rendition, await joinRuns(input.workDir, input.outDir, runs, rendition));
      }
      const top = plan.renditions[0] as string;
      const durationSeconds = totals.get(top) as number;
      for (const [rendition, total] of totals) {
        if (Math.abs(total - durationSeconds) > Math.max(1, 0.05 * durationSeconds)) {
          throw new TranscodeOutputError(
            `rendition ${rendition} lasts ${total.toFixed(3)} s, ${top} ${durationSeconds.toFixed(3)} s`,
          );
        }
      }

      // 4. Stills from the top rendition (85–90 %).
      const interval = thumbnailInterval(durationSeconds);
      await writeStills(tools, input, runs, top, { interval, durationSeconds });
      input.onProgress(90);

      // 5. What each rendition is, read from the files themselves.
      const renditions: Rendition[] = [];
      let source: ProducedMedia['source'] | undefined;
      for (const rendition of plan.renditions) {
        const described = await describeRendition(tools, input, runs, rendition);
        renditions.push(described.rendition);
        source ??= { ...described.source, durationSeconds };
      }
      const files = await listFiles(input.outDir);
      return {
        mode: renditions.length > 1 ? 'ladder' : 'remux',
        segmentSeconds: VOD_SEGMENT_SECONDS,
        renditions,
        poster: POSTER_NAME,
        thumbnails: {
          intervalSeconds: interval,
          keys: files.map((file) => file.key).filter((key) => key.startsWith(`${THUMBNAIL_FOLDER}/`)),
        },
        files: files.map((file) => ({ key: file.key, bytes: file.bytes })),
        source: source as ProducedMedia['source'],
        sourceTag: `live:${input.streamId}:s${input.sessions}`,
        recordedSessions: plan.sessions.map((session) => session.session),
        runs: runs.length,
      };
    },
  };
}

function partName(session: number, rendition: string): string {
  return `s${session}-${rendition}.mp4`;
}

/** The run's input for ffmpeg, relative to the work folder: one part file, or a concat list. */
async function runInput(workDir: string, run: Run, rendition: string): Promise<string[]> {
  if (run.sessions.length === 1) {
    return ['-i', `in/${partName((run.sessions[0] as RecordedSession).session, rendition)}`];
  }
  const list = `in/run${run.index}-${rendition}.txt`;
  // Names we made ourselves (digits and a rendition name): nothing to quote.
  const lines = run.sessions.map((session) => `file '${partName(session.session, rendition)}'`);
  await writeFile(join(workDir, list), `${lines.join('\n')}\n`);
  return ['-f', 'concat', '-safe', '0', '-i', list];
}

function runFolder(run: Run, rendition: string): string {
  return `runs/${run.index}/${rendition}`;
}

async function remuxRun(
  tools: MediaTools,
  workDir: string,
  run: Run,
  rendition: string,
  signal: AbortSignal,
): Promise<void> {
  const folder = runFolder(run, rendition);
  await mkdir(join(workDir, folder), { recursive: true });
  await runMediaTool(
    tools.ffmpeg,
    [
      ...QUIET,
      ...(await runInput(workDir, run, rendition)),
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-c',
      'copy',
      '-f',
      'hls',
      '-hls_time',
      String(VOD_SEGMENT_SECONDS),
      '-hls_playlist_type',
      'vod',
      '-hls_segment_type',
      'fmp4',
      '-hls_flags',
      'independent_segments',
      '-start_number',
      '1',
      '-hls_fmp4_init_filename',
      'init.mp4',
      '-hls_segment_filename',
      `${folder}/seg-%05d.m4s`,
      `${folder}/index.m3u8`,
    ],
    { cwd: workDir, signal, killWithParent: tools.killWithParent, timeoutMs: 600_000 },
  );
}

/** Moves every run's files of one rendition into `outDir/<rendition>/` and writes its playlist. */
async function joinRuns(
  workDir: string,
  outDir: string,
  runs: readonly Run[],
  rendition: string,
): Promise<number> {
  const target = join(outDir, rendition);
  await mkdir(target, { recursive: true });
  let next = 1;
  const playlistRuns = [];
  for (const run of runs) {
    const folder = join(workDir, runFolder(run, rendition));
    const playlist = parseMediaPlaylist(await readFile(join(folder, 'index.m3u8'), 'utf8'));
    if (!playlist.ended || playlist.segments.length === 0 || playlist.mapUri === null) {
      throw new TranscodeOutputError(`run ${run.index} of ${rendition} has an incomplete playlist`);
    }
    const mapUri = run.index === 1 ? 'init.mp4' : `init-${run.index}.mp4`;
    await rename(join(folder, playlist.mapUri), join(target, mapUri));
    const segments = [];
    for (const segment of playlist.segments) {
      const uri = `seg-${String(next).padStart(5, '0')}.m4s`;
      next += 1;
      await rename(join(folder, segment.uri), join(target, uri));
      segments.push({ uri, durationSeconds: segment.durationSeconds });
    }
    playlistRuns.push({ mapUri, segments });
  }
  await writeFile(join(target, 'index.m3u8'), renderJoinedPlaylist(playlistRuns));
  return playlistRuns.reduce(
    (sum, run) => sum + run.segments.reduce((total, segment) => total + segment.durationSeconds, 0),
    0,
  );
}

/**
 * Scrub thumbnails every `interval` seconds from keyframes only (numbered on across runs, so each
 * run restarts its clock: at most one interval of drift per encoder change), and the poster at
 * 10 % of the recording, at most POSTER_MAX_WIDTH wide.
 */
async function writeStills(
  tools: MediaTools,
  input: LiveRecordingJobInput,
  runs: readonly Run[],
  rendition: string,
  timing: { interval: number; durationSeconds: number },
): Promise<void> {
  await mkdir(join(input.outDir, THUMBNAIL_FOLDER), { recursive: true });
  const run = { cwd: input.workDir, signal: input.signal, killWithParent: tools.killWithParent };
  let posterAt = timing.durationSeconds * 0.1;
  let posterRun: { run: Run; at: number } | undefined;
  for (const each of runs) {
    const written = (await readdir(join(input.outDir, THUMBNAIL_FOLDER))).length;
    await runMediaTool(
      tools.ffmpeg,
      [
        ...QUIET,
        '-skip_frame',
        'nokey',
        ...(await runInput(input.workDir, each, rendition)),
        '-map',
        '0:v:0',
        '-vf',
        `fps=1/${timing.interval}:eof_action=pass,scale=320:-2,setsar=1`,
        '-q:v',
        '5',
        '-f',
        'image2',
        '-start_number',
        String(written + 1),
        join(input.outDir, THUMBNAIL_FOLDER, '%04d.jpg'),
      ],
      { ...run, timeoutMs: 600_000 },
    );
    const length = await runSeconds(input.outDir, each, rendition);
    if (posterRun === undefined && posterAt < length) posterRun = { run: each, at: posterAt };
    posterAt -= length;
  }
  const chosen = posterRun ?? { run: runs[0] as Run, at: 0 };
  await runMediaTool(
    tools.ffmpeg,
    [
      ...QUIET,
      '-ss',
      chosen.at.toFixed(3),
      ...(await runInput(input.workDir, chosen.run, rendition)),
      '-map',
      '0:v:0',
      '-frames:v',
      '1',
      '-vf',
      `scale='min(${POSTER_MAX_WIDTH},iw)':-2,setsar=1`,
      '-q:v',
      '3',
      '-update',
      '1',
      join(input.outDir, POSTER_NAME),
    ],
    { ...run, timeoutMs: 120_000 },
  );
}

/** A run's length in the joined playlist: its segments between its map and the next. */
async function runSeconds(outDir: string, run: Run, rendition: string): Promise<number> {
  const text = await readFile(join(outDir, rendition, 'index.m3u8'), 'utf8');
  const mapUri = run.index === 1 ? 'init.mp4' : `init-${run.index}.mp4`;
  const part = text.split('#EXT-X-MAP:').find((chunk) => chunk.startsWith(`URI="${mapUri}"`)) ?? '';
  return [...part.matchAll(/#EXTINF:([0-9.]+),/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function describeRendition(
  tools: MediaTools,
  input: LiveRecordingJobInput,
  runs: readonly Run[],
  rendition: string,
): Promise<{ rendition: Rendition; source: Omit<ProducedMedia['source'], 'durationSeconds'> }> {
  const first = (runs[0] as Run).sessions[0] as RecordedSession;
  const probed = await ffprobeJson(tools, join(input.workDir, 'in', partName(first.session, rendition)), {
    signal: input.signal,
  });
  const video = probed.streams.find((stream) => stream.codec_type === 'video');
  const audio = probed.streams.find((stream) => stream.codec_type === 'audio');
  if (!video?.width || !video.height) {
    throw new TranscodeOutputError(`rendition ${rendition} has no video stream`);
  }
  const frameRate = parseRational(video.avg_frame_rate) ?? parseRational(video.r_frame_rate) ?? 30;
  // Every init segment's codecs: a playlist's CODECS lists each format any of its segments uses.
  const videoCodecs = new Set<string>();
  const audioCodecs = new Set<string>();
  for (const run of runs) {
    const init = await readFile(
      join(input.outDir, rendition, run.index === 1 ? 'init.mp4' : `init-${run.index}.mp4`),
    );
    const codecs = codecsFromInitSegment(init);
    if (codecs.video === null || (audio !== undefined && codecs.audio === null)) {
      throw new TranscodeOutputError(`rendition ${rendition}: an init segment lacks its codec configuration`);
    }
    videoCodecs.add(codecs.video);
    if (codecs.audio !== null) audioCodecs.add(codecs.audio);
  }
  const audioBitrate = audio ? Math.round(toNumber(audio.bit_rate) ?? 128_000) : 0;
  const overall = toNumber(probed.format?.bit_rate) ?? 0;
  const videoBitrate = Math.max(1, Math.round(toNumber(video.bit_rate) ?? overall - audioBitrate));
  return {
    rendition: {
      name: rendition,
      playlist: `${rendition}/index.m3u8`,
      width: video.width,
      height: video.height,
      frameRate: Math.round(frameRate * 1000) / 1000,
      codecs: [...videoCodecs, ...audioCodecs].join(','),
      videoBitrate,
      audioBitrate,
    },
    source: {
      width: video.width,
      height: video.height,
      frameRate: Math.round(frameRate * 1000) / 1000,
      videoCodec: video.codec_name ?? 'h264',
      audioCodec: audio ? (audio.codec_name ?? 'aac') : null,
    },
  };
}

/**
 * Streams the objects one after another into one file, fetching a few ahead; returns the SHA-256
 * of the first object (the init segment), which decides the runs.
 */
async function downloadJoined(
  store: ObjectStore,
  bucket: string,
  keys: readonly string[],
  path: string,
  signal: AbortSignal,
): Promise<string> {
  const out = createWriteStream(path, { mode: 0o600 });
  const closed = new Promise<void>((resolve, reject) => {
    out.once('close', resolve);
    out.once('error', reject);
  });
  let digest = '';
  try {
    for (let start = 0; start < keys.length; start += FETCH_WINDOW) {
      signal.throwIfAborted();
      const chunk = keys.slice(start, start + FETCH_WINDOW);
      const bodies = await Promise.all(
        chunk.map(async (key) => readBody((await store.get(bucket, key)).body)),
      );
      for (const body of bodies) {
        if (digest === '') digest = createHash('sha256').update(body).digest('hex');
        if (!out.write(body)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
    }
  } finally {
    out.end();
    await closed;
  }
  return digest;
}

async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    try {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    } catch (error) {
      queue.length = 0; // the others finish what they hold and take nothing more
      throw error;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
