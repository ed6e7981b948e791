import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { descendants } from '#test/support/live.ts';
import { spawnChild } from '../../../../infra/local/child-processes.ts';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';
import {
  type ControlPlaneStandIn,
  type RunningAgent,
  startAgentProcess,
  startControlPlaneStandIn,
} from '../../../../workers/live-ingest/dev/stand-in.ts';
import { startWhipPublisher, WhipRefusedError } from '../../../../workers/live-ingest/whip/whip-publisher.ts';

/**
 * WHIP through the agent process: the same key gate as RTMP (401 for a wrong key, nothing written),
 * the WHIP helper's receiver feeding the agent's ladder, segments and playlists in storage, done on
 * DELETE, and no key in the agent's output or its children's arguments.
 */
const KEY = `fcsk_${'V'.repeat(20)}whipKeyNeverLogged${'w'.repeat(5)}`;
const API_KEY = 'fcak_test_live_ingest_whip';
const STREAM = '01JLIVEWHIPSTREAM000000001';
const ASSET = '01JLIVEWHIPASSET0000000001';

let dir: string;
let s3: RunningS3Server;
let cp: ControlPlaneStandIn;
let agent: RunningAgent;
const stored: string[] = [];

const until = async <T>(what: string, check: () => T | undefined | false, timeoutMs = 90_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${agent?.output.join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-live-ingest-whip-'));
  await chmod(dir, 0o711); // the agent's children run as nobody below it
  s3 = await startS3Server({
    dataDir: join(dir, 'data'),
    namespace: 'forgecast-ns',
    port: 0,
    accessKeyId: 'LIVEWHIPTEST',
    secretAccessKey: 'live-whip-test-secret',
    region: 'eu-frankfurt-1',
    buckets: ['media'],
    onObjectEvent: (event) => {
      stored.push(event.data.resourceName);
    },
  });
  cp = await startControlPlaneStandIn({ apiKey: API_KEY, updateIntervalSeconds: 2 });
  cp.addStream(KEY, { streamId: STREAM, assetId: ASSET });
  agent = await startAgentProcess({
    LIVE_INGEST_API_URL: cp.url,
    LIVE_INGEST_API_KEY: API_KEY,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: 'eu-frankfurt-1',
    S3_ACCESS_KEY_ID: 'LIVEWHIPTEST',
    S3_SECRET_ACCESS_KEY: 'live-whip-test-secret',
    MEDIA_BUCKET: 'media',
    WORKER_ID: 'live-whip-test',
    LIVE_RTMP_PORT: '0',
    LIVE_RTMPS_PORT: '0',
    LIVE_WHIP_PORT: '0',
    LIVE_LADDER_PRESET: 'ultrafast',
    WORK_DIR: join(dir, 'work'),
  });
}, 120_000);

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGTERM');
    await new Promise((r) => agent.child.once('exit', r));
  }
  await cp?.close();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('live-ingest agent over WHIP', () => {
  it('refuses a wrong key with 401 before any media and writes nothing', async () => {
    const started = Date.now();
    const error = await startWhipPublisher({
      url: agent.ready.whip,
      streamKey: `${KEY}x`,
      width: 640,
      height: 360,
      spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore' }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WhipRefusedError);
    expect((error as WhipRefusedError).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1_000 + 2_000); // ICE gathering of the publisher is on top
    expect(stored).toEqual([]);
  });

  it('feeds the agent ladder: segments, playlists, heartbeat, done on DELETE', async () => {
    const publisher = await startWhipPublisher({
      url: agent.ready.whip,
      streamKey: KEY,
      width: 1280,
      height: 720,
      spawn: (command, args) => spawnChild(command, args, { stdio: 'ignore' }),
    });
    try {
      await until('720p playlist', () => stored.includes(`videos/${ASSET}/live/720p/index.m3u8`));
      await until('master playlist', () => stored.includes(`videos/${ASSET}/live/master.m3u8`));
      expect(stored).toContain(`videos/${ASSET}/live/s1/360p/init.mp4`);
      await until('a heartbeat with segments', () =>
        cp.calls.find((c) => c.route === 'update' && Number(c.body.segments) > 0),
      );
      expect(cp.calls.find((c) => c.route === 'authorize')?.body.protocol).toBe('whip');
      for (const pid of descendants(agent.child.pid as number)) {
        let cmd = '';
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {}
        expect(cmd).not.toContain(KEY);
      }
      expect((await publisher.delete()).status).toBe(204);
      await until('done publisher-left', () =>
        cp.calls.find((c) => c.route === 'done' && c.body.reason === 'publisher-left'),
      );
    } finally {
      await publisher.close();
    }
    expect(agent.output.join('\n')).not.toContain(KEY);
    expect(stored.some((name) => name.includes(KEY))).toBe(false);
  });
});
