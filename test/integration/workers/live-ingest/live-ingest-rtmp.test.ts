import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { cmdline, descendants } from '#test/support/live.ts';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';
import {
  type ControlPlaneStandIn,
  type RunningAgent,
  startAgentProcess,
  startControlPlaneStandIn,
} from '../../../../workers/live-ingest/dev/stand-in.ts';
import { parseLivePlaylist, resolveKey } from '../../../../workers/live-ingest/live-playlist.ts';

/**
 * The live-ingest agent as a process (real nginx-rtmp, ffmpeg ladder, the embedded S3 server),
 * with a stand-in for the live-ingest function. Publishers are ffmpeg pushing a test pattern.
 */
const ACCESS_KEY_ID = 'LIVEINGESTTEST';
const SECRET = 'live-ingest-test-secret';
const BUCKET = 'media';
const API_KEY = 'fcak_test_live_ingest_machine_key';
const KEY = `fcsk_${'K'.repeat(20)}liveKeyNeverLogged${'x'.repeat(5)}`;
const KEY2 = `fcsk_${'Q'.repeat(20)}secondKeyNotLogged${'y'.repeat(5)}`;
const KEY3 = `fcsk_${'L'.repeat(20)}leaseKeyNeverLogged${'l'.repeat(4)}`;
const KEY4 = `fcsk_${'S'.repeat(20)}shortKeyNeverLogged${'s'.repeat(4)}`;
const WRONG_KEY = `fcsk_${'W'.repeat(20)}wrongKeyNeverInLog${'z'.repeat(5)}`;
const STREAM = '01JLIVESTREAM0000000000001';
const ASSET = '01JLIVEASSET00000000000001';
const STREAM2 = '01JLIVESTREAM0000000000002';
const ASSET2 = '01JLIVEASSET00000000000002';
const STREAM3 = '01JLIVESTREAM0000000000003';
const ASSET3 = '01JLIVEASSET00000000000003';
const STREAM4 = '01JLIVESTREAM0000000000004';
const ASSET4 = '01JLIVEASSET00000000000004';

let s3: RunningS3Server;
let s3Dir: string;
let cp: ControlPlaneStandIn;
let agent: RunningAgent;
const stored = new Set<string>();
const violations: string[] = [];
const playlistPuts: string[] = [];
const publishers = new Set<ChildProcess>();

const store = () =>
  createS3ObjectStore({
    endpoint: s3.endpoint,
    region: 'eu-frankfurt-1',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
  });

async function getText(key: string): Promise<string> {
  const { body } = await store().get(BUCKET, key);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}

function publish(key: string, seconds = 600, scheme: 'rtmp' | 'rtmps' = 'rtmp'): ChildProcess {
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      '--',
      'ffmpeg',
      '-hide_banner',
      '-loglevel',
      'error',
      '-re',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=1280x720:rate=30',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000',
      '-t',
      String(seconds),
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-g',
      '30',
      '-c:a',
      'aac',
      '-f',
      'flv',
      `${scheme}://127.0.0.1:${scheme === 'rtmp' ? agent.rtmpPort : agent.rtmpsPort}/live/${key}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  publishers.add(child);
  child.once('exit', () => publishers.delete(child));
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ladderPids = () =>
  descendants(agent.child.pid as number).filter((p) => /ffmpeg .*-filter_complex/.test(cmdline(p)));

beforeAll(async () => {
  // The S3 server itself (not the test wrapper): its object hook runs at each commit, before the
  // agent's PUT is answered, so a playlist is checked against what was stored at that moment.
  s3Dir = await mkdtemp(join(tmpdir(), 'fc-live-ingest-'));
  await chmod(s3Dir, 0o711); // the agent's children run as nobody below it
  s3 = await startS3Server({
    dataDir: join(s3Dir, 'data'),
    namespace: 'forgecast-ns',
    port: 0,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET,
    region: 'eu-frankfurt-1',
    buckets: [BUCKET],
    onObjectEvent: async (event) => {
      const key = event.data.resourceName;
      if (event.eventType.endsWith('deleteobject')) {
        stored.delete(key);
        return;
      }
      if (key.endsWith('.m3u8')) {
        // At the moment the playlist is committed, everything it names must already be stored.
        const text = await getText(key);
        playlistPuts.push(key);
        const named = key.endsWith('master.m3u8')
          ? text
              .split('\n')
              .filter((l) => l && !l.startsWith('#'))
              .map((l) => resolveKey(key, l))
          : parseLivePlaylist(text).segments.flatMap((s) => [resolveKey(key, s.map), resolveKey(key, s.uri)]);
        for (const name of named)
          if (!stored.has(name)) violations.push(`${key} named ${name} before it was stored`);
      }
      stored.add(key);
    },
  });
  cp = await startControlPlaneStandIn({ apiKey: API_KEY, updateIntervalSeconds: 2 });
  cp.addStream(KEY, { streamId: STREAM, assetId: ASSET });
  cp.addStream(KEY2, { streamId: STREAM2, assetId: ASSET2 });
  agent = await startAgentProcess({
    LIVE_INGEST_API_URL: cp.url,
    LIVE_INGEST_API_KEY: API_KEY,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: 'eu-frankfurt-1',
    S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: SECRET,
    MEDIA_BUCKET: BUCKET,
    WORKER_ID: 'live-test-1',
    LIVE_RTMP_PORT: '0',
    LIVE_RTMPS_PORT: '0',
    LIVE_WHIP_PORT: '0',
    LIVE_LADDER_PRESET: 'ultrafast',
    WORK_DIR: join(s3Dir, 'work'),
  });
}, 120_000);

afterAll(async () => {
  for (const child of publishers) child.kill('SIGKILL');
  if (agent && agent.child.exitCode === null) {
    const pids = descendants(agent.child.pid as number);
    agent.child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  await cp?.close();
  await s3?.stop();
  if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
});

describe('live-ingest agent over RTMP', () => {
  it('refuses a wrong key in under 1 s and writes nothing', async () => {
    const started = Date.now();
    const publisher = publish(WRONG_KEY);
    const code = await exitOf(publisher);
    expect(code).not.toBe(0);
    expect(Date.now() - started).toBeLessThan(1_000 + 1_500); // ffmpeg's own start-up is on top of the gate
    const refusal = cp.calls.find((c) => c.route === 'authorize' && c.status === 403);
    expect(refusal).toBeDefined();
    expect(stored.size).toBe(0);
    expect(ladderPids()).toHaveLength(0);
  });

  it('refuses names not shaped like a key without asking the function', async () => {
    const before = cp.calls.length;
    for (const junk of ['junk', `${KEY}x`]) expect(await exitOf(publish(junk))).not.toBe(0);
    expect(cp.calls.slice(before).filter((c) => c.route === 'authorize')).toHaveLength(0);
    expect(stored.size).toBe(0);
  });

  it('publishes segments before the playlists that name them, one ladder, renamed stream', async () => {
    const publisher = publish(KEY);
    await until('720p playlist with 3 segments', async () => {
      if (!stored.has(`videos/${ASSET}/live/720p/index.m3u8`)) return false;
      return parseLivePlaylist(await getText(`videos/${ASSET}/live/720p/index.m3u8`)).segments.length >= 3;
    });
    for (const r of ['720p', '480p', '360p']) {
      expect(stored.has(`videos/${ASSET}/live/s1/${r}/init.mp4`)).toBe(true);
      expect(stored.has(`videos/${ASSET}/live/s1/${r}/seg-000001.m4s`)).toBe(true);
    }
    await until('master playlist', () => stored.has(`videos/${ASSET}/live/master.m3u8`));
    const master = await getText(`videos/${ASSET}/live/master.m3u8`);
    expect(master).toMatch(/RESOLUTION=1280x720,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/);
    const playlist = await getText(`videos/${ASSET}/live/720p/index.m3u8`);
    expect(playlist).toMatch(/#EXT-X-PROGRAM-DATE-TIME:/);
    expect(playlist).toContain('#EXT-X-MAP:URI="../s1/720p/init.mp4"');
    expect(ladderPids()).toHaveLength(1);
    expect(cmdline(ladderPids()[0] as number)).toContain(`/live/s-${STREAM}-1`);
    await until('a heartbeat with segments', () =>
      cp.calls.find((c) => c.route === 'update' && c.streamId === STREAM && Number(c.body.segments) > 0),
    );
    expect(cp.streams.get(STREAM)?.status).toBe('live');
    // Checked at each playlist commit (checked to fail when a playlist goes up before its segment).
    expect(violations).toEqual([]);
    expect(publisher.exitCode).toBeNull();
  });

  it('refuses a duplicate publish of the same key while the first continues', async () => {
    const first = [...publishers][0] as ChildProcess;
    const before = cp.calls.length;
    const duplicate = publish(KEY);
    expect(await exitOf(duplicate)).not.toBe(0);
    expect(first.exitCode).toBeNull();
    expect(ladderPids()).toHaveLength(1);
    // The local guard answered: the function was not even asked.
    expect(cp.calls.slice(before).filter((c) => c.route === 'authorize')).toHaveLength(0);
    const segments = stored.size;
    await until('more segments', () => stored.size > segments);
  });

  it('a disconnect and reconnect continues the playlist as session 2 with a discontinuity', async () => {
    const first = [...publishers][0] as ChildProcess;
    first.kill('SIGKILL');
    await until('done publisher-left', () =>
      cp.calls.find((c) => c.route === 'done' && c.streamId === STREAM && c.body.reason === 'publisher-left'),
    );
    await until('ladder gone', () => ladderPids().length === 0);
    const second = publish(KEY);
    await until('session 2 segments in the playlist', async () => {
      const text = await getText(`videos/${ASSET}/live/720p/index.m3u8`);
      return text.includes('../s2/720p/seg-000002.m4s') ? text : false;
    });
    const text = await getText(`videos/${ASSET}/live/720p/index.m3u8`);
    expect(text).toContain('#EXT-X-DISCONTINUITY');
    expect(text).toContain('#EXT-X-MAP:URI="../s2/720p/init.mp4"');
    const parsed = parseLivePlaylist(text);
    expect(parsed.segments[0]?.seq).toBeGreaterThan(0);
    expect(second.exitCode).toBeNull();
  });

  it('cuts the publisher within one update interval when the function refuses an update', async () => {
    const publisher = [...publishers][0] as ChildProcess;
    const stream = cp.streams.get(STREAM);
    if (!stream) throw new Error('no stream');
    const cutAt = Date.now();
    stream.cut = { status: 409, code: 'key-rotated' };
    await exitOf(publisher);
    // One interval (2 s) for the next heartbeat, plus the publisher noticing the closed socket.
    expect(Date.now() - cutAt).toBeLessThan(2_000 + 3_000);
    await until('done cut', () =>
      cp.calls.find((c) => c.route === 'done' && c.streamId === STREAM && c.body.reason === 'cut'),
    );
    await until('ladder gone', () => ladderPids().length === 0);
  });

  it('takes RTMPS (TLS ended by nginx with its self-signed certificate) and lets only its ladder play', async () => {
    const publisher = publish(KEY2, 600, 'rtmps');
    await until('stream 2 segments', () => stored.has(`videos/${ASSET2}/live/s1/720p/seg-000002.m4s`));
    expect(publisher.exitCode).toBeNull();
    // A player on 127.0.0.1 without the agent's play token is refused, over RTMP and RTMPS alike.
    for (const url of [
      `rtmp://127.0.0.1:${agent.rtmpPort}/live/s-${STREAM2}-1`,
      `rtmps://127.0.0.1:${agent.rtmpsPort}/live/s-${STREAM2}-1`,
    ]) {
      const probe = spawn('ffprobe', ['-v', 'error', '-rw_timeout', '15000000', url], { stdio: 'ignore' });
      publishers.add(probe);
      expect(await exitOf(probe)).not.toBe(0);
      publishers.delete(probe);
    }
    expect(ladderPids()).toHaveLength(1);
  });

  it('never lets the key into logs, object names or child arguments', async () => {
    const publisher = [...publishers][0] as ChildProcess;
    const children = descendants(agent.child.pid as number);
    expect(children.length).toBeGreaterThanOrEqual(3); // nginx master + worker + ladder
    for (const pid of children) {
      for (const key of [KEY, KEY2, WRONG_KEY]) expect(cmdline(pid)).not.toContain(key);
    }
    const errorLogs = nginxErrorLogs();
    expect(errorLogs).toHaveLength(1);
    for (const key of [KEY, KEY2, WRONG_KEY]) {
      expect(agent.output.join('\n')).not.toContain(key);
      for (const log of errorLogs) expect(log).not.toContain(key);
      for (const name of stored) expect(name).not.toContain(key);
    }
    expect(violations).toEqual([]);
    expect(playlistPuts.length).toBeGreaterThan(5);
    expect(publisher.exitCode).toBeNull();
  });

  it('drains on SIGTERM: done with reason drain, no process left behind', async () => {
    const publisher = [...publishers][0] as ChildProcess;
    const children = descendants(agent.child.pid as number);
    agent.child.kill('SIGTERM');
    const code = await exitOf(agent.child);
    expect(code).toBe(0);
    expect(
      cp.calls.find((c) => c.route === 'done' && c.streamId === STREAM2 && c.body.reason === 'drain'),
    ).toBeDefined();
    await until('children gone', () => children.every((pid) => cmdline(pid) === ''), 10_000);
    await exitOf(publisher);
    expect(violations).toEqual([]);
    expect(agent.output.join('\n')).not.toContain(KEY2);
  });
});

describe('live-ingest agent killed with SIGKILL', () => {
  it('leaves no nginx or ffmpeg behind (parent-death signals)', async () => {
    agent = await startAgentProcess({
      LIVE_INGEST_API_URL: cp.url,
      LIVE_INGEST_API_KEY: API_KEY,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'eu-frankfurt-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      MEDIA_BUCKET: BUCKET,
      WORKER_ID: 'live-test-2',
      LIVE_RTMP_PORT: '0',
      LIVE_RTMPS_PORT: '0',
      LIVE_WHIP_PORT: '0',
      LIVE_LADDER_PRESET: 'ultrafast',
      WORK_DIR: join(s3Dir, 'work2'),
    });
    publish(KEY2);
    await until('session 2 of stream 2', () => stored.has(`videos/${ASSET2}/live/s2/720p/seg-000001.m4s`));
    const children = descendants(agent.child.pid as number);
    expect(children.length).toBeGreaterThanOrEqual(3);
    agent.child.kill('SIGKILL');
    await exitOf(agent.child);
    await until('nginx and the ladder gone', () => children.every((pid) => cmdline(pid) === ''), 20_000);
    expect(violations).toEqual([]);
  });
});

describe('live-ingest agent started again on the WORK_DIR of the killed one', () => {
  it('removes the killed agent’s folder at start', async () => {
    const work = join(s3Dir, 'work2');
    const leftovers = readdirSync(work).filter((n) => n.startsWith('agent-'));
    expect(leftovers).toHaveLength(1);
    cp.addStream(KEY3, { streamId: STREAM3, assetId: ASSET3 });
    cp.addStream(KEY4, { streamId: STREAM4, assetId: ASSET4 });
    agent = await startAgentProcess({
      LIVE_INGEST_API_URL: cp.url,
      LIVE_INGEST_API_KEY: API_KEY,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'eu-frankfurt-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      MEDIA_BUCKET: BUCKET,
      WORKER_ID: 'live-test-3',
      LIVE_RTMP_PORT: '0',
      LIVE_RTMPS_PORT: '0',
      LIVE_WHIP_PORT: '0',
      LIVE_LADDER_PRESET: 'ultrafast',
      WORK_DIR: work,
    });
    const now = readdirSync(work).filter((n) => n.startsWith('agent-'));
    expect(now).toHaveLength(1);
    expect(now).not.toContain(leftovers[0]);
    expect(agent.output.join('\n')).toContain('leftover work folder removed');
  }, 120_000);

  it('a session shorter than one update interval reports its stored segments in done', async () => {
    const publisher = publish(KEY4, 2);
    const done = await until('done for stream 4', () =>
      cp.calls.find((c) => c.route === 'done' && c.streamId === STREAM4),
    );
    await exitOf(publisher);
    const storedSegments = [...stored].filter((k) =>
      k.startsWith(`videos/${ASSET4}/live/s1/720p/seg-`),
    ).length;
    expect(storedSegments).toBeGreaterThan(0);
    expect(done.body.segments).toBe(storedSegments);
    expect(cp.streams.get(STREAM4)?.segments).toBe(storedSegments);
    for (const name of stored) expect(name).not.toContain(KEY4);
    expect(agent.output.join('\n')).not.toContain(KEY4);
  });

  it('ends the publish (publisher cut, done error) when heartbeats time out for 3 update intervals', async () => {
    const publisher = publish(KEY3);
    await until('an accepted heartbeat with segments', () =>
      cp.calls.find(
        (c) =>
          c.route === 'update' && c.streamId === STREAM3 && c.status === 200 && Number(c.body.segments) > 0,
      ),
    );
    cp.updates = 'hang';
    const lastAccepted = Math.max(
      ...cp.calls
        .filter((c) => c.route === 'update' && c.streamId === STREAM3 && c.status === 200)
        .map((c) => c.at),
    );
    try {
      await exitOf(publisher);
      // The lease (3 x 2 s from the last accepted heartbeat), plus the publisher noticing.
      expect(Date.now() - lastAccepted).toBeLessThan(6_000 + 4_000);
      expect(Date.now() - lastAccepted).toBeGreaterThanOrEqual(5_500);
      const done = await until('done error', () =>
        cp.calls.find((c) => c.route === 'done' && c.streamId === STREAM3 && c.body.reason === 'error'),
      );
      expect(done.body.session).toBe(1);
      expect(agent.output.join('\n')).toMatch(/lease lost.*"streamId":"01JLIVESTREAM0000000000003"/);
      await until('ladder gone', () => ladderPids().length === 0);
      // Refused (503) heartbeats from the start of a session end it the same way.
      cp.updates = 'unavailable';
      const second = publish(KEY3);
      await until('session 2 segments', () => stored.has(`videos/${ASSET3}/live/s2/720p/seg-000001.m4s`));
      await exitOf(second);
      await until('done error of session 2', () =>
        cp.calls.find(
          (c) =>
            c.route === 'done' && c.streamId === STREAM3 && c.body.reason === 'error' && c.body.session === 2,
        ),
      );
      expect(cp.calls.some((c) => c.route === 'update' && c.streamId === STREAM3 && c.status === 503)).toBe(
        true,
      );
    } finally {
      cp.updates = 'ok';
    }
    expect(agent.output.join('\n')).not.toContain(KEY3);
    expect(violations).toEqual([]);
  }, 150_000);
});

function nginxErrorLogs(): string[] {
  const logs: string[] = [];
  for (const agentDir of readdirSync(join(s3Dir, 'work'))) {
    logs.push(readFileSync(join(s3Dir, 'work', agentDir, 'nginx', 'error.log'), 'utf8'));
  }
  return logs;
}
