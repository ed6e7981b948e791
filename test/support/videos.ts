import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestVideoOptions {
  readonly width: number;
  readonly height: number;
  readonly seconds: number;
  readonly fps?: number;
  readonly audio: boolean;
  readonly codec?: 'h264' | 'mpeg4' | 'vp9';
  readonly container?: 'mp4' | 'mkv' | 'mov';
  /** moov before mdat (MP4/MOV only). */
  readonly faststart?: boolean;
  /** Keyframe interval in frames (H.264); x264's default is 250. */
  readonly gop?: number;
  /** Display rotation, written as the legacy `rotate` tag on a stream copy. */
  readonly rotate?: 90 | 180 | 270;
}

/**
 * A short synthetic clip (testsrc2 picture, a sine tone) made with ffmpeg, cached in `dir` by
 * its parameters. Generation favours speed: ultrafast x264, realtime VP9.
 */
export async function makeTestVideo(dir: string, options: TestVideoOptions): Promise<string> {
  const fps = options.fps ?? 30;
  const codec = options.codec ?? 'h264';
  const container = options.container ?? 'mp4';
  const name = [
    `${options.width}x${options.height}`,
    `${options.seconds}s`,
    `${fps}fps`,
    options.audio ? 'audio' : 'mute',
    codec,
    options.faststart ? 'faststart' : '',
    options.gop ? `gop${options.gop}` : '',
    options.rotate ? `rot${options.rotate}` : '',
  ]
    .filter(Boolean)
    .join('-');
  const path = join(dir, `${name}.${container}`);
  if (await exists(path)) return path;

  const encoder: Record<NonNullable<TestVideoOptions['codec']>, string[]> = {
    h264: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
    mpeg4: ['-c:v', 'mpeg4', '-q:v', '5'],
    vp9: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '500k'],
  };
  const partial = join(dir, `.${name}.partial.${container}`);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${options.width}x${options.height}:rate=${fps}`,
    ...(options.audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t',
    String(options.seconds),
    ...encoder[codec],
    ...(options.gop ? ['-g', String(options.gop)] : []),
    ...(options.audio ? ['-c:a', 'aac', '-b:a', '96k'] : []),
    ...(options.faststart ? ['-movflags', '+faststart'] : []),
    partial,
  ]);
  if (options.rotate) {
    // Only a stream copy keeps the tag (an encode drops it); the muxer turns it into a display matrix.
    const rotated = join(dir, `.${name}.rotated.${container}`);
    await ffmpeg(['-i', partial, '-c', 'copy', '-metadata:s:v:0', `rotate=${options.rotate}`, rotated]);
    await rename(rotated, partial);
  }
  await rename(partial, path);
  return path;
}

/** Bytes no demuxer recognises. */
export async function makeNonVideo(dir: string): Promise<string> {
  const path = join(dir, 'not-a-video.bin');
  await writeFile(path, Buffer.concat([Buffer.from('forgecast: not a video\n'), randomBytes(64 * 1024)]));
  return path;
}

/** A still PNG: ffprobe reads it, as a one-frame image, not a video. */
export async function makeStillImage(dir: string): Promise<string> {
  const path = join(dir, 'still.png');
  if (!(await exists(path))) {
    await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', path]);
  }
  return path;
}

/** An AAC tone in an MP4 container, without any video stream. */
export async function makeAudioOnly(dir: string, seconds = 2): Promise<string> {
  const path = join(dir, `tone-${seconds}s.m4a`);
  if (!(await exists(path))) {
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds), '-c:a', 'aac', path]);
  }
  return path;
}

/**
 * A faststart MP4 cut to 40 % of its bytes: the moov up front still declares the full
 * duration (ffprobe says 6 s), but the media data ends after about two seconds.
 */
export async function makeTruncatedVideo(dir: string): Promise<string> {
  const path = join(dir, 'truncated.mp4');
  if (await exists(path)) return path;
  const whole = await makeTestVideo(dir, {
    width: 320,
    height: 180,
    seconds: 6,
    audio: true,
    faststart: true,
  });
  const bytes = await readFile(whole);
  await writeFile(path, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  return path;
}

/**
 * A faststart MP4 cut 200 bytes into its media data: every header is intact (ffprobe reports
 * streams and a 6 s duration) but not one frame can be decoded.
 */
export async function makeHeaderOnlyVideo(dir: string): Promise<string> {
  const path = join(dir, 'header-only.mp4');
  if (await exists(path)) return path;
  const whole = await makeTestVideo(dir, {
    width: 320,
    height: 180,
    seconds: 6,
    audio: true,
    faststart: true,
  });
  const bytes = await readFile(whole);
  let at = 0;
  while (at + 8 <= bytes.length && bytes.toString('latin1', at + 4, at + 8) !== 'mdat') {
    at += bytes.readUInt32BE(at);
  }
  if (at + 8 > bytes.length) throw new Error('no mdat box in the generated MP4');
  await writeFile(path, bytes.subarray(0, at + 8 + 200));
  return path;
}

async function ffmpeg(args: readonly string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
