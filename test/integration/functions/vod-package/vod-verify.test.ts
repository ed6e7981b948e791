import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMasterPlaylist } from '#functions/vod-package/master-playlist.ts';
import { PackagingRejectedError } from '#functions/vod-package/packaging-rejected.ts';
import { type RenditionFigures, verifyRenditions } from '#functions/vod-package/verify-renditions.ts';
import { newId } from '#shared/ids.ts';
import { ObjectStorageError, type ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { parseMasterPlaylist, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { attemptPrefix } from '#shared/video/media-layout.ts';
import type { Rendition, TranscodeManifest } from '#shared/video/transcode-manifest.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';

const run = promisify(execFile);
const REGION = 'us-ashburn-1';
const ACCESS_KEY_ID = 'VODKEY';
const SECRET = 'vod-secret';
const BUCKET = 'media';
const SOURCE_SECONDS = 4;
const FRAME_RATE = 30;
const RUNGS = [
  { name: '180p', width: 320, height: 180, videoBitrate: 400_000 },
  { name: '90p', width: 160, height: 90, videoBitrate: 120_000 },
] as const;

let s3: S3TestServer;
let store: ObjectStore;
let workDir: string;
/** The ffmpeg output, keyed as the worker would upload it (relative to the attempt folder). */
let outputs: Map<string, Buffer>;
/** CODECS per rendition as ffmpeg's own master playlist reported them. */
let codecsByRendition: Map<string, string>;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'forgecast-vod-verify-'));
  await transcodeLadder(workDir);
  codecsByRendition = await ffmpegCodecs(workDir);
  outputs = await readOutputs(workDir);

  s3 = await startS3TestServer({
    tempPrefix: 'forgecast-vod-s3-',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    region: REGION,
    buckets: [BUCKET],
  });
  store = createS3ObjectStore({
    endpoint: s3.server.endpoint,
    region: REGION,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
  });
});

afterAll(async () => {
  await s3?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** One ffmpeg process: one decode, `split`, an encoder per rung, keyframes every 2 s on every rung. */
async function transcodeLadder(dir: string): Promise<void> {
  const split = `[0:v]split=2[a][b];[a]scale=${RUNGS[0].width}:${RUNGS[0].height}[v0];[b]scale=${RUNGS[1].width}:${RUNGS[1].height}[v1]`;
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...['-f', 'lavfi', '-i', `testsrc2=s=320x180:r=${FRAME_RATE}:d=${SOURCE_SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${SOURCE_SECONDS}`],
    ...['-filter_complex', split, '-map', '[v0]', '-map', '[v1]', '-map', '1:a', '-map', '1:a'],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(2 * FRAME_RATE), '-keyint_min', '60'],
    ...['-sc_threshold', '0', '-b:v:0', '400k', '-b:v:1', '120k', '-c:a', 'aac', '-b:a', '64k'],
    ...['-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4'],
    ...['-hls_flags', 'independent_segments', '-start_number', '1', '-hls_fmp4_init_filename', 'init.mp4'],
    ...['-hls_segment_filename', join(dir, '%v', 'seg-%05d.m4s'), '-master_pl_name', 'ffmpeg-master.m3u8'],
    ...['-var_stream_map', RUNGS.map((rung, index) => `v:${index},a:${index},name:${rung.name}`).join(' ')],
    join(dir, '%v', 'index.m3u8'),
  ]);
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:d=1'],
    ...['-frames:v', '1', join(dir, 'poster.jpg')],
  ]);
}

async function ffmpegCodecs(dir: string): Promise<Map<string, string>> {
  const master = parseMasterPlaylist(await readFile(join(dir, 'ffmpeg-master.m3u8')));
  await rm(join(dir, 'ffmpeg-master.m3u8'));
  return new Map(master.variants.map((variant) => [variant.uri.split('/')[0] ?? '', variant.codecs ?? '']));
}

async function readOutputs(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), await readFile(path));
  }
  files.set('thumbs/0001.jpg', files.get('poster.jpg') as Buffer);
  return files;
}

interface Attempt {
  readonly prefix: string;
  readonly manifest: TranscodeManifest;
}

/**
 * Uploads the ffmpeg outputs as a new attempt and returns the manifest a worker would write for it.
 * `edit` may change the files before upload (the manifest lists them as uploaded).
 */
async function publishAttempt(edit?: (files: Map<string, Buffer>) => void): Promise<Attempt> {
  const assetId = newId();
  const prefix = attemptPrefix(assetId, 1);
  const files = new Map(outputs);
  edit?.(files);
  for (const [key, body] of files) await store.put(BUCKET, `${prefix}${key}`, body);
  const renditions: Rendition[] = RUNGS.map((rung) => ({
    name: rung.name,
    playlist: `${rung.name}/index.m3u8`,
    width: rung.width,
    height: rung.height,
    frameRate: FRAME_RATE,
    codecs: codecsByRendition.get(rung.name) ?? '',
    videoBitrate: rung.videoBitrate,
    audioBitrate: 64_000,
  }));
  const manifest: TranscodeManifest = {
    version: 1,
    assetId,
    attempt: 1,
    mode: 'ladder',
    workerId: 'test-worker',
    source: {
      etag: 'source-etag',
      durationSeconds: SOURCE_SECONDS,
      width: 320,
      height: 180,
      frameRate: FRAME_RATE,
      videoCodec: 'h264',
      audioCodec: 'aac',
    },
    segmentSeconds: 2,
    renditions,
    poster: 'poster.jpg',
    thumbnails: { intervalSeconds: 2, keys: ['thumbs/0001.jpg'] },
    files: [...files].map(([key, body]) => ({ key, bytes: body.byteLength })),
    completedAt: new Date().toISOString(),
  };
  return { prefix, manifest };
}

function verify(attempt: Attempt, manifest = attempt.manifest): Promise<RenditionFigures[]> {
  return verifyRenditions({ store, bucket: BUCKET, attemptPrefix: attempt.prefix, manifest });
}

async function rejection(promise: Promise<unknown>): Promise<PackagingRejectedError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof PackagingRejectedError))
    throw new Error(`expected a rejection, got ${String(error)}`);
  return error;
}

function editText(files: Map<string, Buffer>, key: string, change: (text: string) => string): void {
  files.set(key, Buffer.from(change((files.get(key) as Buffer).toString('utf8'))));
}

describe('verifyRenditions against the local object store', () => {
  it('passes a real ffmpeg ladder and measures it', async () => {
    const attempt = await publishAttempt();
    const figures = await verify(attempt);

    expect(figures.map((rendition) => rendition.name)).toEqual(['180p', '90p']);
    for (const rendition of figures) {
      const playlist = parseMediaPlaylist(outputs.get(rendition.playlist) as Buffer);
      const segmentBytes = playlist.segments.reduce(
        (sum, segment) => sum + (outputs.get(`${rendition.name}/${segment.uri}`) as Buffer).byteLength,
        0,
      );
      expect(rendition.segmentCount).toBe(2);
      expect(Math.abs(rendition.durationSeconds - SOURCE_SECONDS)).toBeLessThan(0.1);
      expect(rendition.mediaBytes).toBe(segmentBytes);
      const init = outputs.get(`${rendition.name}/${playlist.map?.uri}`) as Buffer;
      expect(rendition.initBytes).toBe(init.byteLength);
      expect(rendition.averageBitrate).toBeCloseTo((segmentBytes * 8) / rendition.durationSeconds, 6);
      expect(rendition.peakBitrate).toBeGreaterThanOrEqual(rendition.averageBitrate);
    }
    const [large, small] = figures as [RenditionFigures, RenditionFigures];
    expect(large.boundaries).toEqual(small.boundaries);
    expect(large.peakBitrate).toBeGreaterThan(small.peakBitrate);
    // The encoders were asked for 400k and 120k video plus 64k audio; ultrafast overshoots, but not tenfold.
    expect(large.averageBitrate).toBeGreaterThan(100_000);
    expect(large.averageBitrate).toBeLessThan(4_640_000);
  });

  it('builds a master playlist that ffprobe plays every rendition of', async () => {
    const attempt = await publishAttempt();
    const figures = await verify(attempt);
    const master = buildMasterPlaylist(attempt.manifest, figures);
    await writeFile(join(workDir, 'master.m3u8'), master);

    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-show_entries', 'program=program_id:stream=codec_type,width,height'],
      ...['-of', 'json', join(workDir, 'master.m3u8')],
    ]);
    const probed = JSON.parse(stdout) as {
      programs: { streams: { codec_type: string; width?: number; height?: number }[] }[];
    };
    const videoSizes = probed.programs
      .flatMap((program) => program.streams)
      .filter((stream) => stream.codec_type === 'video')
      .map((stream) => `${stream.width}x${stream.height}`);
    expect(videoSizes.sort()).toEqual(['160x90', '320x180']);

    const variants = parseMasterPlaylist(master).variants;
    expect(variants.map((variant) => variant.uri)).toEqual(['90p/index.m3u8', '180p/index.m3u8']);
    expect(variants.map((variant) => variant.codecs)).toEqual([
      codecsByRendition.get('90p'),
      codecsByRendition.get('180p'),
    ]);
  });

  it('refuses an attempt with a segment missing', async () => {
    const attempt = await publishAttempt();
    await store.delete(BUCKET, `${attempt.prefix}90p/seg-00002.m4s`);
    const error = await rejection(verify(attempt));
    expect(error.code).toBe('segment_missing');
    expect(error.objectKey).toBe('90p/seg-00002.m4s');
  });

  it('refuses a truncated segment', async () => {
    const attempt = await publishAttempt();
    const segment = outputs.get('180p/seg-00001.m4s') as Buffer;
    await store.put(
      BUCKET,
      `${attempt.prefix}180p/seg-00001.m4s`,
      segment.subarray(0, segment.byteLength - 100),
    );
    const error = await rejection(verify(attempt));
    expect(error.code).toBe('size_mismatch');
    expect(error.objectKey).toBe('180p/seg-00001.m4s');
  });

  it('refuses a playlist that climbs out of its folder, even to an object that exists', async () => {
    const attempt = await publishAttempt((files) =>
      editText(files, '90p/index.m3u8', (text) => text.replace('seg-00001.m4s', '../180p/seg-00001.m4s')),
    );
    const error = await rejection(verify(attempt));
    expect(error.code).toBe('unsafe_uri');
    expect(error.message).toContain('../180p/seg-00001.m4s');
  });

  it('refuses an absolute segment URL', async () => {
    const attempt = await publishAttempt((files) =>
      editText(files, '180p/index.m3u8', (text) =>
        text.replace('seg-00002.m4s', 'https://elsewhere.example/seg.m4s'),
      ),
    );
    expect((await rejection(verify(attempt))).code).toBe('unsafe_uri');
  });

  it('refuses renditions whose duration disagrees with the source', async () => {
    const attempt = await publishAttempt();
    const manifest = { ...attempt.manifest, source: { ...attempt.manifest.source, durationSeconds: 9 } };
    const error = await rejection(verify(attempt, manifest));
    expect(error.code).toBe('duration_mismatch');
    expect(error.message).toMatch(/lasts 4\.0\d\d s but the source lasts 9\.000 s/);
  });

  it('refuses ladder rungs cut at different instants', async () => {
    const attempt = await publishAttempt((files) =>
      editText(files, '90p/index.m3u8', (text) => {
        const durations = [...text.matchAll(/#EXTINF:([0-9.]+),/g)].map((match) => Number(match[1]));
        const [first = 0, second = 0] = durations;
        return text
          .replace('#EXT-X-TARGETDURATION:2', '#EXT-X-TARGETDURATION:3')
          .replace(`#EXTINF:${first.toFixed(6)},`, `#EXTINF:${(first - 0.3).toFixed(6)},`)
          .replace(`#EXTINF:${second.toFixed(6)},`, `#EXTINF:${(second + 0.3).toFixed(6)},`);
      }),
    );
    const error = await rejection(verify(attempt));
    expect(error.code).toBe('renditions_misaligned');
    expect(error.objectKey).toBe('90p/index.m3u8');
  });

  it('refuses an unfinished playlist and a malformed one', async () => {
    const unfinished = await publishAttempt((files) =>
      editText(files, '180p/index.m3u8', (text) => text.replace('#EXT-X-ENDLIST\n', '')),
    );
    expect((await rejection(verify(unfinished))).code).toBe('playlist_not_vod');

    const malformed = await publishAttempt((files) =>
      editText(files, '90p/index.m3u8', (text) => text.replace('#EXTINF:2.000000,', '#EXTINF:two,')),
    );
    const error = await rejection(verify(malformed));
    expect(error.code).toBe('playlist_malformed');
    expect(error.message).toMatch(/^90p\/index\.m3u8: line 8: #EXTINF: "two" is not a duration/);
  });

  it('refuses a missing poster', async () => {
    const attempt = await publishAttempt();
    await store.delete(BUCKET, `${attempt.prefix}poster.jpg`);
    expect((await rejection(verify(attempt))).code).toBe('poster_missing');
  });

  it('lets object storage failures through as they are, for the event to be retried', async () => {
    const attempt = await publishAttempt();
    const unauthorized = createS3ObjectStore({
      endpoint: s3.server.endpoint,
      region: REGION,
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: 'not-the-secret',
    });
    const error = await verifyRenditions({
      store: unauthorized,
      bucket: BUCKET,
      attemptPrefix: attempt.prefix,
      manifest: attempt.manifest,
    }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ObjectStorageError);
    expect((error as ObjectStorageError).code).toBe('SignatureDoesNotMatch');
  });
});
