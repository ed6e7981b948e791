import type { ChildProcess } from 'node:child_process';
import { spawnChild } from '../../infra/local/child-processes.ts';

/** A running RTMP publisher (ffmpeg, as OBS would be): stop it, or wait for it to end. */
export interface RtmpPublisher {
  readonly process: ChildProcess;
  /** Resolves with ffmpeg's exit code (or signal name) and the tail of its stderr. */
  readonly exited: Promise<{ code: number | string; stderr: string }>;
  /** SIGINT (ffmpeg closes the stream cleanly, as an encoder's Stop does), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export interface RtmpPublishOptions {
  readonly width?: number;
  readonly height?: number;
  readonly frameRate?: number;
  /** Stop on its own after this many seconds of media (default: run until stopped). */
  readonly seconds?: number;
}

/**
 * Publishes a synthetic show (test pattern with a running clock, a tone) in real time to
 * `<server>/<streamName>` the way an encoder does: H.264 + AAC over FLV/RTMP, keyframe every 2 s.
 * The stream name (the key) is in ffmpeg's arguments here: this process is the creator's encoder,
 * not ours; the platform's own processes must never carry it.
 */
export function publishRtmp(
  server: string,
  streamName: string,
  options: RtmpPublishOptions = {},
): RtmpPublisher {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const rate = options.frameRate ?? 30;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${rate}`,
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:sample_rate=48000',
    ...(options.seconds === undefined ? [] : ['-t', String(options.seconds)]),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(rate * 2),
    '-b:v',
    '1500k',
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-f',
    'flv',
    `${server.replace(/\/$/, '')}/${streamName}`,
  ];
  const child = spawnChild('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<{ code: number | string; stderr: string }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? 'unknown', stderr }));
  });
  return {
    process: child,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `read` every 250 ms until `done` holds; throws with the last value after `timeoutMs`. */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what} not reached in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The URIs (non-tag lines) a playlist names, resolved against its URL. */
export function playlistUris(playlist: string, base: string): string[] {
  return playlist
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((uri) => new URL(uri, base).href);
}

/** The EXT-X-MAP URIs a media playlist names, resolved against its URL. */
export function mapUris(playlist: string, base: string): string[] {
  return [...playlist.matchAll(/#EXT-X-MAP:URI="([^"]+)"/g)].map(
    (match) => new URL(match[1] ?? '', base).href,
  );
}
