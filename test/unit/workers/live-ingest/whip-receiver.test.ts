import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import type {
  AuthorizeResult,
  LadderInput,
  PublishHandle,
} from '../../../../workers/live-ingest/whip/agent-port.ts';
import {
  createWhipReceiver,
  type WhipReceiverOptions,
} from '../../../../workers/live-ingest/whip/receiver.ts';
import {
  type MediaKind,
  OfferRejectedError,
  type PeerEndReason,
  type WebRtcPeer,
  type WebRtcReceiverPort,
} from '../../../../workers/live-ingest/whip/webrtc-port.ts';

const KEY = 'fcsk_secretsecretsecretsecretsecretsecret1234';
const OFFER = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';

interface Answered {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function request(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body = '',
): IncomingMessage {
  const req = Readable.from(body ? [Buffer.from(body)] : []) as unknown as IncomingMessage &
    Record<string, unknown>;
  Object.assign(req, {
    method,
    url,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
    socket: { remoteAddress: '::ffff:198.51.100.4' },
  });
  return req;
}

async function call(
  receiver: ReturnType<typeof createWhipReceiver>,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<Answered> {
  const answered: Answered = { status: 0, headers: {}, body: '' };
  const res = {
    headersSent: false,
    setHeader(name: string, value: string) {
      answered.headers[name.toLowerCase()] = value;
    },
    writeHead(status: number, headers: Record<string, string> = {}) {
      answered.status = status;
      for (const [name, value] of Object.entries(headers)) answered.headers[name.toLowerCase()] = value;
      this.headersSent = true;
    },
    end(chunk?: string) {
      answered.body = chunk ?? '';
    },
    destroy() {},
  };
  await receiver.handle(request(method, url, headers, body), res as unknown as ServerResponse);
  return answered;
}

class FakePeer implements WebRtcPeer {
  readonly answerSdp = 'v=0\r\nanswer\r\n';
  readonly codecs = [
    {
      kind: 'video' as const,
      payloadType: 96,
      acceptedPayloadTypes: [96],
      encodingName: 'H264' as const,
      clockRate: 90_000,
      fmtp: 'packetization-mode=1',
    },
  ];
  rtp: ((kind: MediaKind, packet: Buffer) => void)[] = [];
  ended: ((reason: PeerEndReason) => void)[] = [];
  keyframes = 0;
  estimates: number[] = [];
  closed = false;
  onRtp(listener: (kind: MediaKind, packet: Buffer) => void) {
    this.rtp.push(listener);
  }
  onEnded(listener: (reason: PeerEndReason) => void) {
    this.ended.push(listener);
  }
  requestKeyframe() {
    this.keyframes += 1;
  }
  sendBitrateEstimate(bps: number) {
    this.estimates.push(bps);
  }
  async close() {
    this.closed = true;
  }
  send(seq: number) {
    const packet = Buffer.alloc(20);
    packet[0] = 0x80;
    packet[1] = 96;
    packet.writeUInt16BE(seq, 2);
    for (const listener of this.rtp) listener('video', packet);
  }
}

class FakePort implements WebRtcReceiverPort {
  peersCreated = 0;
  peers: FakePeer[] = [];
  reject: OfferRejectedError | undefined;
  async accept(): Promise<WebRtcPeer> {
    this.peersCreated += 1;
    if (this.reject) throw this.reject;
    const peer = new FakePeer();
    this.peers.push(peer);
    return peer;
  }
}

function fakeLadder() {
  const inputs: LadderInput[] = [];
  const stops: string[] = [];
  const cut = new AbortController();
  const handle: PublishHandle = {
    streamId: 'st1',
    session: 3,
    ladderPid: undefined,
    cut: cut.signal,
    finished: Promise.resolve('publisher-left'),
    async stop(reason) {
      stops.push(reason);
    },
  };
  return {
    inputs,
    stops,
    cut,
    publish(input: LadderInput) {
      inputs.push(input);
      return handle;
    },
  };
}

function setUp(gate: (key: string) => AuthorizeResult, extra: Partial<WhipReceiverOptions> = {}) {
  const port = new FakePort();
  const logs: string[] = [];
  const authorize = vi.fn(async (key: string, _info?: { clientIp?: string }) => gate(key));
  const receiver = createWhipReceiver({
    port,
    authorize,
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    ...extra,
  });
  return { port, logs, authorize, receiver };
}

const POST_HEADERS = { 'Content-Type': 'application/sdp', Authorization: `Bearer ${KEY}` };

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Function: createWhipReceiver', () => {
  describe('Method: handle (POST /whip)', () => {
    it('asks the key gate first and answers a wrong key 401 with WWW-Authenticate, creating no peer', async () => {
      // Prepare
      const { port, authorize, receiver, logs } = setUp(() => ({
        ok: false,
        status: 401,
        code: 'unknown-key',
        detail: 'Unknown stream key',
      }));

      // Act
      const answered = await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);

      // Assess
      expect(answered.status).toBe(401);
      expect(answered.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(JSON.parse(answered.body)).toMatchObject({ status: 401, code: 'unknown-key' });
      expect(authorize).toHaveBeenCalledWith(KEY, { clientIp: '198.51.100.4' });
      expect(port.peersCreated).toBe(0);
      expect(logs.join('\n')).not.toContain(KEY);
    });

    it.each([
      [409, 'already-live'],
      [410, 'stream-ended'],
      [503, 'draining'],
    ])('passes a %i %s refusal through as a problem with its code', async (status, code) => {
      // Prepare
      const { port, receiver } = setUp(() => ({ ok: false, status, code, detail: `refused: ${code}` }));

      // Act
      const answered = await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);

      // Assess
      expect(answered.status).toBe(status);
      expect(answered.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answered.body)).toMatchObject({ status, code, detail: `refused: ${code}` });
      expect(port.peersCreated).toBe(0);
    });

    it.each([
      [429, 'too-many-refusals', '12'],
      [503, 'control-plane-unavailable', '5'],
    ])('tells a %i %s publisher when to try again (Retry-After %s)', async (status, code, seconds) => {
      // Prepare
      const { receiver } = setUp(() => ({ ok: false, status, code, detail: `refused: ${code}` }));

      // Act
      const answered = await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);

      // Assess
      expect(answered.status).toBe(status);
      expect(answered.headers['retry-after']).toBe(seconds);
    });

    it('answers 401 without a bearer token and 415 for a body that is not SDP, without asking the gate', async () => {
      // Prepare
      const { authorize, receiver } = setUp(() => {
        throw new Error('not called');
      });

      // Act
      const noKey = await call(receiver, 'POST', '/whip', { 'Content-Type': 'application/sdp' }, OFFER);
      const notSdp = await call(
        receiver,
        'POST',
        '/whip',
        { ...POST_HEADERS, 'Content-Type': 'application/json' },
        '{}',
      );

      // Assess
      expect(noKey.status).toBe(401);
      expect(noKey.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(notSdp.status).toBe(415);
      expect(authorize).not.toHaveBeenCalled();
    });

    it('answers 413 for an offer over 128 KiB without asking the gate', async () => {
      // Prepare
      const { authorize, receiver } = setUp(() => {
        throw new Error('not called');
      });

      // Act
      const answered = await call(
        receiver,
        'POST',
        '/whip',
        POST_HEADERS,
        `v=0\r\n${'a=x\r\n'.repeat(30_000)}`,
      );

      // Assess
      expect(answered.status).toBe(413);
      expect(authorize).not.toHaveBeenCalled();
    });

    it('answers 406 when the offer has no video it can receive, and never starts a ladder', async () => {
      // Prepare
      const ladder = fakeLadder();
      const { port, receiver } = setUp(() => ({
        ok: true,
        streamId: 'st1',
        session: 3,
        publish: ladder.publish,
      }));
      port.reject = new OfferRejectedError('no-supported-video', 'no H.264 or VP8');

      // Act
      const answered = await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);

      // Assess
      expect(answered.status).toBe(406);
      expect(JSON.parse(answered.body)).toMatchObject({ code: 'no-supported-video' });
      expect(ladder.inputs).toHaveLength(0);
    });

    it('answers 201 with the SDP, an opaque Location and an ETag; the first RTP starts the ladder on an SDP file', async () => {
      // Prepare
      const ladder = fakeLadder();
      const { port, receiver } = setUp(() => ({
        ok: true,
        streamId: 'st1',
        session: 3,
        publish: ladder.publish,
      }));

      // Act
      const answered = await call(
        receiver,
        'POST',
        '/whip',
        { ...POST_HEADERS, Origin: 'https://a.example' },
        OFFER,
      );
      const peer = port.peers[0];
      if (!peer) throw new Error('no peer');
      expect(ladder.inputs).toHaveLength(0);
      peer.send(1);
      peer.send(2);

      // Assess
      expect(answered.status).toBe(201);
      expect(answered.headers['content-type']).toBe('application/sdp');
      expect(answered.body).toBe(peer.answerSdp);
      expect(answered.headers.location).toMatch(/^\/whip\/[A-Za-z0-9_-]{24}$/);
      expect(answered.headers.location).not.toContain(KEY);
      expect(answered.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(answered.headers['access-control-allow-origin']).toBe('https://a.example');
      expect(answered.headers['access-control-expose-headers']).toContain('Location');
      expect(ladder.inputs).toHaveLength(1);
      const input = ladder.inputs[0];
      if (input?.kind !== 'sdp') throw new Error('expected an sdp input');
      expect(input.sdpPath).toMatch(/\/st1\.sdp$/);
      expect(await readFile(input.sdpPath, 'utf8')).toMatch(
        /m=video \d+ RTP\/AVP 96\na=rtpmap:96 H264\/90000/,
      );
      expect(peer.keyframes).toBeGreaterThanOrEqual(1);
      await receiver.close();
    });
  });

  describe('Method: handle (the session resource)', () => {
    it('ends the session on DELETE (204): peer closed, ladder stopped as publisher-left; then 404', async () => {
      // Prepare
      const ladder = fakeLadder();
      const { port, receiver } = setUp(() => ({
        ok: true,
        streamId: 'st1',
        session: 3,
        publish: ladder.publish,
      }));
      const created = await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);
      port.peers[0]?.send(1);

      // Act
      const deleted = await call(receiver, 'DELETE', created.headers.location ?? '');
      const again = await call(receiver, 'DELETE', created.headers.location ?? '');

      // Assess
      expect(deleted.status).toBe(204);
      expect(port.peers[0]?.closed).toBe(true);
      expect(ladder.stops).toEqual(['publisher-left']);
      expect(again.status).toBe(404);
      expect(receiver.sessionCount).toBe(0);
    });

    it('answers PATCH with 405 (no trickle ICE, no ICE restart)', async () => {
      // Prepare
      const { receiver } = setUp(() => ({ ok: false, status: 401, code: 'unknown-key', detail: '' }));

      // Act
      const patched = await call(receiver, 'PATCH', '/whip/abc', {
        'Content-Type': 'application/trickle-ice-sdpfrag',
      });

      // Assess
      expect(patched.status).toBe(405);
      expect(patched.headers.allow).toBe('DELETE, OPTIONS');
    });

    it('closes the peer without stopping the ladder when the agent cuts the publish', async () => {
      // Prepare
      const ladder = fakeLadder();
      const { port, receiver } = setUp(() => ({
        ok: true,
        streamId: 'st1',
        session: 3,
        publish: ladder.publish,
      }));
      await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);
      port.peers[0]?.send(1);

      // Act
      ladder.cut.abort('key-rotated');
      await waitFor(() => receiver.sessionCount === 0);

      // Assess
      expect(port.peers[0]?.closed).toBe(true);
      expect(ladder.stops).toEqual([]);
    });

    it('ends the session when no RTP arrives for the input timeout, and when the peer goes away', async () => {
      // Prepare
      const ladder = fakeLadder();
      const { port, receiver, logs } = setUp(
        () => ({ ok: true, streamId: 'st1', session: 3, publish: ladder.publish }),
        { inputTimeoutMs: 300 },
      );
      await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);
      await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);
      const [quiet, leaving] = port.peers;
      quiet?.send(1);
      leaving?.send(1);

      // Act
      for (const listener of leaving?.ended ?? []) listener('failed');
      await waitFor(() => receiver.sessionCount === 0);

      // Assess
      expect(quiet?.closed).toBe(true);
      expect(leaving?.closed).toBe(true);
      expect(ladder.stops).toEqual(['publisher-left', 'publisher-left']);
      expect(logs.join('\n')).toMatch(/input-timeout/);
      expect(logs.join('\n')).toMatch(/peer-ended/);
    });
    it('SIGKILLs the ladder by pid when the agent has not stopped it within the grace period', async () => {
      // Prepare: a ladder whose stop() never finishes, around a real process
      const child = spawn('sleep', ['60'], { stdio: 'ignore' });
      const exited = once(child, 'exit');
      const stops: string[] = [];
      const handle: PublishHandle = {
        streamId: 'st1',
        session: 3,
        ladderPid: child.pid,
        cut: new AbortController().signal,
        finished: new Promise(() => undefined),
        stop(reason) {
          stops.push(reason);
          return new Promise(() => undefined);
        },
      };
      const { port, receiver, logs } = setUp(
        () => ({ ok: true, streamId: 'st1', session: 3, publish: () => handle }),
        { inputTimeoutMs: 200, stopGraceMs: 300 },
      );
      try {
        await call(receiver, 'POST', '/whip', POST_HEADERS, OFFER);
        port.peers[0]?.send(1);

        // Act: no more RTP
        const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];

        // Assess
        expect(signal).toBe('SIGKILL');
        expect(stops).toEqual(['publisher-left']);
        expect(logs.join('\n')).toMatch(/killing it/);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
});
