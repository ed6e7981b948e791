import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import { spawnChild } from '../../../../infra/local/child-processes.ts';
import { type CopyLadder, createCopyLadder } from '../../../../workers/live-ingest/whip/copy-ladder.ts';
import { createWhipReceiver, type WhipReceiver } from '../../../../workers/live-ingest/whip/receiver.ts';
import type { WebRtcReceiverPort } from '../../../../workers/live-ingest/whip/webrtc-port.ts';
import { createWeriftReceiverPort } from '../../../../workers/live-ingest/whip/werift-peer.ts';
import {
  startWhipPublisher,
  type WhipPublisher,
  WhipRefusedError,
} from '../../../../workers/live-ingest/whip/whip-publisher.ts';

const execFileAsync = promisify(execFile);

const GOOD_KEY = `fcsk_${'A'.repeat(20)}good${'B'.repeat(19)}`;
const LIVE_KEY = `fcsk_${'C'.repeat(20)}live${'D'.repeat(19)}`;
const INPUT_TIMEOUT_MS = 2_500;

interface Harness {
  readonly url: string;
  readonly port: WebRtcReceiverPort;
  readonly receiver: WhipReceiver;
  readonly ladder: CopyLadder;
  readonly dir: string;
  readonly logs: string[];
  readonly gateCalls: number[];
  close(): Promise<void>;
}

async function startHarness(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'live-whip-test-'));
  const ladder = createCopyLadder({ dir, spawn: spawnFfmpeg });
  const logs: string[] = [];
  const gateCalls: number[] = [];
  const port = createWeriftReceiverPort();
  const receiver = createWhipReceiver({
    port,
    inputTimeoutMs: INPUT_TIMEOUT_MS,
    workDir: dir,
    stopGraceMs: 10_000,
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    async authorize(streamKey) {
      gateCalls.push(port.peersCreated);
      if (streamKey === GOOD_KEY) {
        return { ok: true, streamId: `stream${gateCalls.length}`, session: 1, publish: ladder.publish };
      }
      if (streamKey === LIVE_KEY) {
        return { ok: false, status: 409, code: 'already-live', detail: 'The stream is already live' };
      }
      return { ok: false, status: 401, code: 'unknown-key', detail: 'Unknown stream key' };
    },
  });
  const server: Server = createServer((req, res) => void receiver.handle(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip`;
  return {
    url,
    port,
    receiver,
    ladder,
    dir,
    logs,
    gateCalls,
    async close() {
      await receiver.close();
      server.close();
      ladder.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function countVideoFrames(path: string): Promise<number> {
  const { stdout } = await execFileAsync('ffprobe', [
    '-v',
    'error',
    '-count_frames',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=nb_read_frames,codec_name',
    '-of',
    'json',
    path,
  ]);
  const parsed = JSON.parse(stdout) as { streams?: { nb_read_frames?: string }[] };
  return Number(parsed.streams?.[0]?.nb_read_frames ?? 0);
}

describe('WHIP receiver (werift) with a real publisher and ffmpeg', () => {
  let harness: Harness;
  const publishers: WhipPublisher[] = [];

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await Promise.all(publishers.splice(0).map((publisher) => publisher.close()));
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('refuses a wrong key with 401 before any peer connection, fast', async () => {
    // Prepare
    const started = performance.now();

    // Act
    const response = await fetch(harness.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: 'Bearer fcsk_wrong' },
      body: 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n',
    });
    const body = (await response.json()) as { code: string; status: number };

    // Assess
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(body).toMatchObject({ code: 'unknown-key', status: 401 });
    expect(harness.port.peersCreated).toBe(0);
    expect(harness.ladder.started).toHaveLength(0);
  });

  it('refuses a publisher without a key with 401 and passes the gate refusals through', async () => {
    // Act
    const missing = await fetch(harness.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    const live = await startWhipPublisher({
      url: harness.url,
      streamKey: LIVE_KEY,
      spawn: spawnFfmpeg,
    }).catch((err: unknown) => err);

    // Assess
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(live).toBeInstanceOf(WhipRefusedError);
    expect((live as WhipRefusedError).status).toBe(409);
    expect(JSON.parse((live as WhipRefusedError).body)).toMatchObject({ code: 'already-live' });
    expect(harness.port.peersCreated).toBe(0);
  });

  it('answers 400 for a body that is not an offer and 406 for an offer without video, starting no ladder', async () => {
    // Prepare
    const before = harness.ladder.started.length;
    const audioOnly = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false });
    audioOnly.addTransceiver('audio', { direction: 'sendonly' });
    await audioOnly.setLocalDescription(await audioOnly.createOffer());
    const headers = { 'Content-Type': 'application/sdp', Authorization: `Bearer ${GOOD_KEY}` };

    try {
      // Act
      const garbage = await fetch(harness.url, { method: 'POST', headers, body: 'hello' });
      const noVideo = await fetch(harness.url, {
        method: 'POST',
        headers,
        body: audioOnly.localDescription?.sdp ?? '',
      });

      // Assess
      expect(garbage.status).toBe(400);
      expect(await garbage.json()).toMatchObject({ code: 'malformed-offer' });
      expect(noVideo.status).toBe(406);
      expect(await noVideo.json()).toMatchObject({ code: 'no-supported-video' });
      expect(harness.ladder.started.length).toBe(before);
      expect(harness.receiver.sessionCount).toBe(0);
    } finally {
      await audioOnly.close();
    }
  });

  it('answers CORS pre-flights and 405 to PATCH (no trickle ICE)', async () => {
    // Act
    const preflight = await fetch(harness.url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://studio.example',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type',
      },
    });
    const patch = await fetch(`${harness.url}/whatever`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/trickle-ice-sdpfrag' },
      body: 'a=ice-ufrag:x\r\n',
    });

    // Assess
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://studio.example');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(preflight.headers.get('access-control-expose-headers')).toContain('Location');
    expect(preflight.headers.get('accept-post')).toBe('application/sdp');
    expect(patch.status).toBe(405);
  });

  it('publishes H.264 + Opus: 201 with an answer, keyframe requests every 2 s, REMB, frames reach ffmpeg, DELETE ends it', async () => {
    // Prepare
    const before = harness.ladder.started.length;

    // Act
    const publisher = await startWhipPublisher({
      url: harness.url,
      streamKey: GOOD_KEY,
      width: 640,
      height: 360,
      videoBitrateKbps: 1_000,
      spawn: spawnFfmpeg,
    });
    publishers.push(publisher);
    await waitFor(() => harness.ladder.started.length > before, 20_000, 'the ladder to start');
    const ladder = harness.ladder.started[before];
    if (!ladder) throw new Error('no ladder');
    await waitFor(() => publisher.keyframeRequests.length >= 4, 20_000, 'four keyframe requests');
    await waitFor(() => publisher.rembBps !== undefined, 10_000, 'a REMB estimate');
    await waitFor(() => fileSize(ladder.output) > 300_000, 30_000, 'the ladder to write 300 kB');
    const deleted = await publisher.delete();
    await waitFor(() => !isAlive(ladder.pid), 15_000, 'the ladder ffmpeg to exit');

    // Assess: the HTTP side
    expect(publisher.resourceUrl).toMatch(/\/whip\/[A-Za-z0-9_-]{20,}$/);
    expect(publisher.resourceUrl).not.toContain(GOOD_KEY);
    expect(publisher.etag).toMatch(/^"[^"]+"$/);
    expect(publisher.answerSdp).toMatch(/a=rtpmap:96 H264\/90000/);
    expect(publisher.answerSdp).toMatch(/a=rtcp-fb:96 goog-remb/);
    expect(publisher.answerSdp).toMatch(/a=rtcp-fb:96 nack pli/);
    expect(publisher.answerSdp).not.toMatch(/transport-cc|transport-wide-cc/);
    expect(publisher.answerSdp).toMatch(/a=candidate:/);
    expect(deleted.status).toBe(204);
    // Keyframes: asked for at start and then at most ~2 s apart.
    const gaps = publisher.keyframeRequests
      .slice(1)
      .map((at, i) => at - (publisher.keyframeRequests[i] ?? at));
    expect(Math.max(...gaps)).toBeLessThan(2_600);
    expect(publisher.rembBps).toBeGreaterThanOrEqual(300_000);
    // Media: decodable frames in the ladder's output.
    expect(ladder.stopReasons).toEqual(['publisher-left']);
    expect(await countVideoFrames(ladder.output ?? '')).toBeGreaterThan(30);
    expect(ladder.sdpPath).not.toContain(GOOD_KEY);
    expect(ladder.args.join(' ')).not.toContain(GOOD_KEY);
    expect(harness.logs.join('\n')).not.toContain(GOOD_KEY);
    expect(harness.receiver.sessionCount).toBe(0);
  });

  it('ends the session and the ladder when the publisher closes its peer connection without DELETE', async () => {
    // Prepare
    const before = harness.ladder.started.length;
    const publisher = await startWhipPublisher({
      url: harness.url,
      streamKey: GOOD_KEY,
      audio: false,
      width: 320,
      height: 180,
      videoBitrateKbps: 300,
      spawn: spawnFfmpeg,
    });
    await waitFor(() => harness.ladder.started.length > before, 20_000, 'the ladder to start');
    const ladder = harness.ladder.started[before];
    if (!ladder) throw new Error('no ladder');

    // Act
    await publisher.close();
    const closedAt = performance.now();
    await waitFor(() => !isAlive(ladder.pid), INPUT_TIMEOUT_MS + 15_000, 'the ladder ffmpeg to exit');

    // Assess
    expect(performance.now() - closedAt).toBeLessThan(INPUT_TIMEOUT_MS + 12_000);
    expect(ladder.stopReasons).toEqual(['publisher-left']);
    await waitFor(() => harness.receiver.sessionCount === 0, 5_000, 'the session to end');
  });

  it('kills the ladder by pid when the media stops (input timeout) and ends the session', async () => {
    // Prepare
    const before = harness.ladder.started.length;
    const publisher = await startWhipPublisher({
      url: harness.url,
      streamKey: GOOD_KEY,
      videoCodec: 'VP8',
      audio: false,
      width: 640,
      height: 360,
      videoBitrateKbps: 800,
      spawn: spawnFfmpeg,
    });
    publishers.push(publisher);
    await waitFor(() => harness.ladder.started.length > before, 20_000, 'the ladder to start');
    const ladder = harness.ladder.started[before];
    if (!ladder) throw new Error('no ladder');
    await waitFor(() => publisher.keyframeRequests.length >= 4, 30_000, 'about 4 s of media');
    await waitFor(() => fileSize(ladder.output) > 300_000, 30_000, 'the ladder to write 300 kB');

    // Act
    await publisher.stopMedia();
    const stoppedAt = performance.now();
    await waitFor(() => !isAlive(ladder.pid), INPUT_TIMEOUT_MS + 15_000, 'the ladder ffmpeg to be killed');
    const killedAfter = performance.now() - stoppedAt;

    // Assess
    expect(killedAfter).toBeGreaterThanOrEqual(INPUT_TIMEOUT_MS - 600);
    expect(killedAfter).toBeLessThan(INPUT_TIMEOUT_MS + 12_000);
    expect(ladder.stopReasons).toEqual(['publisher-left']);
    expect(harness.receiver.sessionCount).toBe(0);
    expect(await countVideoFrames(ladder.output ?? '')).toBeGreaterThan(30);
    expect(harness.logs.join('\n')).toMatch(/input-timeout/);
    // The session folder (SDP file) is gone with the session.
    await waitFor(
      async () => !(await readdir(harness.dir)).some((name) => name.startsWith('whip-')),
      10_000,
      'the session folder to be removed',
    );
  });
});

describe('WHIP receiver (werift) with LIVE_PUBLIC_HOST and a UDP port range', () => {
  it('advertises the public host in ICE on a port in the range, and the publisher connects through it', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'live-whip-host-'));
    const ladder = createCopyLadder({ dir, toFile: false, spawn: spawnFfmpeg });
    const receiver = createWhipReceiver({
      port: createWeriftReceiverPort({ icePortRange: [41_000, 41_200] }),
      publicHost: '127.0.0.1',
      workDir: dir,
      log: () => undefined,
      authorize: async () => ({ ok: true, streamId: 'host1', session: 1, publish: ladder.publish }),
    });
    const server = createServer((req, res) => void receiver.handle(req, res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    let publisher: WhipPublisher | undefined;
    try {
      // Act
      publisher = await startWhipPublisher({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip`,
        streamKey: GOOD_KEY,
        audio: false,
        width: 320,
        height: 180,
        videoBitrateKbps: 300,
        spawn: spawnFfmpeg,
      });
      await waitFor(() => ladder.started.length === 1, 20_000, 'the ladder to start');

      // Assess
      const candidates = publisher.answerSdp.split('\r\n').filter((line) => line.startsWith('a=candidate:'));
      const loopback = candidates.filter((line) => line.includes(' 127.0.0.1 '));
      expect(loopback.length).toBeGreaterThan(0);
      for (const line of candidates) {
        const port = Number(line.split(' ')[5]);
        expect(port).toBeGreaterThanOrEqual(41_000);
        expect(port).toBeLessThanOrEqual(41_200);
      }
      expect(publisher.connectionState).toBe('connected');
    } finally {
      await publisher?.close();
      await receiver.close();
      server.close();
      ladder.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function spawnFfmpeg(command: string, args: readonly string[]) {
  return spawnChild(command, args, { stdio: 'ignore', parentDeathSignal: 'SIGKILL' });
}

function fileSize(path: string | undefined): number {
  try {
    return path ? statSync(path).size : 0;
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
