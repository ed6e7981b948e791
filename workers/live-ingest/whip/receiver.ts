import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROBLEM_BASE } from '#shared/errors.ts';
import type { Authorize, PublishHandle, WhipLog } from './agent-port.ts';
import { BandwidthEstimator } from './bandwidth.ts';
import { openRtpBridge, type RtpBridge } from './rtp-bridge.ts';
import { OfferRejectedError, type WebRtcPeer, type WebRtcReceiverPort } from './webrtc-port.ts';
import { createWeriftReceiverPort } from './werift-peer.ts';

/**
 * The WHIP endpoint (RFC 9725) of the live-ingest agent.
 *
 * - `POST /whip` (`Content-Type: application/sdp`, `Authorization: Bearer <stream key>`): the
 *   agent's key gate runs first; a refusal is answered before any peer connection exists
 *   (401 with `WWW-Authenticate: Bearer` for a wrong key; the gate's status and stable `code`
 *   otherwise, as RFC 9457 problem+json). Accepted: `201 Created`, the SDP answer, `Location`
 *   of the session resource (`/whip/<random id>`, never derived from the key) and an `ETag`.
 * - `DELETE /whip/<id>` ends the session (204). `PATCH` answers 405: the receiver supports
 *   neither trickle ICE nor ICE restarts, which RFC 9725 §4.3.1 allows; the publisher sends a
 *   complete offer (browsers: wait for ICE gathering to complete) and re-POSTs to restart.
 * - CORS on every answer so a page on another origin can publish; `OPTIONS` is the pre-flight
 *   and also advertises `Accept-Post: application/sdp`.
 * - Media: the first RTP packet starts the agent's ladder (`publish({kind:'sdp'})`) on an SDP
 *   file describing the local UDP ports this session forwards RTP to. Keyframes are requested
 *   (PLI) when media starts, 0.3 s and 1 s later (once ffmpeg listens), and every
 *   `keyframeIntervalMs`;
 *   REMB every second. No RTP for `inputTimeoutMs`, the peer's ICE/DTLS ending, DELETE or the
 *   agent's cut end the session: the peer is closed, forwarding stops, and the agent's
 *   `stop()` ends the ladder; if its ffmpeg is still alive `stopGraceMs` later the receiver
 *   SIGKILLs it by pid.
 */
export interface WhipReceiver {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends every session (reason publisher-left unless the agent already cut it) and waits. */
  close(): Promise<void>;
  /** Sessions currently open (negotiated and not yet ended). */
  readonly sessionCount: number;
}

export interface WhipReceiverOptions {
  readonly authorize: Authorize;
  readonly log: WhipLog;
  /** LIVE_PUBLIC_HOST: the address written into the answer's ICE candidates. */
  readonly publicHost?: string;
  /** No RTP for this long ends a session that has started media (default 5 s). */
  readonly inputTimeoutMs?: number;
  /** No RTP this long after the answer ends the session without starting a ladder (default 15 s). */
  readonly firstMediaTimeoutMs?: number;
  /** PLI period (default 2 s). */
  readonly keyframeIntervalMs?: number;
  /** After `stop()`, how long the ladder's ffmpeg may live before SIGKILL by pid (default 15 s). */
  readonly stopGraceMs?: number;
  /** REMB ceiling (default 4 Mb/s). */
  readonly maxBitrateBps?: number;
  /** Where the per-session SDP folders go (default the OS temp dir). */
  readonly workDir?: string;
  /** Path prefix the agent routes here (default `/whip`). */
  readonly basePath?: string;
  /** The WebRTC stack (default werift). */
  readonly port?: WebRtcReceiverPort;
}

const MAX_OFFER_BYTES = 128 * 1024;
const ALLOWED_METHODS = 'POST, DELETE, PATCH, OPTIONS';
const SESSION_METHODS = 'DELETE, OPTIONS';

type EndCause = 'publisher-left' | 'input-timeout' | 'no-media' | 'peer-ended' | 'cut' | 'error';

interface Session {
  readonly id: string;
  readonly etag: string;
  end(cause: EndCause): Promise<void>;
}

export function createWhipReceiver(options: WhipReceiverOptions): WhipReceiver {
  const port = options.port ?? createWeriftReceiverPort();
  const basePath = (options.basePath ?? '/whip').replace(/\/+$/, '');
  const sessions = new Map<string, Session>();
  const { log } = options;
  let closing = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCors(req, res);
    try {
      const path = new URL(req.url ?? '/', 'http://whip.invalid').pathname.replace(/\/+$/, '');
      if (path === basePath) return await endpoint(req, res);
      if (path.startsWith(`${basePath}/`)) return await resource(req, res, path.slice(basePath.length + 1));
      return problem(res, 404, 'not-found', 'No such WHIP resource');
    } catch (err: unknown) {
      log('error', 'whip request failed', { error: describe(err) });
      if (!res.headersSent) problem(res, 500, 'internal', 'The WHIP request failed');
      else res.destroy();
    }
  }

  async function endpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        Allow: 'POST, OPTIONS',
        'Accept-Post': 'application/sdp',
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'POST')
      return problem(res, 405, 'method-not-allowed', 'Use POST', { Allow: 'POST, OPTIONS' });
    if (closing) return problem(res, 503, 'draining', 'This ingest worker is shutting down');
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/sdp') {
      return problem(res, 415, 'unsupported-media-type', 'The offer must be application/sdp', {
        'Accept-Post': 'application/sdp',
      });
    }
    const key = bearer(req.headers.authorization);
    if (!key) return unauthorized(res, 'missing-key', 'Send the stream key as a Bearer token');

    // Bounded, and before the gate so an oversized body never moves the stream to `starting`.
    const offer = await readBody(req, MAX_OFFER_BYTES);
    if (offer === undefined) return problem(res, 413, 'offer-too-large', 'The SDP offer is too large');

    // The key gate comes before any WebRTC work: no peer, no ICE socket for a refused key.
    const gate = await options.authorize(key, clientIp(req));
    if (!gate.ok) {
      log('info', 'whip publish refused', { code: gate.code, status: gate.status });
      if (gate.status === 401 || gate.code === 'unknown-key')
        return unauthorized(res, gate.code, gate.detail);
      const retryAfter = RETRY_AFTER_SECONDS[gate.status];
      return problem(
        res,
        gate.status,
        gate.code,
        gate.detail,
        retryAfter ? { 'Retry-After': retryAfter } : {},
      );
    }

    let peer: WebRtcPeer;
    try {
      peer = await port.accept(offer, options.publicHost ? { publicHost: options.publicHost } : {});
    } catch (err: unknown) {
      // The agent notices that publish() never came and reports done itself (WHIP port note).
      if (err instanceof OfferRejectedError) {
        log('warn', 'whip offer rejected', { streamId: gate.streamId, code: err.code, error: describe(err) });
        return problem(res, err.code === 'no-supported-video' ? 406 : 400, err.code, err.message);
      }
      throw err;
    }

    if (closing) {
      await peer.close();
      return problem(res, 503, 'draining', 'This ingest worker is shutting down');
    }
    const id = randomBytes(18).toString('base64url');
    const etag = `"${randomBytes(9).toString('base64url')}"`;
    const dir = await mkdtemp(join(options.workDir ?? tmpdir(), 'whip-'));
    await chmod(dir, 0o755); // the ladder's ffmpeg (an unprivileged user) reads the SDP file in it
    let bridge: RtpBridge;
    try {
      bridge = await openRtpBridge({ dir, name: gate.streamId, codecs: peer.codecs });
    } catch (err: unknown) {
      await peer.close();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const session = startSession({
      id,
      etag,
      dir,
      peer,
      bridge,
      streamId: gate.streamId,
      publish: gate.publish,
    });
    sessions.set(id, session);
    log('info', 'whip session negotiated', {
      streamId: gate.streamId,
      session: gate.session,
      codecs: peer.codecs.map((codec) => codec.encodingName),
    });
    res.writeHead(201, {
      'Content-Type': 'application/sdp',
      Location: `${basePath}/${id}`,
      ETag: etag,
    });
    res.end(peer.answerSdp);
  }

  async function resource(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const session = sessions.get(id);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        Allow: SESSION_METHODS,
        'Access-Control-Allow-Methods': ALLOWED_METHODS,
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method === 'PATCH') {
      return problem(res, 405, 'trickle-unsupported', 'Trickle ICE and ICE restarts are not supported', {
        Allow: SESSION_METHODS,
      });
    }
    if (req.method !== 'DELETE')
      return problem(res, 405, 'method-not-allowed', 'Use DELETE', { Allow: SESSION_METHODS });
    if (!session) return problem(res, 404, 'not-found', 'No such WHIP session');
    await session.end('publisher-left');
    res.writeHead(204);
    res.end();
  }

  function startSession(parts: {
    id: string;
    etag: string;
    dir: string;
    peer: WebRtcPeer;
    bridge: RtpBridge;
    streamId: string;
    publish: (input: { kind: 'sdp'; sdpPath: string }) => PublishHandle;
  }): Session {
    const { peer, bridge, streamId } = parts;
    const inputTimeoutMs = options.inputTimeoutMs ?? 5_000;
    const firstMediaTimeoutMs = options.firstMediaTimeoutMs ?? 15_000;
    const keyframeIntervalMs = options.keyframeIntervalMs ?? 2_000;
    const stopGraceMs = options.stopGraceMs ?? 15_000;
    const estimator = new BandwidthEstimator(
      options.maxBitrateBps === undefined ? {} : { maxBps: options.maxBitrateBps },
    );
    const createdAt = performance.now();
    const timers: NodeJS.Timeout[] = [];
    let handle: PublishHandle | undefined;
    let ending: Promise<void> | undefined;

    const startMedia = (): void => {
      try {
        handle = parts.publish({ kind: 'sdp', sdpPath: bridge.sdpPath });
      } catch (err: unknown) {
        log('error', 'whip ladder did not start', { streamId, error: describe(err) });
        void end('error');
        return;
      }
      log('info', 'whip media started', { streamId, ladderPid: handle.ladderPid });
      if (handle.cut.aborted) void end('cut');
      else handle.cut.addEventListener('abort', () => void end('cut'), { once: true });
      // A keyframe now, and again once ffmpeg (started a moment ago) surely listens: packets that
      // arrive before it binds its ports are lost, and it cannot decode before a keyframe.
      peer.requestKeyframe();
      timers.push(setTimeout(() => peer.requestKeyframe(), 300));
      timers.push(setTimeout(() => peer.requestKeyframe(), 1_000));
      timers.push(setInterval(() => peer.requestKeyframe(), keyframeIntervalMs));
    };

    peer.onRtp((kind, packet) => {
      if (ending) return;
      if (kind === 'video') estimator.onPacket(packet.readUInt16BE(2));
      if (!handle) startMedia();
      bridge.forward(kind, packet);
    });
    peer.onEnded((reason) => {
      log('info', 'whip peer ended', { streamId, reason });
      void end('peer-ended');
    });
    timers.push(
      setInterval(() => {
        if (handle) peer.sendBitrateEstimate(estimator.tick().estimateBps);
      }, 1_000),
      setInterval(
        () => {
          const now = performance.now();
          if (!handle && now - createdAt > firstMediaTimeoutMs) void end('no-media');
          const last = bridge.lastPacketAt;
          if (handle && last !== undefined && now - last > inputTimeoutMs) void end('input-timeout');
        },
        Math.max(100, Math.min(500, inputTimeoutMs / 4)),
      ),
    );

    function end(cause: EndCause): Promise<void> {
      ending ??= finish(cause);
      return ending;
    }

    async function finish(cause: EndCause): Promise<void> {
      for (const timer of timers) clearInterval(timer);
      sessions.delete(parts.id);
      bridge.close();
      await peer.close();
      log('info', 'whip session ended', { streamId, cause, packets: bridge.packetsForwarded });
      if (handle && cause !== 'cut') await stopLadder(handle, cause === 'error' ? 'error' : 'publisher-left');
      else if (handle) await handle.finished;
      await rm(parts.dir, { recursive: true, force: true });
    }

    async function stopLadder(ladder: PublishHandle, reason: 'publisher-left' | 'error'): Promise<void> {
      const pid = ladder.ladderPid;
      const stopped = ladder.stop(reason).catch((err: unknown) => {
        log('warn', 'whip ladder stop failed', { streamId, error: describe(err) });
      });
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<'overdue'>((resolve) => {
        timer = setTimeout(() => resolve('overdue'), stopGraceMs);
      });
      const outcome = await Promise.race([stopped.then(() => 'stopped' as const), overdue]);
      clearTimeout(timer);
      if (pid !== undefined && isAlive(pid)) {
        log('warn', 'whip ladder still running after stop: killing it', { streamId, pid, outcome });
        killQuietly(pid);
      }
      await stopped;
    }

    return { id: parts.id, etag: parts.etag, end };
  }

  return {
    handle,
    get sessionCount() {
      return sessions.size;
    },
    async close() {
      closing = true;
      await Promise.all([...sessions.values()].map((session) => session.end('publisher-left')));
    },
  };
}

function setCors(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) res.setHeader('Vary', 'Origin');
  res.setHeader(
    'Access-Control-Expose-Headers',
    'Location, ETag, Link, Accept-Post, Accept-Patch, WWW-Authenticate',
  );
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

function clientIp(req: IncomingMessage): { clientIp?: string } {
  const address = req.socket.remoteAddress;
  return address ? { clientIp: address.replace(/^::ffff:/, '') } : {};
}

function unauthorized(res: ServerResponse, code: string, detail: string): void {
  problem(res, 401, code, detail, { 'WWW-Authenticate': 'Bearer realm="whip"' });
}

/**
 * When a refused publisher may try again: the agent's per-address refusal budget gives one try back
 * every 12 s (5 a minute); a draining worker or an unreachable control plane is worth a retry soon.
 */
const RETRY_AFTER_SECONDS: Readonly<Record<number, string>> = { 429: '12', 503: '5' };

function problem(
  res: ServerResponse,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ type: PROBLEM_BASE + code, title: code, status, detail, code });
  res.writeHead(status, { ...headers, 'Content-Type': 'application/problem+json' });
  res.end(body);
}

/** The body as text, or undefined when it is longer than `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
