import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { QUEUES } from '#events/queues.ts';
import { type PackageDeps, packageAttempt } from '#functions/vod-package/package-attempt.ts';
import { noCdnPurger } from '#shared/cdn/cdn.ts';
import { newId } from '#shared/ids.ts';
import {
  claimPublishSession,
  createLiveStream,
  findStreamForKey,
  type LiveDeps,
  type LiveStream,
  recordAgentUpdate,
  recordPublisherDone,
  requestEnd,
} from '#shared/live/live-stream-repository.ts';
import { MySqlWorkQueue } from '#shared/queue/mysql-queue.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { parseMasterPlaylist } from '#shared/video/hls-playlist.ts';
import { attemptPrefix, completionManifestKey } from '#shared/video/media-layout.ts';
import type { TranscodeManifest } from '#shared/video/transcode-manifest.ts';
import { claimLiveAttempt, recordPackaging } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';

const run = promisify(execFile);
const REGION = 'local-1';
const CREDENTIALS = { accessKeyId: 'LIVEREADY', secretAccessKey: 'live-recording-ready-secret' };
const BUCKET = 'media';
const SECONDS = 4;
const FRAME_RATE = 30;
const RUNGS = [
  { name: '180p', width: 320, height: 180, videoBitrate: 400_000 },
  { name: '90p', width: 160, height: 90, videoBitrate: 120_000 },
] as const;

/**
 * vod-package publishing a live stream's recording: the asset becomes ready as any upload does,
 * and `live.recording_ready` is written once, in the same transaction. The recording is a real
 * ffmpeg ladder in the local S3 server; the stream went through the live repository's real steps.
 */
describe('Function: vod-package (a live stream’s recording)', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let store: ObjectStore;
  let workDir: string;
  let outputs: Map<string, Buffer>;
  let codecs: Map<string, string>;
  let deps: LiveDeps;
  let orgId: string;

  async function eventsOf(aggregateType: string, id: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT event_type, payload FROM outbox WHERE aggregate_type = ? AND aggregate_id = ? ORDER BY seq',
      [aggregateType, id],
    );
    return rows.map((r) => ({ type: String(r.event_type), payload: JSON.parse(String(r.payload)) }));
  }

  /** A show's stream that recorded 9 s over one session and was ended by its creator. */
  async function endedStream(): Promise<{ stream: LiveStream; showId: string }> {
    const showId = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency)
       VALUES (?, ?, 'Live night', '2031-05-01 19:30:00', 100, 1500, 'eur')`,
      [showId, orgId],
    );
    const created = await createLiveStream(db.pool, {
      orgId,
      title: 'Live night',
      showId,
      reconnectWindowSeconds: 60,
      maxDurationSeconds: 3600,
    });
    if (created.outcome !== 'created') throw new Error(created.outcome);
    const key = created.key.plaintext;
    const claim = await claimPublishSession(deps, (await findStreamForKey(db.pool, key)) as LiveStream, key, {
      workerId: 'agent-1',
      protocol: 'rtmp',
    });
    if (!claim.ok) throw new Error(claim.code);
    const report = { session: claim.session, workerId: 'agent-1', recordedSeconds: 9, segments: 9 };
    await recordAgentUpdate(db.pool, created.stream.id, report);
    await recordPublisherDone(deps, created.stream.id, report);
    await requestEnd(deps, orgId, created.stream.id);
    return { stream: created.stream, showId };
  }

  /** What the transcoder does for the live-recording job: claim, upload the attempt, manifest last. */
  async function transcoded(assetId: string): Promise<void> {
    const claim = await claimLiveAttempt(db.pool, assetId, { workerId: 'transcoder-1', staleSeconds: 600 });
    expect(claim).toEqual({ outcome: 'claimed', attempt: 1 });
    const prefix = attemptPrefix(assetId, 1);
    for (const [key, body] of outputs) await store.put(BUCKET, `${prefix}${key}`, body);
    const manifest: TranscodeManifest = {
      version: 1,
      assetId,
      attempt: 1,
      mode: 'remux',
      workerId: 'transcoder-1',
      source: {
        etag: 'live',
        durationSeconds: SECONDS,
        width: 320,
        height: 180,
        frameRate: FRAME_RATE,
        videoCodec: 'h264',
        audioCodec: 'aac',
      },
      segmentSeconds: 2,
      renditions: RUNGS.map((rung) => ({
        name: rung.name,
        playlist: `${rung.name}/index.m3u8`,
        width: rung.width,
        height: rung.height,
        frameRate: FRAME_RATE,
        codecs: codecs.get(rung.name) ?? '',
        videoBitrate: rung.videoBitrate,
        audioBitrate: 64_000,
      })),
      poster: 'poster.jpg',
      thumbnails: { intervalSeconds: 2, keys: ['thumbs/0001.jpg'] },
      files: [...outputs].map(([key, body]) => ({ key, bytes: body.byteLength })),
      completedAt: new Date().toISOString(),
    };
    expect(
      await recordPackaging(db.pool, assetId, 1, {
        mode: 'remux',
        durationSeconds: SECONDS,
        width: 320,
        height: 180,
      }),
    ).toBe(true);
    await store.put(BUCKET, completionManifestKey(assetId, 1), Buffer.from(JSON.stringify(manifest)));
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_recording_ready');
    deps = {
      pool: db.pool,
      queue: new MySqlWorkQueue({ pool: db.pool, name: QUEUES.transcode }),
      updateIntervalSeconds: 5,
    };
    orgId = (await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' })).orgId;
    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-live-ready-',
      ...CREDENTIALS,
      region: REGION,
      buckets: [BUCKET],
    });
    store = createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...CREDENTIALS });
    workDir = await mkdtemp(join(tmpdir(), 'forgecast-live-ready-'));
    const split = `[0:v]split=2[a][b];[a]scale=320:180[v0];[b]scale=160:90[v1]`;
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-f', 'lavfi', '-i', `testsrc2=s=320x180:r=${FRAME_RATE}:d=${SECONDS}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:duration=${SECONDS}`],
      ...['-filter_complex', split, '-map', '[v0]', '-map', '[v1]', '-map', '1:a', '-map', '1:a'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(2 * FRAME_RATE), '-keyint_min', '60'],
      ...['-sc_threshold', '0', '-b:v:0', '400k', '-b:v:1', '120k', '-c:a', 'aac', '-b:a', '64k'],
      ...['-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4'],
      ...['-hls_flags', 'independent_segments', '-start_number', '1', '-hls_fmp4_init_filename', 'init.mp4'],
      ...[
        '-hls_segment_filename',
        join(workDir, '%v', 'seg-%05d.m4s'),
        '-master_pl_name',
        'ffmpeg-master.m3u8',
      ],
      ...['-var_stream_map', RUNGS.map((rung, index) => `v:${index},a:${index},name:${rung.name}`).join(' ')],
      join(workDir, '%v', 'index.m3u8'),
    ]);
    await run('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:d=1'],
      ...['-frames:v', '1', join(workDir, 'poster.jpg')],
    ]);
    const master = parseMasterPlaylist(await readFile(join(workDir, 'ffmpeg-master.m3u8')));
    codecs = new Map(
      master.variants.map((variant) => [variant.uri.split('/')[0] ?? '', variant.codecs ?? '']),
    );
    await rm(join(workDir, 'ffmpeg-master.m3u8'));
    outputs = new Map();
    for (const entry of await readdir(workDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      outputs.set(relative(workDir, path), await readFile(path));
    }
    outputs.set('thumbs/0001.jpg', outputs.get('poster.jpg') as Buffer);
  });
  afterAll(async () => {
    await s3?.stop();
    await db?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('publishes the recording and writes live.recording_ready once, in the transaction that makes it ready', async () => {
    // Prepare
    const { stream, showId } = await endedStream();
    await store.put(
      BUCKET,
      `videos/${stream.assetId}/live/s1/180p/seg-000001.m4s`,
      Buffer.from('live segment'),
    );
    await transcoded(stream.assetId);
    const packaging: PackageDeps = { pool: db.pool, store, cdn: noCdnPurger, bucket: BUCKET, log: () => {} };

    // Act: the event is delivered twice (at least once).
    const first = await packageAttempt(packaging, { assetId: stream.assetId, attempt: 1 });
    const second = await packageAttempt(packaging, { assetId: stream.assetId, attempt: 1 });

    // Assess
    expect(first).toMatchObject({ status: 'processed' });
    expect(second).toEqual({ status: 'duplicate' });
    const [assets] = await db.pool.query<RowDataPacket[]>(
      'SELECT status, origin, media_prefix FROM video_assets WHERE id = ?',
      [stream.assetId],
    );
    expect(assets[0]).toMatchObject({
      status: 'ready',
      origin: 'live',
      media_prefix: `videos/${stream.assetId}/v1/`,
    });
    const ready = (await eventsOf('live_stream', stream.id)).filter((e) => e.type === 'live.recording_ready');
    expect(ready).toEqual([
      {
        type: 'live.recording_ready',
        payload: {
          streamId: stream.id,
          assetId: stream.assetId,
          showId,
          attempt: 1,
          mediaPrefix: `videos/${stream.assetId}/v1/`,
          durationSeconds: SECONDS,
        },
      },
    ]);
    expect((await eventsOf('video', stream.assetId)).map((e) => e.type)).toEqual(['video.ready']);
    // Once the VOD is published the live segments are superseded and removed with the other attempts.
    expect(await store.list(BUCKET, `videos/${stream.assetId}/live/`)).toEqual([]);
  });

  it('writes no live event for an uploaded video', async () => {
    // Prepare: an upload's asset, transcoded the same way.
    const [before] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'live.recording_ready'",
    );
    const assetId = newId();
    await db.pool.query(
      `INSERT INTO video_assets (id, org_id, title, content_type, declared_bytes, status, source_key, source_etag, attempt, progress_at)
       VALUES (?, ?, 'upload', 'video/mp4', 10, 'packaging', ?, 'e', 1, NOW(3))`,
      [assetId, orgId, `uploads/${assetId}/source`],
    );
    const prefix = attemptPrefix(assetId, 1);
    for (const [key, body] of outputs) await store.put(BUCKET, `${prefix}${key}`, body);
    const manifest = {
      version: 1,
      assetId,
      attempt: 1,
      mode: 'ladder',
      workerId: 'transcoder-1',
      source: {
        etag: 'e',
        durationSeconds: SECONDS,
        width: 320,
        height: 180,
        frameRate: 30,
        videoCodec: 'h264',
        audioCodec: 'aac',
      },
      segmentSeconds: 2,
      renditions: RUNGS.map((rung) => ({
        name: rung.name,
        playlist: `${rung.name}/index.m3u8`,
        width: rung.width,
        height: rung.height,
        frameRate: FRAME_RATE,
        codecs: codecs.get(rung.name) ?? '',
        videoBitrate: rung.videoBitrate,
        audioBitrate: 64_000,
      })),
      poster: 'poster.jpg',
      thumbnails: { intervalSeconds: 2, keys: ['thumbs/0001.jpg'] },
      files: [...outputs].map(([key, body]) => ({ key, bytes: body.byteLength })),
      completedAt: new Date().toISOString(),
    };
    await store.put(BUCKET, completionManifestKey(assetId, 1), Buffer.from(JSON.stringify(manifest)));

    // Act
    const outcome = await packageAttempt(
      { pool: db.pool, store, cdn: noCdnPurger, bucket: BUCKET, log: () => {} },
      { assetId, attempt: 1 },
    );

    // Assess
    expect(outcome).toMatchObject({ status: 'processed' });
    const [after] = await db.pool.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'live.recording_ready'",
    );
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
  });
});
