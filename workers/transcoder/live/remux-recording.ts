import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { initSections, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { assetPrefix } from '#shared/video/media-layout.ts';
import type { Rendition } from '#shared/video/transcode-manifest.ts';
import type { ProducedMedia } from '../job-runner.ts';
import { codecsFromInitSegment } from '../media/codecs.ts';
import { SourceRejectedError, TranscodeOutputError } from '../media/errors.ts';
import { POSTER_NAME, THUMBNAIL_FOLDER } from '../media/ffmpeg-args.ts';
import { DEFAULT_MEDIA_TOOLS, type MediaTools, runMediaTool } from '../media/ffmpeg-run.ts';
import { ffprobeJson, parseRational, toNumber } from '../media/ffprobe-json.ts';
import { POSTER_MAX_WIDTH, thumbnailInterval } from '../media/ladder.ts';
import { listFiles } from '../media/outputs.ts';
import { EarlyUpload } from './early-upload.ts';
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
/** Objects in flight per rendition (the renditions download side by side). */
const FETCH_WINDOW = 8;
/** Scrub thumbnail width, as the upload ladder's. */
const THUMBNAIL_WIDTH = 320;
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
  /**
   * The attempt's folder in the pipeline's bucket (`videos/<id>/v<attempt>/`). When given, each
   * output file is uploaded there as soon as it is final, while the rest is still being made, and
   * `uploaded` names them; what is left (playlists, the poster) is the caller's to upload.
   */
  readonly uploadPrefix?: string;
}

export interface LiveRecordingMedia extends ProducedMedia {
  /** Stands in for the upload's eTag in the manifest: which stream and sessions were recorded. */
  readonly sourceTag: string;
  /** Sessions that were remuxed, and the runs (encoder changes) they made. */
  readonly recordedSessions: readonly number[];
  readonly runs: number;
  /** Keys of `files` already stored under `uploadPrefix`, at the size `files` gives them. */
  readonly uploaded: ReadonlySet<string>;
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
 * Scrub thumbnails come from the smallest rendition's keyframes, the poster from the top one.
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
      const keyOf = (session: number, rendition: string, name: string) =>
        `${liveFolder}${sessionRenditionFolder(session, rendition)}${name}`;
      const pieceKeys = (piece: RunPiece, rendition: string) => [
        keyOf(piece.session, rendition, 'init.mp4'),
        ...Array.from({ length: piece.last - piece.first + 1 }, (_, i) =>
          keyOf(piece.session, rendition, liveSegmentName(piece.first + i)),
        ),
      ];

      // 1. Init segments first (small): identical ones across sessions make one run.
      const digests = new Map<string, string>();
      await forEachLimited(
        plan.sessions.flatMap((session) => plan.renditions.map((rendition) => ({ session, rendition }))),
        8,
        async ({ session, rendition }) => {
          const { body } = await options.store.get(
            options.bucket,
            keyOf(session.session, rendition, 'init.mp4'),
          );
          digests.set(
            `${session.session}/${rendition}`,
            createHash('sha256')
              .update(await readBody(body))
              .digest('hex'),
          );
        },
      );
      const runs: Run[] = groupSessions(plan.sessions, (session) =>
        plan.renditions.map((rendition) => digests.get(`${session}/${rendition}`) ?? ''),
      ).map((sessions, index) => ({ index: index + 1, sessions }));
      const top = plan.renditions[0] as string;
      const smallest = plan.renditions.at(-1) as string;
      const stills = planStills(runs);

      // 2. Per rendition, in parallel, run after run: each piece's init segment + fragments (a
      // fragmented MP4) stream-copied by ffmpeg into 4 s segments, written under their final names
      // in the output folder (numbers continue from run to run) and uploaded as each one is done;
      // the smallest rendition's copy also decodes its keyframes (the cheapest to decode) for the
      // scrub thumbnails (0–85 %).
      const totalObjects = plan.sessions.reduce(
        (sum, session) => sum + session.segmentCount + session.pieces.length,
        0,
      );
      let fetched = 0;
      let remuxed = 0;
      const jobs = runs.length * plan.renditions.length;
      // The first rendition (or upload) to fail stops the others (their downloads, ffmpeg
      // processes and uploads) at once.
      const stop = new AbortController();
      const signal = AbortSignal.any([input.signal, stop.signal]);
      const early =
        input.uploadPrefix === undefined
          ? undefined
          : new EarlyUpload(
              options.store,
              { bucket: options.bucket, prefix: input.uploadPrefix, dir: input.outDir },
              { signal, onError: (error) => stop.abort(error) },
            );
      await mkdir(join(input.outDir, THUMBNAIL_FOLDER), { recursive: true });
      const settled = await Promise.allSettled(
        plan.renditions.map(async (rendition) => {
          try {
            await mkdir(join(input.outDir, rendition), { recursive: true });
            let firstSegment = 1;
            let firstThumbnail = 1;
            for (const run of runs) {
              const pieces = runPieces(run);
              const download = (piece: RunPiece, sink: Writable) =>
                downloadJoined(options.store, options.bucket, pieceKeys(piece, rendition), sink, {
                  signal,
                  onObject: () => {
                    fetched += 1;
                    input.onProgress((60 * fetched) / (totalObjects * plan.renditions.length));
                  },
                });
              const thumbnails = rendition === smallest;
              const remux = {
                signal,
                firstSegment,
                thumbnails: thumbnails ? { interval: stills.interval, first: firstThumbnail } : undefined,
              };
              const watching = early?.watchFolder(rendition, SEGMENT_NAME);
              try {
                if (pieces.length === 1) {
                  // One piece: straight from storage into ffmpeg, no copy of the recording on disk.
                  await remuxRun(tools, input, run, rendition, {
                    ...remux,
                    stdin: (sink) => download(pieces[0] as RunPiece, sink),
                  });
                } else {
                  // Several (sessions or gap-free pieces): files, joined by the concat demuxer.
                  const files = pieces.map((piece) => join(inDir, partName(piece, rendition)));
                  for (const [index, piece] of pieces.entries()) {
                    await download(piece, createWriteStream(files[index] as string, { mode: 0o600 }));
                  }
                  await remuxRun(tools, input, run, rendition, remux);
                  await Promise.all(files.map((file) => rm(file, { force: true })));
                }
              } catch (error) {
                watching?.close();
                throw error;
              }
              // The init segment is written at the start and completed later: stored once ffmpeg is done.
              await watching?.finish();
              early?.add(`${rendition}/${initName(run)}`);
              firstSegment += (await runPlaylist(input.outDir, run, rendition)).segments.length;
              if (thumbnails) {
                const written = (await readdir(join(input.outDir, THUMBNAIL_FOLDER))).filter((name) =>
                  THUMBNAIL_NAME.test(name),
                );
                for (const name of written.sort().slice(firstThumbnail - 1)) {
                  early?.add(`${THUMBNAIL_FOLDER}/${name}`);
                }
                firstThumbnail = written.length + 1;
              }
              remuxed += 1;
              input.onProgress(60 + (25 * remuxed) / jobs);
            }
          } catch (error) {
            stop.abort(error);
            throw error;
          }
        }),
      );
      // Every rendition (and upload) has ended, stopped ones included, before the job's folders can go.
      const failure = settled.find((result) => result.status === 'rejected');
      if (failure) {
        await early?.drain().catch(() => {});
        throw failure.reason;
      }

      // 3. One playlist per rendition: the runs joined, with a discontinuity and a new map between them.
      const totals = new Map<string, number>();
      for (const rendition of plan.renditions) {
        totals.set(rendition, await joinRuns(input.outDir, runs, rendition));
      }
      const durationSeconds = totals.get(top) as number;
      for (const [rendition, total] of totals) {
        if (Math.abs(total - durationSeconds) > Math.max(1, 0.05 * durationSeconds)) {
          await early?.drain().catch(() => {});
          throw new TranscodeOutputError(
            `rendition ${rendition} lasts ${total.toFixed(3)} s, ${top} ${durationSeconds.toFixed(3)} s`,
          );
        }
      }

      // 4. The poster from the top rendition, and what each rendition is, read from the files
      // themselves (85–90 %).
      let described: Awaited<ReturnType<typeof describeRendition>>[];
      try {
        [described] = await Promise.all([
          Promise.all(
            plan.renditions.map(async (rendition) =>
              describeRendition(tools, input, runs, rendition, {
                bytes: await segmentBytes(join(input.outDir, rendition)),
                seconds: totals.get(rendition) as number,
              }),
            ),
          ),
          writePoster(tools, input, top, durationSeconds).then(() => early?.add(POSTER_NAME)),
        ]);
        await early?.drain();
      } catch (error) {
        await early?.drain().catch(() => {});
        throw error;
      }
      input.onProgress(90);
      const renditions: Rendition[] = described.map((entry) => entry.rendition);
      const source = { ...(described[0] as (typeof described)[number]).source, durationSeconds };
      const files = await listFiles(input.outDir);
      // Only what is stored at the size it has now counts as uploaded.
      const uploaded = new Set(
        files.filter((file) => early?.uploaded.get(file.key) === file.bytes).map((file) => file.key),
      );
      return {
        mode: renditions.length > 1 ? 'ladder' : 'remux',
        segmentSeconds: VOD_SEGMENT_SECONDS,
        renditions,
        poster: POSTER_NAME,
        thumbnails: {
          intervalSeconds: stills.interval,
          keys: files.map((file) => file.key).filter((key) => key.startsWith(`${THUMBNAIL_FOLDER}/`)),
        },
        files: files.map((file) => ({ key: file.key, bytes: file.bytes })),
        source,
        sourceTag: `live:${input.streamId}:s${input.sessions}`,
        recordedSessions: plan.sessions.map((session) => session.session),
        runs: runs.length,
        uploaded,
      };
    },
  };
}

/** A gap-free piece of one session, as a run lists them. */
interface RunPiece {
  readonly session: number;
  readonly first: number;
  readonly last: number;
}

function runPieces(run: Run): RunPiece[] {
  return run.sessions.flatMap((session) =>
    session.pieces.map((piece) => ({ session: session.session, ...piece })),
  );
}

/** A piece of a session's rendition (its init segment and fragments) as one file. */
function partName(piece: RunPiece, rendition: string): string {
  return `s${piece.session}-${piece.first}-${rendition}.mp4`;
}

/** A VOD segment under its final name (written by ffmpeg as `.tmp`, renamed when complete). */
const SEGMENT_NAME = /^seg-\d{5,}\.m4s$/;
/** A scrub thumbnail (`thumbs/0001.jpg`). */
const THUMBNAIL_NAME = /^\d{4,}\.jpg$/;

/** The init segment of a run in its rendition's VOD folder: `init.mp4`, then `init-2.mp4`… */
function initName(run: Run): string {
  return run.index === 1 ? 'init.mp4' : `init-${run.index}.mp4`;
}

/** ffmpeg's own playlist of one run, beside the segments; joined into `index.m3u8`, then removed. */
function runPlaylistName(run: Run): string {
  return `.run-${run.index}.m3u8`;
}

/**
 * The run's input for ffmpeg: stdin (one piece, streamed in), or a concat list of its pieces'
 * files (timestamps continue from one to the next, so a hole is skipped).
 */
async function runInput(workDir: string, run: Run, rendition: string): Promise<string[]> {
  const pieces = runPieces(run);
  if (pieces.length === 1) return ['-f', 'mp4', '-i', 'pipe:0'];
  // Beside the pieces: the concat demuxer reads the names relative to the list.
  const list = join(workDir, 'in', `run${run.index}-${rendition}.txt`);
  // Names we made ourselves (digits and a rendition name): nothing to quote.
  await writeFile(list, `${pieces.map((piece) => `file '${partName(piece, rendition)}'`).join('\n')}\n`);
  return ['-f', 'concat', '-safe', '0', '-i', list];
}

/**
 * One run of one rendition, stream-copied into 4 s fMP4 segments written straight into the
 * rendition's VOD folder under their final names (numbered on from `firstSegment`, `temp_file` so
 * a name appears only on a complete segment), and, for the thumbnails' rendition, its keyframes
 * decoded into `thumbs/` numbered on from `thumbnails.first`.
 */
async function remuxRun(
  tools: MediaTools,
  input: LiveRecordingJobInput,
  run: Run,
  rendition: string,
  options: {
    signal: AbortSignal;
    firstSegment: number;
    thumbnails: { interval: number; first: number } | undefined;
    stdin?: (sink: Writable) => Promise<void>;
  },
): Promise<void> {
  const thumbnails = options.thumbnails;
  const stills: string[] = [];
  if (thumbnails !== undefined) {
    stills.push(
      ...[
        '-filter_complex',
        `[0:v:0]fps=1/${thumbnails.interval}:eof_action=pass,scale=${THUMBNAIL_WIDTH}:-2,setsar=1[thumbs]`,
      ],
      ...['-map', '[thumbs]', '-q:v', '5', '-f', 'image2', '-start_number', String(thumbnails.first)],
      `${THUMBNAIL_FOLDER}/%04d.jpg`,
    );
  }
  await runMediaTool(
    tools.ffmpeg,
    [
      ...QUIET,
      // Keyframes only reach the decoder (for the thumbnails); the copied packets are all kept.
      ...(thumbnails === undefined ? [] : ['-skip_frame', 'nokey']),
      ...(await runInput(input.workDir, run, rendition)),
      ...stills,
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
      'independent_segments+temp_file',
      '-start_number',
      String(options.firstSegment),
      '-hls_fmp4_init_filename',
      initName(run),
      '-hls_segment_filename',
      `${rendition}/seg-%05d.m4s`,
      `${rendition}/${runPlaylistName(run)}`,
    ],
    {
      cwd: input.outDir,
      signal: options.signal,
      killWithParent: tools.killWithParent,
      ...(options.stdin ? { stdin: options.stdin } : {}),
    },
  );
}

/** A run's own playlist, checked complete and naming the init segment it was given. */
async function runPlaylist(outDir: string, run: Run, rendition: string) {
  const playlist = parseMediaPlaylist(await readFile(join(outDir, rendition, runPlaylistName(run)), 'utf8'));
  if (
    !playlist.endList ||
    playlist.segments.length === 0 ||
    playlist.map?.uri !== initName(run) ||
    playlist.maps !== undefined
  ) {
    throw new TranscodeOutputError(`run ${run.index} of ${rendition} has an incomplete playlist`);
  }
  return playlist;
}

/** Joins every run's playlist of one rendition into its `index.m3u8`; the total duration. */
async function joinRuns(outDir: string, runs: readonly Run[], rendition: string): Promise<number> {
  const playlistRuns = [];
  for (const run of runs) {
    const playlist = await runPlaylist(outDir, run, rendition);
    playlistRuns.push({
      mapUri: initName(run),
      segments: playlist.segments.map((segment) => ({ uri: segment.uri, durationSeconds: segment.duration })),
    });
  }
  await writeFile(join(outDir, rendition, 'index.m3u8'), renderJoinedPlaylist(playlistRuns));
  await Promise.all(runs.map((run) => rm(join(outDir, rendition, runPlaylistName(run)))));
  return playlistRuns.reduce(
    (sum, run) => sum + run.segments.reduce((total, segment) => total + segment.durationSeconds, 0),
    0,
  );
}

/** Scrub thumbnails every `interval` seconds: about a hundred, from the segment count (1 s each). */
function planStills(runs: readonly Run[]): { interval: number } {
  const total = runs.reduce(
    (sum, run) => sum + run.sessions.reduce((count, session) => count + session.segmentCount, 0),
    0,
  );
  return { interval: thumbnailInterval(total) };
}

/**
 * The poster: one frame of the top rendition at 10 % of the recording, taken from the VOD segment
 * that holds that instant (its init segment + that segment, a few seconds at most to decode).
 */
async function writePoster(
  tools: MediaTools,
  input: LiveRecordingJobInput,
  rendition: string,
  durationSeconds: number,
): Promise<void> {
  const folder = join(input.outDir, rendition);
  const playlist = parseMediaPlaylist(await readFile(join(folder, 'index.m3u8')));
  const maps = initSections(playlist);
  let at = durationSeconds * 0.1;
  let index = 0;
  for (; index < playlist.segments.length - 1; index++) {
    const duration = (playlist.segments[index] as { duration: number }).duration;
    if (at < duration) break;
    at -= duration;
  }
  const segment = playlist.segments[index] as { uri: string };
  const map = maps.filter((section) => section.firstSegment <= index).at(-1) as { uri: string };
  await runMediaTool(
    tools.ffmpeg,
    [
      ...QUIET,
      ...['-ss', at.toFixed(3), '-i', joinedFiles(folder, [map.uri, segment.uri])],
      ...['-map', '0:v:0', '-frames:v', '1', '-vf', `scale='min(${POSTER_MAX_WIDTH},iw)':-2,setsar=1`],
      ...['-q:v', '3', '-update', '1', join(input.outDir, POSTER_NAME)],
    ],
    { cwd: input.workDir, signal: input.signal, killWithParent: tools.killWithParent, timeoutMs: 120_000 },
  );
  if (!(await stat(join(input.outDir, POSTER_NAME)).catch(() => undefined))?.size) {
    throw new TranscodeOutputError('no poster image was written');
  }
}

/**
 * Files read one after another as one input (ffmpeg's concat protocol): an init segment and a
 * media segment make a fragmented MP4 without a copy on disk. The names are our own (no `|`).
 */
function joinedFiles(folder: string, names: readonly string[]): string {
  return `concat:${names.map((name) => join(folder, name)).join('|')}`;
}

/** Bytes of the media segments in a rendition folder (init segments left out). */
async function segmentBytes(folder: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(folder)) {
    if (name.endsWith('.m4s')) total += (await stat(join(folder, name))).size;
  }
  return total;
}

async function describeRendition(
  tools: MediaTools,
  input: LiveRecordingJobInput,
  runs: readonly Run[],
  rendition: string,
  media: { bytes: number; seconds: number },
): Promise<{ rendition: Rendition; source: Omit<ProducedMedia['source'], 'durationSeconds'> }> {
  // The first VOD segment with its init segment is enough to read sizes, rates and codecs; the
  // whole recording would make ffprobe walk every fragment.
  const folder = join(input.outDir, rendition);
  const probed = await ffprobeJson(tools, joinedFiles(folder, ['init.mp4', 'seg-00001.m4s']), {
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
    // Audio may come and go between runs (a publisher that reconnected without a microphone):
    // the VOD keeps both; only a run without decodable video is an error.
    if (codecs.video === null) {
      throw new TranscodeOutputError(`rendition ${rendition}: an init segment lacks its video configuration`);
    }
    videoCodecs.add(codecs.video);
    if (codecs.audio !== null) audioCodecs.add(codecs.audio);
  }
  // Bit rates over the whole rendition: its segments' bytes over its duration, less the audio.
  const audioBitrate = audio ? Math.round(toNumber(audio.bit_rate) ?? 128_000) : 0;
  const videoBitrate = Math.max(1, Math.round((8 * media.bytes) / media.seconds - audioBitrate));
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
 * Writes the objects one after another into `sink` (a fragmented MP4: init segment, then its
 * fragments) and ends it. FETCH_WINDOW requests are in flight; their bodies wait, paused, until
 * it is their turn and are then piped in, so nothing is buffered whole.
 */
async function downloadJoined(
  store: ObjectStore,
  bucket: string,
  keys: readonly string[],
  sink: Writable,
  options: { signal: AbortSignal; onObject: () => void },
): Promise<void> {
  let failed: Error | undefined;
  const onError = (error: Error) => {
    failed ??= error;
  };
  sink.on('error', onError);
  const pending: Promise<Readable>[] = [];
  let next = 0;
  const refill = () => {
    while (next < keys.length && pending.length < FETCH_WINDOW) {
      const key = keys[next] as string;
      next += 1;
      const body = store.get(bucket, key).then((object) => object.body);
      body.catch(() => {}); // awaited below in order; an earlier failure must not leave this unhandled
      pending.push(body);
    }
  };
  try {
    refill();
    for (let body = pending.shift(); body !== undefined; body = pending.shift()) {
      const stream = await body;
      refill();
      options.signal.throwIfAborted();
      if (failed) throw failed;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        sink.once('error', reject);
        stream.once('end', () => {
          sink.off('error', reject);
          resolve();
        });
        stream.pipe(sink, { end: false });
      });
      options.onObject();
    }
  } finally {
    // Bodies fetched but not written (a failure or an abort) release their connections.
    for (const body of pending)
      body.then(
        (stream) => stream.destroy(),
        () => {},
      );
    sink.end();
    if (!sink.writableFinished && !sink.destroyed) await once(sink, 'finish').catch(() => {});
    sink.off('error', onError);
  }
  if (failed) throw failed;
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
