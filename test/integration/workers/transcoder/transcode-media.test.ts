import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { transcodeManifestSchema } from '#shared/video/transcode-manifest.ts';
import {
  makeAudioOnly,
  makeHeaderOnlyVideo,
  makeNonVideo,
  makeStillImage,
  makeTestVideo,
  makeTruncatedVideo,
  type TestVideoOptions,
} from '#test/support/videos.ts';
import {
  FfmpegFailedError,
  SourceRejectedError,
  TranscodeOutputError,
} from '../../../../workers/transcoder/media/errors.ts';
import { runMediaTool } from '../../../../workers/transcoder/media/ffmpeg-run.ts';
import { type PlanOptions, planTranscode } from '../../../../workers/transcoder/media/ladder.ts';
import { probeSource } from '../../../../workers/transcoder/media/probe.ts';
import { type TranscodeResult, transcodeSource } from '../../../../workers/transcoder/media/transcode.ts';

const exec = promisify(execFile);

let dir: string;
let outputs = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-transcode-media-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const freshWorkDir = () => join(dir, `out-${++outputs}`);

async function transcode(video: TestVideoOptions, options: PlanOptions = {}) {
  const sourcePath = await makeTestVideo(dir, video);
  const source = await probeSource(sourcePath);
  const plan = planTranscode(source, options);
  const workDir = freshWorkDir();
  const percents: number[] = [];
  const result = await transcodeSource({
    sourcePath,
    workDir,
    plan,
    onProgress: (progress) => percents.push(progress.percent ?? -1),
  });
  return { sourcePath, source, plan, workDir, result, percents };
}

/** Keyframe timestamps of the first video stream, read from packet flags. */
async function keyframeTimes(path: string): Promise<string[]> {
  const { stdout } = await exec('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time,flags',
    '-of',
    'csv=p=0',
    path,
  ]);
  return stdout
    .split('\n')
    .filter((line) => line.split(',')[1]?.startsWith('K'))
    .map((line) => Number(line.split(',')[0]).toFixed(3));
}

/** Size and MD5 of every video packet, as ffmpeg's framemd5 muxer lists them (no decoding). */
async function videoPacketHashes(path: string): Promise<string[]> {
  const { stdout } = await exec('ffmpeg', [
    '-v',
    'error',
    '-i',
    path,
    '-map',
    '0:v:0',
    '-c',
    'copy',
    '-f',
    'framemd5',
    '-',
  ]);
  return stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(',').slice(-2).join(',').trim());
}

/** The result slotted into a completion manifest, as the job loop will do. */
function asManifest(result: TranscodeResult, source: Awaited<ReturnType<typeof probeSource>>) {
  return transcodeManifestSchema.parse({
    version: 1,
    assetId: '01J9ZQ4M5N6P7Q8R9S0T1V2W3X',
    attempt: 1,
    mode: result.mode,
    workerId: 'test-worker',
    source: {
      etag: 'etag',
      durationSeconds: source.durationSeconds,
      width: source.width,
      height: source.height,
      frameRate: source.frameRate,
      videoCodec: source.videoCodec,
      audioCodec: source.audio?.codec ?? null,
    },
    segmentSeconds: result.segmentSeconds,
    renditions: result.renditions,
    poster: result.poster,
    thumbnails: result.thumbnails,
    files: result.files,
    completedAt: new Date().toISOString(),
  });
}

describe('transcodeSource: the ladder', () => {
  it('makes every rung at its size from one process, with aligned segments and keyframes', async () => {
    const { source, result, workDir, percents } = await transcode(
      { width: 1280, height: 720, seconds: 6, audio: true, codec: 'mpeg4' },
      { segmentSeconds: 2 },
    );
    expect(result.mode).toBe('ladder');
    expect(result.renditions.map((r) => [r.name, r.width, r.height, r.frameRate])).toEqual([
      ['720p', 1280, 720, 30],
      ['480p', 854, 480, 30],
      ['360p', 640, 360, 30],
    ]);
    for (const rendition of result.renditions) {
      expect(rendition.codecs).toMatch(/^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/);
      expect(rendition.audioBitrate).toBeGreaterThan(0);
    }

    const playlists = await Promise.all(
      result.renditions.map(async (r) =>
        parseMediaPlaylist(await readFile(join(workDir, r.playlist), 'utf8')),
      ),
    );
    const durations = playlists.map((p) => p.segments.map((s) => s.duration));
    expect(durations[0]).toEqual([2, 2, 2]);
    expect(durations[1]).toEqual(durations[0]);
    expect(durations[2]).toEqual(durations[0]);
    for (const playlist of playlists) {
      expect(playlist.map?.uri).toBe('init.mp4');
      expect(playlist.segments.map((s) => s.uri)).toEqual([
        'seg-00001.m4s',
        'seg-00002.m4s',
        'seg-00003.m4s',
      ]);
    }
    const keyframes = await Promise.all(
      result.renditions.map((r) => keyframeTimes(join(workDir, r.playlist))),
    );
    const first = keyframes[0]?.map(Number) ?? [];
    expect(first.slice(1).map((time, i) => (time - (first[i] ?? 0)).toFixed(3))).toEqual(['2.000', '2.000']);
    expect(keyframes[1]).toEqual(keyframes[0]);
    expect(keyframes[2]).toEqual(keyframes[0]);

    expect(percents.length).toBeGreaterThan(0);
    expect(percents.at(-1)).toBe(100);
    expect(result.ffmpegCpuSeconds).toBeGreaterThan(0);
    expect(asManifest(result, source).renditions).toHaveLength(3);
  });

  it('lists every file it wrote, sorted, with true sizes, and nothing else', async () => {
    const { result, workDir } = await transcode({
      width: 854,
      height: 480,
      seconds: 3,
      audio: true,
      codec: 'mpeg4',
    });
    const onDisk = (await readdir(workDir, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(workDir.length + 1))
      .sort();
    const keys = result.files.map((file) => file.key);
    expect(keys).toEqual(onDisk);
    expect(keys).toEqual(
      expect.arrayContaining([
        '480p/index.m3u8',
        '480p/init.mp4',
        '480p/seg-00001.m4s',
        '360p/index.m3u8',
        '360p/init.mp4',
        'poster.jpg',
        'thumbs/0001.jpg',
        'thumbs/0002.jpg',
      ]),
    );
    expect(keys.some((key) => /init_/.test(key))).toBe(false);
    for (const file of result.files) expect(file.bytes).toBe((await stat(join(workDir, file.key))).size);
    expect(result.thumbnails).toEqual({ intervalSeconds: 2, keys: ['thumbs/0001.jpg', 'thumbs/0002.jpg'] });
    const poster = await exec('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'csv=p=0',
      join(workDir, 'poster.jpg'),
    ]);
    expect(poster.stdout.trim()).toBe('mjpeg,854,480');
  });

  it('handles a silent portrait source', async () => {
    const { result, source } = await transcode({
      width: 360,
      height: 640,
      seconds: 3,
      audio: false,
      codec: 'vp9',
      container: 'mkv',
    });
    expect(source.videoCodec).toBe('vp9');
    expect(result.renditions).toHaveLength(1);
    expect(result.renditions[0]).toMatchObject({ name: '360p', width: 360, height: 640, audioBitrate: 0 });
    expect(result.renditions[0]?.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
  });

  it('makes an odd-sized source even without upscaling', async () => {
    const { result } = await transcode({
      width: 321,
      height: 181,
      seconds: 2,
      audio: true,
      codec: 'mpeg4',
      container: 'mov',
    });
    expect(result.renditions.map((r) => [r.name, r.width, r.height])).toEqual([['180p', 320, 180]]);
  });

  it('re-encodes a 322x182 H.264 source at its own size when remux is off', async () => {
    const { result } = await transcode(
      { width: 322, height: 182, seconds: 2, audio: true },
      { allowRemux: false },
    );
    expect(result.mode).toBe('ladder');
    expect(result.renditions.map((r) => [r.name, r.width, r.height])).toEqual([['182p', 322, 182]]);
  });

  it('turns a rotated source upright', async () => {
    const { source, result } = await transcode({
      width: 320,
      height: 180,
      seconds: 2,
      audio: false,
      rotate: 90,
    });
    expect([source.width, source.height, source.rotation === 0]).toEqual([180, 320, false]);
    expect(result.mode).toBe('ladder');
    expect(result.renditions.map((r) => [r.width, r.height])).toEqual([[180, 320]]);
  });
});

describe('transcodeSource: remux', () => {
  it('packages H.264/AAC without re-encoding: the same video packets, byte for byte', async () => {
    const { sourcePath, source, plan, result, workDir } = await transcode({
      width: 640,
      height: 360,
      seconds: 6,
      audio: true,
      gop: 60,
      faststart: true,
    });
    expect(plan.decision).toMatch(/^remux/);
    expect(result.mode).toBe('remux');
    expect(source.keyframeGapSeconds).toBe(2);
    expect(result.renditions).toEqual([
      {
        name: 'source',
        playlist: 'source/index.m3u8',
        width: 640,
        height: 360,
        frameRate: 30,
        codecs: 'avc1.42c01e,mp4a.40.2',
        videoBitrate: Math.round(source.videoBitRate ?? 0),
        audioBitrate: Math.round(source.audio?.bitRate ?? 0),
      },
    ]);
    const original = await videoPacketHashes(sourcePath);
    expect(original).toHaveLength(180);
    expect(await videoPacketHashes(join(workDir, 'source/index.m3u8'))).toEqual(original);
    const playlist = parseMediaPlaylist(await readFile(join(workDir, 'source/index.m3u8'), 'utf8'));
    expect(playlist.segments.map((s) => s.duration)).toEqual([4, 2]);
    expect(result.thumbnails.keys).toEqual(['thumbs/0001.jpg', 'thumbs/0002.jpg', 'thumbs/0003.jpg']);
    expect(asManifest(result, source).mode).toBe('remux');
  });

  it('also remuxes a silent MKV, where keyframes every 8 s still fit two segments', async () => {
    const { result, source } = await transcode({
      width: 320,
      height: 180,
      seconds: 5,
      audio: false,
      container: 'mkv',
    });
    expect(source.keyframeGapSeconds).toBe(5);
    expect(result.mode).toBe('remux');
    expect(result.renditions[0]?.codecs).toBe('avc1.42c00d');
    expect(result.thumbnails.keys).toEqual(['thumbs/0001.jpg']);
  });
});

describe('probeSource: refusals', () => {
  it('refuses bytes that are not a video', async () => {
    const error = await probeSource(await makeNonVideo(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceRejectedError);
    expect(error).toMatchObject({ code: 'not_a_video', permanent: true });
    expect((error as Error).message).toBe(
      'The file is not a video ffprobe can read: Invalid data found when processing input',
    );
  });

  it('refuses a file whose headers are intact but whose frames are missing', async () => {
    await expect(probeSource(await makeHeaderOnlyVideo(dir))).rejects.toMatchObject({
      name: 'SourceRejectedError',
      code: 'not_a_video',
      message: 'No frame of the video stream can be decoded: the file is truncated or corrupt.',
    });
  });

  it('refuses a still image', async () => {
    await expect(probeSource(await makeStillImage(dir))).rejects.toMatchObject({
      name: 'SourceRejectedError',
      code: 'not_a_video',
      message: 'The file is a still image (png_pipe), not a video.',
    });
  });

  it('refuses audio without video', async () => {
    await expect(probeSource(await makeAudioOnly(dir))).rejects.toMatchObject({
      name: 'SourceRejectedError',
      code: 'no_video_stream',
      message: 'The file has no video stream (only audio).',
    });
  });

  it('refuses videos over the length and frame-size limits', async () => {
    const path = await makeTestVideo(dir, { width: 320, height: 180, seconds: 3, audio: false });
    await expect(
      probeSource(path, { limits: { maxDurationSeconds: 2, maxFrameSide: 8192 } }),
    ).rejects.toMatchObject({
      code: 'too_long',
      message: 'The video lasts 3 s; the longest accepted is 2 s.',
    });
    await expect(
      probeSource(path, { limits: { maxDurationSeconds: 60, maxFrameSide: 256 } }),
    ).rejects.toMatchObject({
      code: 'too_large_frame',
    });
  });

  it('fails transiently, not as a refusal, when the local file is missing', async () => {
    const error = await probeSource(join(dir, 'missing.mp4')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SourceRejectedError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });
});

describe('transcodeSource: failures', () => {
  it('notices a truncated source that ffmpeg quietly encodes short', async () => {
    const sourcePath = await makeTruncatedVideo(dir);
    const source = await probeSource(sourcePath);
    expect(source.durationSeconds).toBe(6);
    const plan = planTranscode(source, { allowRemux: false });
    const error = await transcodeSource({ sourcePath, workDir: freshWorkDir(), plan }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TranscodeOutputError);
    expect((error as Error).message).toMatch(
      /^rendition 180p produced \d\.\d s of a declared 6\.0 s: the source is truncated or corrupt$/,
    );
  });

  it('stops ffmpeg when aborted and rejects with the reason', async () => {
    const sourcePath = await makeTestVideo(dir, {
      width: 640,
      height: 360,
      seconds: 30,
      audio: true,
      codec: 'mpeg4',
    });
    const plan = planTranscode(await probeSource(sourcePath), { preset: 'medium' });
    const workDir = freshWorkDir();
    const controller = new AbortController();
    const reason = new Error('job lease lost');
    let percentAtAbort: number | null = null;
    const error = await transcodeSource({
      sourcePath,
      workDir,
      plan,
      signal: controller.signal,
      onProgress: (progress) => {
        if (percentAtAbort !== null) return;
        percentAtAbort = progress.percent;
        controller.abort(reason);
      },
    }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(percentAtAbort).toBeLessThan(100);
    expect(await processesIn(workDir)).toEqual([]);
  });

  it('refuses a work folder with leftovers', async () => {
    const { workDir, plan, sourcePath } = await transcode({
      width: 320,
      height: 180,
      seconds: 2,
      audio: false,
      codec: 'mpeg4',
    });
    await expect(transcodeSource({ sourcePath, workDir, plan })).rejects.toThrow(/is not empty/);
  });
});

describe('runMediaTool', () => {
  it('reports a failed ffmpeg with its exit code and the tail of its errors', async () => {
    const error = await runMediaTool('ffmpeg', [
      '-v',
      'error',
      '-i',
      join(dir, 'nope.mp4'),
      '-f',
      'null',
      '-',
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegFailedError);
    expect(error).toMatchObject({ exitCode: 1, signal: null });
    expect((error as FfmpegFailedError).stderrTail.join('\n')).toContain('No such file or directory');
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const controller = new AbortController();
    const error = await runMediaTool('sh', ['-c', "trap '' TERM; echo ready; exec sleep 60"], {
      signal: controller.signal,
      killGraceMs: 100,
      stdout: { kind: 'lines', onLine: (line) => line === 'ready' && controller.abort(new Error('stop')) },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'stop' });
  });

  it('gives up after its timeout', async () => {
    const error = await runMediaTool('sleep', ['60'], { timeoutMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegFailedError);
    expect(error).toMatchObject({ signal: 'SIGTERM', message: 'sleep timed out after 50 ms' });
  });

  it('stops a process whose output breaks the bound', async () => {
    const error = await runMediaTool('yes', [], { stdout: { kind: 'collect', maxBytes: 1000 } }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'FfmpegFailedError', message: 'yes wrote more output than allowed' });
  });

  it('stops the process when an output handler throws, instead of crashing the worker', async () => {
    const error = await runMediaTool('yes', [], {
      stdout: {
        kind: 'lines',
        onLine: () => {
          throw new Error('database is down');
        },
      },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'FfmpegFailedError',
      message: 'yes output handler failed (database is down)',
    });
  });

  it('rejects at once with an already-aborted signal', async () => {
    const reason = new Error('already');
    await expect(runMediaTool('ffmpeg', ['-version'], { signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
  });
});

describe('runMediaTool: a worker killed with SIGKILL', () => {
  const RUN_MEDIA_TOOL = new URL('../../../../workers/transcoder/media/ffmpeg-run.ts', import.meta.url).href;

  /** A Node process that starts a long-running tool and prints the tool's pid; then SIGKILL it. */
  async function orphanAfterParentKilled(killWithParent: boolean): Promise<number> {
    const script = `
      import { runMediaTool } from ${JSON.stringify(RUN_MEDIA_TOOL)};
      await runMediaTool('sh', ['-c', 'echo $$; exec sleep 60'], {
        killWithParent: ${killWithParent},
        stdout: { kind: 'lines', onLine: (line) => console.log(line) },
      });`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [firstLine] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const pid = Number(firstLine);
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await once(parent, 'close');
    return pid;
  }

  it('takes its tool down with it when killWithParent is set', async () => {
    const pid = await orphanAfterParentKilled(true);
    for (let i = 0; i < 200 && alive(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(alive(pid)).toBe(false);
  });

  it('leaves the tool running otherwise (the case the option exists for)', async () => {
    const pid = await orphanAfterParentKilled(false);
    try {
      expect(alive(pid)).toBe(true);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

/** Running (not gone, not a zombie waiting for a reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Processes whose working directory is `workDir` (ffmpeg runs there). */
async function processesIn(workDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => '');
    if (cwd === workDir) found.push(pid);
  }
  return found;
}
