import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type { AuthorizeAnswer, Rendition } from '../control-plane.ts';

/**
 * A stand-in for the `live-ingest` function's three agent routes, for tests and benches of the
 * agent without the gateway and database: known keys are authorized with the contract's answer,
 * everything else is refused with the contract's codes. Calls are recorded (keys never are).
 */
export const DEFAULT_LADDER: readonly Rendition[] = [
  { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
  { name: '480p', width: 854, height: 480, videoBitrate: 1_400_000 },
  { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
];

export interface StandInStream {
  readonly streamId: string;
  readonly assetId: string;
  session: number;
  status: 'idle' | 'starting' | 'live' | 'reconnecting' | 'ended';
  heartbeatAt: number;
  /** Stored segments of the current session, the larger of the last update's and done's (as the function keeps). */
  segments: number;
  /** Set → the next update is refused with it (key rotated, show cancelled…). */
  cut?: { status: number; code: string };
}

export interface StandInCall {
  readonly route: 'authorize' | 'update' | 'done';
  readonly at: number;
  readonly status: number;
  readonly streamId?: string;
  readonly body: Record<string, unknown>;
}

export interface ControlPlaneStandIn {
  readonly url: string;
  readonly streams: Map<string, StandInStream>;
  readonly calls: StandInCall[];
  /**
   * How update calls are answered: 'ok' (the routes' behaviour), 'unavailable' (503, as when the
   * gateway or function is down), 'hang' (never answered: the agent's call times out).
   */
  updates: 'ok' | 'unavailable' | 'hang';
  addStream(key: string, ids: { streamId: string; assetId: string }): StandInStream;
  close(): Promise<void>;
}

export async function startControlPlaneStandIn(options: {
  apiKey: string;
  updateIntervalSeconds?: number;
  ladder?: readonly Rendition[];
}): Promise<ControlPlaneStandIn> {
  const byKey = new Map<string, StandInStream>();
  const streams = new Map<string, StandInStream>();
  const calls: StandInCall[] = [];
  const interval = options.updateIntervalSeconds ?? 5;
  const state = { updates: 'ok' as ControlPlaneStandIn['updates'] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (
        status: number,
        body: unknown,
        route: StandInCall['route'],
        streamId?: string,
        input = {},
      ) => {
        const { streamKey: _omit, ...recorded } = input as Record<string, unknown>;
        calls.push({ route, at: Date.now(), status, ...(streamId ? { streamId } : {}), body: recorded });
        res.writeHead(status, {
          'content-type': status >= 400 ? 'application/problem+json' : 'application/json',
        });
        res.end(JSON.stringify(body));
      };
      const problem = (status: number, code: string) => ({
        type: 'about:blank',
        title: code,
        status,
        code,
        detail: code,
      });
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
        res.writeHead(401);
        res.end();
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        res.writeHead(400);
        res.end();
        return;
      }
      const url = req.url ?? '';
      if (url.endsWith('/live-ingest/authorize')) {
        const stream = byKey.get(String(body.streamKey));
        if (!stream) return send(403, problem(403, 'unknown-key'), 'authorize', undefined, body);
        if (stream.status === 'ended')
          return send(410, problem(410, 'stream-ended'), 'authorize', stream.streamId, body);
        const fresh = Date.now() - stream.heartbeatAt < 3 * interval * 1000;
        if ((stream.status === 'starting' || stream.status === 'live') && fresh) {
          return send(409, problem(409, 'already-live'), 'authorize', stream.streamId, body);
        }
        stream.session += 1;
        stream.segments = 0;
        stream.status = 'starting';
        stream.heartbeatAt = Date.now();
        const answer: AuthorizeAnswer = {
          streamId: stream.streamId,
          assetId: stream.assetId,
          session: stream.session,
          mediaPrefix: `videos/${stream.assetId}/live/`,
          segmentSeconds: 1,
          updateIntervalSeconds: interval,
          maxDurationSeconds: 14_400,
          recordedSeconds: 0,
          reconnectWindowSeconds: 60,
          ladder: [...(options.ladder ?? DEFAULT_LADDER)],
          audioBitrate: 128_000,
        };
        return send(200, answer, 'authorize', stream.streamId, body);
      }
      const match = /\/live-ingest\/streams\/([^/]+)\/(update|done)$/.exec(url);
      const stream = match ? streams.get(decodeURIComponent(match[1] as string)) : undefined;
      if (!match || !stream) {
        res.writeHead(404);
        res.end();
        return;
      }
      const route = match[2] as 'update' | 'done';
      if (route === 'update') {
        if (state.updates === 'hang') {
          calls.push({ route, at: Date.now(), status: 0, streamId: stream.streamId, body });
          return; // left open; close() ends it
        }
        if (state.updates === 'unavailable')
          return send(503, problem(503, 'unavailable'), route, stream.streamId, body);
        if (stream.cut)
          return send(
            stream.cut.status,
            problem(stream.cut.status, stream.cut.code),
            route,
            stream.streamId,
            body,
          );
        if (body.session !== stream.session)
          return send(409, problem(409, 'session-superseded'), route, stream.streamId, body);
        stream.heartbeatAt = Date.now();
        stream.segments = Math.max(stream.segments, Number(body.segments) || 0);
        if (Number(body.segments) > 0) stream.status = 'live';
        return send(200, {}, route, stream.streamId, body);
      }
      if (body.session === stream.session) {
        stream.segments = Math.max(stream.segments, Number(body.segments) || 0);
      }
      if (body.session === stream.session && (stream.status === 'live' || stream.status === 'starting')) {
        stream.status = stream.cut ? 'ended' : 'reconnecting';
      }
      return send(200, { status: stream.status }, route, stream.streamId, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    streams,
    calls,
    get updates() {
      return state.updates;
    },
    set updates(mode) {
      state.updates = mode;
    },
    addStream(key, ids) {
      const stream: StandInStream = { ...ids, session: 0, status: 'idle', heartbeatAt: 0, segments: 0 };
      byKey.set(key, stream);
      streams.set(ids.streamId, stream);
      return stream;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface RunningAgent {
  readonly child: ChildProcess;
  /** Every line the agent printed (stdout and stderr), in order. */
  readonly output: string[];
  readonly ready: { rtmp: string; rtmps: string; whip: string };
  readonly rtmpPort: number;
  readonly rtmpsPort: number;
}

/** Starts `node workers/live-ingest/main.ts` with `env` and waits for its ready line. */
export async function startAgentProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<RunningAgent> {
  const entry = new URL('../main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let onReady: ((line: Record<string, string>) => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (line.includes('"live ingest ready"')) onReady?.(JSON.parse(line));
    });
  }
  const ready = await new Promise<Record<string, string>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent not ready in ${timeoutMs} ms:\n${output.join('\n')}`)),
      timeoutMs,
    );
    onReady = (line) => {
      clearTimeout(timer);
      resolve(line);
    };
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited (${code}) before ready:\n${output.join('\n')}`));
    });
  });
  const port = (url: string | undefined) => Number(new URL(String(url).replace(/^rtmps?:/, 'http:')).port);
  return {
    child,
    output,
    ready: { rtmp: String(ready.rtmp), rtmps: String(ready.rtmps), whip: String(ready.whip) },
    rtmpPort: port(ready.rtmp),
    rtmpsPort: port(ready.rtmps),
  };
}
