import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** A stream as `live-streams` answers it (the key only on create and rotate). */
export interface LiveStreamAnswer {
  readonly id: string;
  readonly assetId: string;
  readonly status: string;
  readonly streamKey?: string;
  readonly ingest: { readonly rtmp: string; readonly rtmps: string; readonly whip: string };
}

/** Calls the API as a client: `call(key, 'POST', '/shows', body)` against a gateway base URL. */
export function apiClient(gatewayUrl: string) {
  return (key: string | undefined, method: string, path: string, body?: unknown) =>
    fetch(`${gatewayUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        'content-type': 'application/json',
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
}

export interface LiveShow {
  readonly creator: string;
  readonly viewer: string;
  readonly showId: string;
  readonly stream: LiveStreamAnswer;
  readonly streamKey: string;
  /** The stream as its creator reads it now. */
  read(): Promise<LiveStreamAnswer>;
  /** The viewer pays for one seat through the local Stripe page; resolves once the ticket is issued. */
  buyTicket(): Promise<void>;
  /** POST /shows/{id}/playback as the viewer. */
  playback(): Promise<Response>;
}

/**
 * A creator organisation, a viewer organisation, a show on sale and a live stream for it, made
 * through the API with the operator key; the viewer buys through the local Stripe server.
 */
export async function createLiveShow(
  gatewayUrl: string,
  operatorKey: string,
  options: { reconnectWindowSeconds?: number; title?: string } = {},
): Promise<LiveShow> {
  const call = apiClient(gatewayUrl);
  const org = async (kind: string, scopes: string[]) => {
    const response = await call(operatorKey, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
    if (response.status !== 201)
      throw new Error(`POST /orgs answered ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { apiKey: { key: string } }).apiKey.key;
  };
  const creator = await org('creator', ['videos:write', 'videos:read', 'shows:write']);
  const viewer = await org('viewer', ['tickets:buy', 'tickets:read']);
  const title = options.title ?? 'Live night';
  const showResponse = await call(creator, 'POST', '/shows', {
    title,
    startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    capacity: 5,
    price: { amount: 900, currency: 'eur' },
  });
  if (showResponse.status !== 201) throw new Error(`POST /shows answered ${showResponse.status}`);
  const showId = ((await showResponse.json()) as { id: string }).id;
  const created = await call(creator, 'POST', '/live-streams', {
    title,
    showId,
    ...(options.reconnectWindowSeconds === undefined
      ? {}
      : { reconnectWindowSeconds: options.reconnectWindowSeconds }),
  });
  if (created.status !== 201)
    throw new Error(`POST /live-streams answered ${created.status}: ${await created.text()}`);
  const stream = (await created.json()) as LiveStreamAnswer;
  return {
    creator,
    viewer,
    showId,
    stream,
    streamKey: stream.streamKey ?? '',
    read: async () =>
      (await (await call(creator, 'GET', `/live-streams/${stream.id}`)).json()) as LiveStreamAnswer,
    buyTicket: async () => {
      const checkout = await call(viewer, 'POST', `/shows/${showId}/checkout`, { quantity: 1 });
      if (checkout.status !== 201) throw new Error(`checkout answered ${checkout.status}`);
      const order = (await checkout.json()) as { checkoutUrl: string };
      const paid = await fetch(order.checkoutUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'choice=pay',
        redirect: 'manual',
      });
      if (paid.status !== 303) throw new Error(`the local Stripe pay page answered ${paid.status}`);
      await until(
        async () => (await (await call(viewer, 'GET', '/tickets')).json()) as { items: unknown[] },
        (page) => page.items.length > 0,
        60_000,
        'the ticket',
      );
    },
    playback: () => call(viewer, 'POST', `/shows/${showId}/playback`),
  };
}

/** Every descendant of `pid` (Linux /proc), parents before their children. */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (parent: number) => {
    let kids: number[] = [];
    try {
      kids = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number);
    } catch {
      // gone already
    }
    for (const kid of kids) {
      out.push(kid);
      walk(kid);
    }
  };
  walk(pid);
  return out;
}

/** A process's arguments joined by spaces; empty once it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
