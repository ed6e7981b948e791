import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { type PackageDeps, packageAttempt } from '#functions/vod-package/package-attempt.ts';
import { verifyRenditions } from '#functions/vod-package/verify-renditions.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { noCdnPurger } from '#shared/cdn/cdn.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import type { QueueMessage } from '#shared/queue/work-queue.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { initSections, parseMediaPlaylist } from '#shared/video/hls-playlist.ts';
import { completionManifestKey } from '#shared/video/media-layout.ts';
import type { LiveRecordingJob } from '#shared/video/transcode-job.ts';
import { transcodeManifestSchema } from '#shared/video/transcode-manifest.ts';
import { findVideo, insertLiveVideo, recordLiveRecordingQueued } from '#shared/video/video-repository.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { loadTranscoderConfig } from '../../../../workers/transcoder/config.ts';
import { JobRunner } from '../../../../workers/transcoder/job-runner.ts';
import { createMediaPipeline, permanentRefusal } from '../../../../workers/transcoder/produce.ts';

const run = promisify(execFile);
const REGION = 'local-1';
const RAW = 'raw-video';
const MEDIA = 'media';
/** The live ladder's shape at test sizes: one encoder, split, 1 s GOP, no scene cut. */
const LADDER = [
  { name: '180p', width: 320, height: 180 },
  { name: '144p', width: 256, height: 144 },
  { name: '90p', width: 160, height: 90 },
] as const;
const SESSION_SECONDS = 6;

/**
 * Writes one publish session as the ingest agent stores it: 1 s fMP4 segments per rendition with
 * audio muxed in, `init.mp4` + `seg-000001.m4s`… `profile` changes the encoder's SPS, so a session
 * with another profile has a different init segment (a restarted encoder with other settings).
 */
async function recordSession(dir: string, profile: 'high' | 'main', tone: number | null): Promise<string> {
  await mkdir(dir, { recursive: true });
  const graph = `[0:v]split=3[a][b][c];[a]scale=320:180[v0];[b]scale=256:144[v1];[c]scale=160:90[v2]`;
  await run(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${SESSION_SECONDS}`],
      ...(tone === null ? [] : ['-f', 'lavfi', '-i', `sine=frequency=${tone}:duration=${SESSION_SECONDS}`]),
      ...['-filter_complex', graph],
      ...LADDER.flatMap((_, i) => ['-map', `[v${i}]`, ...(tone === null ? [] : ['-map', '1:a'])]),
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', profile],
      ...['-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '64k'],
      ...['-f', 'hls', '-hls_time', '1', '-hls_segment_type', 'fmp4', '-hls_playlist_type', 'event'],
      ...['-hls_fmp4_init_filename', 'init.mp4', '-start_number', '1'],
      ...['-hls_segment_filename', '%v/seg-%06d.m4s'],
      ...[
        '-var_stream_map',
        LADDER.map((r, i) => `v:${i}${tone === null ? '' : `,a:${i}`},name:${r.name}`).join(' '),
      ],
      '%v/index.m3u8',
    ],
    { cwd: dir },
  );
  return dir;
}

/** Uploads a recorded session under `videos/<assetId>/live/s<k>/` as the agent names it. */
async function uploadSession(
  store: ObjectStore,
  assetId: string,
  session: number,
  dir: string,
): Promise<number> {
  let segments = 0;
  for (const rendition of LADDER) {
    const names = await readdir(join(dir, rendition.name));
    const prefix = `videos/${assetId}/live/s${session}/${rendition.name}/`;
    for (const name of names) {
      if (name.endsWith('.m3u8')) continue;
      const key = name.startsWith('init') ? 'init.mp4' : name;
      await store.put(MEDIA, `${prefix}${key}`, await readFile(join(dir, rendition.name, name)));
      if (rendition === LADDER[0] && key !== 'init.mp4') segments += 1;
    }
  }
  return segments;
}

async function probeSeconds(path: string): Promise<{ seconds: number; profile: string }> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0'],
    ...['-show_entries', 'format=duration:stream=profile', '-of', 'json', path],
  ]);
  const parsed = JSON.parse(stdout) as { format: { duration: string }; streams: { profile: string }[] };
  return { seconds: Number(parsed.format.duration), profile: parsed.streams[0]?.profile ?? '' };
}

describe('Live to VOD: JobRunner with a live-recording job (with vod-package)', () => {
  let db: TestDatabase;
  let pool: DbPool;
  let s3: S3TestServer;
  let store: ObjectStore;
  let queue: MySqlWorkQueue;
  let workRoot: string;
  let scratch: string;
  let orgId: string;
  let packaging: PackageDeps;
  let sessions: { high1: string; high2: string; main: string; silent: string };

  function runner(): JobRunner {
    const config = loadTranscoderConfig({
      MYSQL_URL: db.url,
      S3_ENDPOINT: s3.server.endpoint,
      S3_REGION: REGION,
      S3_ACCESS_KEY_ID: 'LIVEKEY',
      S3_SECRET_ACCESS_KEY: 'live-secret',
      RAW_VIDEO_BUCKET: RAW,
      MEDIA_BUCKET: MEDIA,
    });
    return new JobRunner(
      {
        pool,
        queue,
        store,
        media: createMediaPipeline(config),
        mediaBucket: MEDIA,
        rawBucket: RAW,
        workerId: 'live-test-worker',
        workRoot,
        permanentRefusal,
        log: () => {},
      },
      { leaseSeconds: 60, stallSeconds: 120, heartbeatSeconds: 2, maxAttempts: 3, retryBaseSeconds: 0 },
    );
  }

  /** A finalised live stream's asset, queued with its recording job as the watchdog leaves it. */
  async function finalised(sessionCount: number): Promise<{ assetId: string; streamId: string }> {
    const assetId = newId();
    const streamId = newId();
    await insertLiveVideo(pool, { id: assetId, orgId, title: 'show' });
    const job: LiveRecordingJob = {
      version: 1,
      kind: 'live-recording',
      assetId,
      streamId,
      sessions: sessionCount,
      enqueuedAt: new Date().toISOString(),
    };
    const [messageId] = await queue.put([JSON.stringify(job)]);
    const connection = await pool.getConnection();
    try {
      expect(await recordLiveRecordingQueued(connection, assetId, String(messageId))).toBe(true);
    } finally {
      connection.release();
    }
    return { assetId, streamId };
  }

  async function lease(): Promise<QueueMessage> {
    const [message] = await queue.receive({ visibilitySeconds: 60, limit: 1 });
    if (!message) throw new Error('no job on the queue');
    return message;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_recording');
    pool = createPool(db.url);
    s3 = await startS3TestServer({
      tempPrefix: 'fc-live-recording-',
      accessKeyId: 'LIVEKEY',
      secretAccessKey: 'live-secret',
      region: REGION,
      buckets: [RAW, MEDIA],
    });
    store = createS3ObjectStore({
      endpoint: s3.server.endpoint,
      region: REGION,
      accessKeyId: 'LIVEKEY',
      secretAccessKey: 'live-secret',
    });
    queue = new MySqlWorkQueue({ pool, name: QUEUES.transcode, maxDeliveries: 3 });
    workRoot = await mkdtemp(join(tmpdir(), 'fc-live-work-'));
    scratch = await mkdtemp(join(tmpdir(), 'fc-live-src-'));
    orgId = newId();
    await insertOrganisation(pool, { id: orgId, name: 'live studio', kind: 'creator' });
    packaging = { pool, store, cdn: noCdnPurger, bucket: MEDIA, log: () => {} };
    const [high1, high2, main, silent] = await Promise.all([
      recordSession(join(scratch, 'high1'), 'high', 440),
      recordSession(join(scratch, 'high2'), 'high', 550),
      recordSession(join(scratch, 'main'), 'main', 660),
      recordSession(join(scratch, 'silent'), 'high', null),
    ]);
    sessions = { high1, high2, main, silent } as typeof sessions;
  }, 180_000);

  beforeEach(async () => {
    await pool.query('DELETE FROM queue_messages');
  });

  afterAll(async () => {
    await pool?.end();
    await s3?.stop();
    await db?.drop();
    await rm(workRoot, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('remuxes every session into 4 s VOD segments, joins a changed encoder with a discontinuity, and vod-package makes it ready once', async () => {
    // Prepare: session 1 and 3 from identical encoders, session 2 stored nothing, session 4 another profile
    const { assetId } = await finalised(4);
    const recorded =
      (await uploadSession(store, assetId, 1, sessions.high1)) +
      (await uploadSession(store, assetId, 3, sessions.high2)) +
      (await uploadSession(store, assetId, 4, sessions.main));
    expect(recorded).toBe(3 * SESSION_SECONDS);

    // Act
    const outcome = await runner().run(await lease());
    const packaged = await packageAttempt(packaging, { assetId, attempt: 1 });
    const again = await packageAttempt(packaging, { assetId, attempt: 1 });

    // Assess: published through today's vod-package path, once
    expect(outcome).toBe('published');
    expect(packaged.status).toBe('processed');
    expect(again.status).toBe('duplicate');
    const video = await findVideo(pool, assetId);
    expect(video?.status).toBe('ready');
    expect(video?.mediaPrefix).toBe(`videos/${assetId}/v1/`);
    expect(video?.renditions?.map((r) => r.name)).toEqual(LADDER.map((r) => r.name));
    expect(await queue.stats()).toMatchObject({ visible: 0, inFlight: 0 });

    // Assess: the manifest is what vod-package verifies; re-verify it directly too
    const manifestBody = await (await store.get(MEDIA, completionManifestKey(assetId, 1))).body.toArray();
    const manifest = transcodeManifestSchema.parse(JSON.parse(Buffer.concat(manifestBody).toString('utf8')));
    expect(manifest.mode).toBe('ladder');
    expect(manifest.segmentSeconds).toBe(4);
    expect(manifest.source.durationSeconds).toBeGreaterThan(3 * SESSION_SECONDS - 0.5);
    expect(manifest.source.durationSeconds).toBeLessThan(3 * SESSION_SECONDS + 0.5);
    expect(manifest.thumbnails.keys.length).toBeGreaterThan(0);
    const figures = await verifyRenditions({
      store,
      bucket: MEDIA,
      attemptPrefix: `videos/${assetId}/v1/`,
      manifest,
    });
    expect(figures.map((f) => f.segmentCount)).toEqual(LADDER.map(() => figures[0]?.segmentCount));

    // Assess: each file stored once (the remux stores segments, inits and stills as it makes them,
    // the runner only what is left), and nothing besides the manifest's files, the manifest and
    // vod-package's master playlist
    const attemptFolder = `videos/${assetId}/v1/`;
    const stored = (await store.list(MEDIA, attemptFolder)).map((head) =>
      head.key.slice(attemptFolder.length),
    );
    expect(stored.sort()).toEqual(
      [...manifest.files.map((file) => file.key), 'transcode.json', 'master.m3u8'].sort(),
    );
    const writes = s3.events.filter((event) => event.data.resourceName.startsWith(attemptFolder));
    expect(writes).toHaveLength(stored.length);

    // Assess: per rendition, sessions 1+3 are one run (same init), session 4 a second one
    const check = await mkdtemp(join(tmpdir(), 'fc-live-check-'));
    try {
      for (const rendition of LADDER) {
        const prefix = `videos/${assetId}/v1/${rendition.name}/`;
        const text = Buffer.concat(await (await store.get(MEDIA, `${prefix}index.m3u8`)).body.toArray());
        const playlist = parseMediaPlaylist(text);
        expect(playlist.endList).toBe(true);
        const maps = initSections(playlist);
        expect(maps.map((map) => map.uri)).toEqual(['init.mp4', 'init-2.mp4']);
        expect(playlist.segments.filter((segment) => segment.discontinuity)).toHaveLength(1);
        // 4 s cuts on the 1 s GOP: only each run's last segment may be shorter
        expect(Math.max(...playlist.segments.map((s) => s.duration))).toBeLessThan(4.2);
        expect(playlist.segments[0]?.duration).toBeGreaterThan(3.9);

        // ffprobe each run as a player would fetch it (init + its segments): durations add up
        let total = 0;
        const profiles: string[] = [];
        for (const [index, map] of maps.entries()) {
          const end = maps[index + 1]?.firstSegment ?? playlist.segments.length;
          const parts = [map.uri, ...playlist.segments.slice(map.firstSegment, end).map((s) => s.uri)];
          const bytes = await Promise.all(
            parts.map(async (uri) =>
              Buffer.concat(await (await store.get(MEDIA, `${prefix}${uri}`)).body.toArray()),
            ),
          );
          const file = join(check, `${rendition.name}-${index}.mp4`);
          await writeFile(file, Buffer.concat(bytes));
          const probed = await probeSeconds(file);
          total += probed.seconds;
          profiles.push(probed.profile);
        }
        expect(profiles).toEqual(['High', 'Main']);
        expect(Math.abs(total - 3 * SESSION_SECONDS)).toBeLessThan(0.5);
      }
    } finally {
      await rm(check, { recursive: true, force: true });
    }
  }, 240_000);

  it('skips a segment one rendition never stored: every rendition drops it and keeps the rest', async () => {
    // Prepare: one session whose 144p upload of segment 3 failed
    const { assetId } = await finalised(1);
    await uploadSession(store, assetId, 1, sessions.high1);
    await store.delete(MEDIA, `videos/${assetId}/live/s1/144p/seg-000003.m4s`);

    // Act
    const outcome = await runner().run(await lease());
    const packaged = await packageAttempt(packaging, { assetId, attempt: 1 });

    // Assess: published, one second shorter, no discontinuity (the pieces are joined end to end)
    expect(outcome).toBe('published');
    expect(packaged.status).toBe('processed');
    const manifestBody = await (await store.get(MEDIA, completionManifestKey(assetId, 1))).body.toArray();
    const manifest = transcodeManifestSchema.parse(JSON.parse(Buffer.concat(manifestBody).toString('utf8')));
    expect(Math.abs(manifest.source.durationSeconds - (SESSION_SECONDS - 1))).toBeLessThan(0.3);
    for (const rendition of LADDER) {
      const text = Buffer.concat(
        await (await store.get(MEDIA, `videos/${assetId}/v1/${rendition.name}/index.m3u8`)).body.toArray(),
      );
      const playlist = parseMediaPlaylist(text);
      expect(initSections(playlist)).toHaveLength(1);
      expect(playlist.segments.some((segment) => segment.discontinuity)).toBe(false);
    }
  }, 120_000);

  it('keeps a session the publisher sent without audio, as a run of its own', async () => {
    // Prepare: a session with sound, then a reconnect without a microphone
    const { assetId } = await finalised(2);
    await uploadSession(store, assetId, 1, sessions.high1);
    await uploadSession(store, assetId, 2, sessions.silent);

    // Act
    const outcome = await runner().run(await lease());
    const packaged = await packageAttempt(packaging, { assetId, attempt: 1 });

    // Assess
    expect(outcome).toBe('published');
    expect(packaged.status).toBe('processed');
    const video = await findVideo(pool, assetId);
    expect(video?.status).toBe('ready');
    expect(video?.renditions?.[0]?.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    const text = Buffer.concat(
      await (await store.get(MEDIA, `videos/${assetId}/v1/180p/index.m3u8`)).body.toArray(),
    );
    expect(initSections(parseMediaPlaylist(text)).map((map) => map.uri)).toEqual(['init.mp4', 'init-2.mp4']);
  }, 120_000);

  it('fails the asset with no_recording when no session stored a segment', async () => {
    // Prepare: a stream that ended before any segment was uploaded (only an init segment)
    const { assetId } = await finalised(2);
    await store.put(MEDIA, `videos/${assetId}/live/s1/180p/init.mp4`, Buffer.from('init'));

    // Act
    const outcome = await runner().run(await lease());

    // Assess
    expect(outcome).toBe('refused');
    const video = await findVideo(pool, assetId);
    expect(video?.status).toBe('failed');
    expect(video?.failure?.code).toBe('no_recording');
  }, 60_000);
});
