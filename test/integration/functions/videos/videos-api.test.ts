import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '#events/buckets.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { videosManifest } from '#functions/videos/manifest.ts';
import { insertApiKey } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { parseEdgeTokenKeys } from '#shared/cdn/cdn-from-config.ts';
import { verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { MAX_VIDEO_BYTES, type PublishedRendition } from '#shared/video/video.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';

const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'VIDEOSAPITEST', secretAccessKey: 'videos-api-test-secret' };
/** With a trailing slash, to show it does not double up in the playback URLs. */
const EDGE_BASE_URL = 'https://media.forgecast.test/';
const SIGNING_KEY_HEX = randomBytes(32).toString('hex');
const RETIRING_KEY_HEX = randomBytes(32).toString('hex');
const PLAYBACK_TTL_SECONDS = 900;
const UPLOAD_TTL_SECONDS = 600;

interface VideoView {
  id: string;
  title: string;
  status: string;
  progressPercent: number | null;
  attempt: number;
  failure: { code: string; reason: string } | null;
  contentType: string;
  declaredBytes: number;
  renditions: Array<Record<string, unknown>>;
  poster: { url: string; expiresAt: string } | null;
  playback: { url: string; expiresAt: string } | null;
  upload?: { url: string; method: string; headers: Record<string, string>; expiresAt: string };
}

interface VideoPage {
  items: VideoView[];
  nextCursor: string | null;
}

interface Problem {
  type: string;
  status: number;
  detail?: string;
  errors?: Array<{ pointer: string; detail: string }>;
}

/** The videos function and the authorizer behind the real gateway, on MariaDB and the local S3 server. */
describe('Function: videos', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let store: ObjectStore;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: { orgId: string; key: string };
  let viewer: { orgId: string; key: string };
  let designer: { orgId: string; key: string };
  let stranger: { orgId: string; key: string };

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  const create = (key: string, body: unknown) =>
    call('/videos', key, { method: 'POST', body: JSON.stringify(body) });

  async function created(body = { title: 'Benchy timelapse', contentType: 'video/mp4', sizeBytes: 4096 }) {
    const response = await create(creator.key, body);
    expect(response.status).toBe(201);
    return (await response.json()) as VideoView;
  }

  async function countVideos(orgId: string): Promise<number> {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM video_assets WHERE org_id = ?',
      [orgId],
    );
    return Number(rows[0]?.n);
  }

  /** Rows written directly, their ids a second apart: oldest first, so newest first is the reverse. */
  async function insertedVideos(orgId: string, count: number): Promise<string[]> {
    const now = Date.now();
    const ids = Array.from({ length: count }, (_, index) => newId(now - (count - index) * 1000));
    for (const [index, id] of ids.entries()) {
      await insertVideo(db.pool, {
        id,
        orgId,
        title: `clip ${index + 1}`,
        contentType: 'video/mp4',
        declaredBytes: 1000 + index,
      });
    }
    return ids;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'videos_api');
    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-videos-api-',
      ...S3_CREDENTIALS,
      region: REGION,
      buckets: [BUCKETS.rawVideo],
    });
    store = createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...S3_CREDENTIALS });
    creator = await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' });
    viewer = { orgId: creator.orgId, key: await extraKey(creator.orgId, ['videos:read']) };
    designer = await createOrgWithKey(db.pool, ['designs:read', 'designs:write'], { kind: 'designer' });
    stranger = await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' });
    runner = new FnRunner([
      bundledFunction('videos', {
        MYSQL_URL: db.url,
        S3_ENDPOINT: s3.server.endpoint,
        S3_REGION: REGION,
        S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
        S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
        RAW_VIDEO_BUCKET: BUCKETS.rawVideo,
        EDGE_BASE_URL,
        EDGE_TOKEN_KEYS: `${SIGNING_KEY_HEX},${RETIRING_KEY_HEX}`,
        UPLOAD_URL_TTL_SECONDS: String(UPLOAD_TTL_SECONDS),
        PLAYBACK_URL_TTL_SECONDS: String(PLAYBACK_TTL_SECONDS),
      }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: videosManifest.routes.map((route) => ({ ...route, functionName: videosManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await s3?.stop();
    await db?.drop();
  });

  /** A further key of an existing organisation. */
  async function extraKey(orgId: string, scopes: string[]): Promise<string> {
    const issued = issueApiKey();
    await insertApiKey(db.pool, {
      keyId: issued.keyId,
      orgId,
      name: scopes.join(' '),
      secretHash: issued.secretHash,
      scopes,
    });
    return issued.plaintext;
  }

  describe('Method: create', () => {
    it('creates an asset awaiting upload and presigns a PUT of exactly the declared bytes', async () => {
      // Prepare
      const file = randomBytes(4096);
      const before = Date.now();

      // Act
      const response = await create(creator.key, {
        title: '  Benchy timelapse  ',
        contentType: 'video/mp4',
        sizeBytes: file.length,
      });

      // Assess
      expect(response.status).toBe(201);
      const video = (await response.json()) as VideoView;
      expect(response.headers.get('location')).toBe(`/v1/videos/${video.id}`);
      expect(video).toMatchObject({
        title: 'Benchy timelapse',
        status: 'awaiting_upload',
        progressPercent: null,
        attempt: 0,
        failure: null,
        contentType: 'video/mp4',
        declaredBytes: 4096,
        renditions: [],
        poster: null,
        playback: null,
      });
      const upload = video.upload;
      expect(upload?.method).toBe('PUT');
      expect(upload?.headers).toEqual({ 'content-type': 'video/mp4', 'content-length': '4096' });
      const url = new URL(upload?.url ?? '');
      expect(url.origin).toBe(s3.server.endpoint);
      expect(url.pathname).toBe(`/${BUCKETS.rawVideo}/uploads/${video.id}/source`);
      const expiresAt = Date.parse(upload?.expiresAt ?? '');
      expect(expiresAt).toBeGreaterThanOrEqual(before + UPLOAD_TTL_SECONDS * 1000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + UPLOAD_TTL_SECONDS * 1000);
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT org_id, status, declared_bytes, source_key FROM video_assets WHERE id = ?',
        [video.id],
      );
      expect(rows[0]).toMatchObject({
        org_id: creator.orgId,
        status: 'awaiting_upload',
        source_key: `uploads/${video.id}/source`,
      });
      expect(Number(rows[0]?.declared_bytes)).toBe(4096);
    });

    it('lets the upload URL store the declared bytes and refuses any other length or type', async () => {
      // Prepare
      const video = await created({ title: 'Upload check', contentType: 'video/quicktime', sizeBytes: 2048 });
      const upload = video.upload as NonNullable<VideoView['upload']>;
      const key = `uploads/${video.id}/source`;
      const file = randomBytes(2048);

      // Act
      const shorter = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'content-type': 'video/quicktime' },
        body: file.subarray(0, 2047),
      });
      const longer = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'content-type': 'video/quicktime' },
        body: Buffer.concat([file, Buffer.from('x')]),
      });
      const otherType = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'content-type': 'video/mp4' },
        body: file,
      });
      const afterRefusals = await store.head(BUCKETS.rawVideo, key);
      const accepted = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: file });

      // Assess
      for (const refused of [shorter, longer, otherType]) {
        expect(refused.status).toBe(403);
        expect(await refused.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
      }
      expect(afterRefusals).toBeUndefined();
      expect(accepted.status).toBe(200);
      const head = await store.head(BUCKETS.rawVideo, key);
      expect(head).toMatchObject({ key, size: 2048, contentType: 'video/quicktime' });
      expect(accepted.headers.get('etag')).toBe(`"${head?.etag}"`);
      const events = s3.events.filter((event) => event.data.resourceName === key);
      expect(events.map((event) => event.eventType)).toEqual(['com.oraclecloud.objectstorage.createobject']);
    });

    it('accepts a source of exactly the 5 GiB ceiling', async () => {
      // Act
      const response = await create(creator.key, {
        title: 'Ceiling',
        contentType: 'video/x-matroska',
        sizeBytes: MAX_VIDEO_BYTES,
      });

      // Assess
      expect(response.status).toBe(201);
      const video = (await response.json()) as VideoView;
      expect(video.declaredBytes).toBe(5 * 1024 ** 3);
      expect(video.upload?.headers['content-length']).toBe(String(5 * 1024 ** 3));
    });

    it.each([
      {
        name: 'an unknown content type',
        body: { title: 'x', contentType: 'image/png', sizeBytes: 10 },
        pointers: ['/contentType'],
      },
      {
        name: 'a size over 5 GiB',
        body: { title: 'x', contentType: 'video/mp4', sizeBytes: MAX_VIDEO_BYTES + 1 },
        pointers: ['/sizeBytes'],
      },
      {
        name: 'a zero size',
        body: { title: 'x', contentType: 'video/mp4', sizeBytes: 0 },
        pointers: ['/sizeBytes'],
      },
      {
        name: 'a fractional size',
        body: { title: 'x', contentType: 'video/mp4', sizeBytes: 10.5 },
        pointers: ['/sizeBytes'],
      },
      { name: 'a missing title', body: { contentType: 'video/mp4', sizeBytes: 10 }, pointers: ['/title'] },
      {
        name: 'a blank title',
        body: { title: '   ', contentType: 'video/mp4', sizeBytes: 10 },
        pointers: ['/title'],
      },
      {
        name: 'several bad fields at once',
        body: { title: '', contentType: 'text/html', sizeBytes: -1 },
        pointers: ['/contentType', '/sizeBytes', '/title'],
      },
    ])(
      'answers $name with a 400 problem naming the fields, and stores nothing',
      async ({ body, pointers }) => {
        // Prepare
        const before = await countVideos(creator.orgId);

        // Act
        const response = await create(creator.key, body);

        // Assess
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = (await response.json()) as Problem;
        expect(problem.type).toBe('https://forgecast.dev/problems/validation');
        expect(problem.detail).toBe('The body is not valid');
        expect(problem.errors?.map((error) => error.pointer).sort()).toEqual(pointers);
        expect(await countVideos(creator.orgId)).toBe(before);
      },
    );

    it('answers extra fields with a 400 problem naming them, and stores nothing', async () => {
      // Prepare
      const before = await countVideos(creator.orgId);

      // Act
      const response = await create(creator.key, {
        title: 'x',
        contentType: 'video/mp4',
        sizeBytes: 10,
        orgId: stranger.orgId,
      });

      // Assess: strict objects report unknown keys on the object itself, not on a field.
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.type).toBe('https://forgecast.dev/problems/validation');
      expect(problem.errors).toEqual([{ pointer: '/', detail: 'Unrecognized key: "orgId"' }]);
      expect(await countVideos(creator.orgId)).toBe(before);
      expect(await countVideos(stranger.orgId)).toBe(0);
    });

    it('answers a body that is not JSON with 400 and a non-JSON content type with 415', async () => {
      // Act
      const malformed = await call('/videos', creator.key, { method: 'POST', body: '{"title": "x",' });
      const plain = await call('/videos', creator.key, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ title: 'x', contentType: 'video/mp4', sizeBytes: 10 }),
      });

      // Assess
      expect(malformed.status).toBe(400);
      expect(((await malformed.json()) as Problem).type).toBe('https://forgecast.dev/problems/validation');
      expect(plain.status).toBe(415);
      expect(((await plain.json()) as Problem).type).toBe(
        'https://forgecast.dev/problems/unsupported-media-type',
      );
    });
  });

  describe('Scopes', () => {
    it('refuses every videos route to a key without a videos scope (403)', async () => {
      // Prepare
      const mine = await created();

      // Act
      const posted = await create(designer.key, { title: 'x', contentType: 'video/mp4', sizeBytes: 10 });
      const listed = await call('/videos', designer.key);
      const read = await call(`/videos/${mine.id}`, designer.key);

      // Assess
      for (const response of [posted, listed, read]) {
        expect(response.status).toBe(403);
        const problem = (await response.json()) as Problem;
        expect(problem.type).toBe('https://forgecast.dev/problems/forbidden');
      }
      expect(await countVideos(designer.orgId)).toBe(0);
    });

    it('lets a videos:read key read its organisation’s videos but not create one', async () => {
      // Prepare
      const mine = await created({ title: 'Readable', contentType: 'video/webm', sizeBytes: 77 });
      const before = await countVideos(creator.orgId);

      // Act
      const read = await call(`/videos/${mine.id}`, viewer.key);
      const listed = await call('/videos?limit=100', viewer.key);
      const posted = await create(viewer.key, { title: 'x', contentType: 'video/mp4', sizeBytes: 10 });

      // Assess
      expect(read.status).toBe(200);
      expect(((await read.json()) as VideoView).title).toBe('Readable');
      expect(listed.status).toBe(200);
      expect(((await listed.json()) as VideoPage).items.map((item) => item.id)).toContain(mine.id);
      expect(posted.status).toBe(403);
      const problem = (await posted.json()) as Problem;
      expect(problem.type).toBe('https://forgecast.dev/problems/forbidden');
      expect(problem.detail).toContain('videos:write');
      expect(await countVideos(creator.orgId)).toBe(before);
    });

    it('answers a request without a key with 401', async () => {
      // Act
      const response = await fetch(`${gateway.url}/videos`);

      // Assess
      expect(response.status).toBe(401);
      expect(((await response.json()) as Problem).type).toBe('https://forgecast.dev/problems/unauthorized');
    });
  });

  describe('Method: get', () => {
    it('answers another organisation’s video exactly as a video that does not exist (404)', async () => {
      // Prepare
      const theirs = await created();
      const unknown = newId();

      // Act
      const foreign = await call(`/videos/${theirs.id}`, stranger.key);
      const missing = await call(`/videos/${unknown}`, stranger.key);

      // Assess
      expect(foreign.status).toBe(404);
      expect(missing.status).toBe(404);
      const foreignProblem = (await foreign.json()) as Problem & { instance?: string };
      const missingProblem = (await missing.json()) as Problem & { instance?: string };
      expect(foreignProblem.type).toBe('https://forgecast.dev/problems/not-found');
      expect(JSON.stringify(foreignProblem).replaceAll(theirs.id, '<id>')).toBe(
        JSON.stringify(missingProblem).replaceAll(unknown, '<id>'),
      );
      expect((await call(`/videos/${theirs.id}`, creator.key)).status).toBe(200);
    });

    it.each(['not-a-ulid', '01hzzzzzzzzzzzzzzzzzzzzzzz', '01HZZZZZZZZZZZZZZZZZZZZZZU'])(
      'answers the malformed id %s with 400',
      async (id) => {
        // Act
        const response = await call(`/videos/${id}`, creator.key);

        // Assess
        expect(response.status).toBe(400);
        const problem = (await response.json()) as Problem;
        expect(problem.type).toBe('https://forgecast.dev/problems/validation');
        expect(problem.detail).toBe('The path is not valid');
        expect(problem.errors).toEqual([{ pointer: '/', detail: 'not a video id' }]);
      },
    );

    it('shows a ready video with edge playback and poster URLs the edge accepts', async () => {
      // Prepare
      const [id] = (await insertedVideos(creator.orgId, 1)) as [string];
      const renditions: PublishedRendition[] = [
        {
          name: '360p',
          playlist: '360p/index.m3u8',
          width: 640,
          height: 360,
          frameRate: 30,
          codecs: 'avc1.64001e,mp4a.40.2',
          bandwidth: 900_000,
          averageBandwidth: 750_000,
          segments: 2,
        },
        {
          name: '180p',
          playlist: '180p/index.m3u8',
          width: 320,
          height: 180,
          frameRate: 30,
          codecs: 'avc1.64000d,mp4a.40.2',
          bandwidth: 400_000,
          averageBandwidth: 320_000,
          segments: 2,
        },
      ];
      await db.pool.query(
        `UPDATE video_assets SET status = 'ready', attempt = 1, media_prefix = ?, renditions = ?,
                poster_key = ?, duration_seconds = 6.016, mode = 'ladder', source_width = 640, source_height = 360,
                last_error = 'an earlier attempt failed', finished_at = NOW(3)
          WHERE id = ?`,
        [`videos/${id}/v1/`, JSON.stringify(renditions), `videos/${id}/v1/poster.jpg`, id],
      );
      const before = Math.floor(Date.now() / 1000);

      // Act
      const response = await call(`/videos/${id}`, viewer.key);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const video = (await response.json()) as VideoView & Record<string, unknown>;
      const after = Math.floor(Date.now() / 1000);
      expect(video).toMatchObject({
        status: 'ready',
        durationSeconds: 6.016,
        mode: 'ladder',
        lastError: null,
      });
      expect(video.renditions).toEqual(
        renditions.map(({ playlist: _playlist, segments: _segments, ...shown }) => shown),
      );
      const keys = parseEdgeTokenKeys(`${SIGNING_KEY_HEX},${RETIRING_KEY_HEX}`);
      const signingOnly = keys.slice(0, 1);
      const retiringOnly = keys.slice(1);
      for (const [shown, object] of [
        [video.playback, 'master.m3u8'],
        [video.poster, 'poster.jpg'],
      ] as const) {
        const match = new RegExp(
          `^https://media\\.forgecast\\.test/t/([0-9]{10,11})_[0-9a-f]{64}/videos/${id}/v1/${object.replace('.', '\\.')}$`,
        ).exec(shown?.url ?? '');
        expect(match, `${object} URL ${shown?.url}`).not.toBeNull();
        const exp = Number(match?.[1]);
        expect(exp).toBeGreaterThanOrEqual(before + PLAYBACK_TTL_SECONDS);
        expect(exp).toBeLessThanOrEqual(after + PLAYBACK_TTL_SECONDS);
        const path = new URL(shown?.url ?? '').pathname;
        expect(verifyEdgeRequest(path, signingOnly, new Date())).toEqual({
          ok: true,
          objectPath: `videos/${id}/v1/${object}`,
          assetId: id,
          expiresAt: new Date(exp * 1000),
        });
        expect(verifyEdgeRequest(path, retiringOnly, new Date())).toEqual({
          ok: false,
          status: 403,
          reason: 'bad-signature',
        });
        expect(verifyEdgeRequest(path, signingOnly, new Date((exp + 1) * 1000))).toMatchObject({
          ok: false,
          status: 410,
        });
      }
      // The token opens this asset's folder only.
      const token = new URL(video.playback?.url ?? '').pathname.split('/')[2];
      const [otherId] = (await insertedVideos(creator.orgId, 1)) as [string];
      expect(
        verifyEdgeRequest(`/t/${token}/videos/${otherId}/v1/master.m3u8`, signingOnly, new Date()),
      ).toMatchObject({ ok: false, status: 403, reason: 'bad-signature' });
    });

    it('shows a video that is not ready without playback or poster', async () => {
      // Prepare: transcoding, with a prefix and poster left behind that must not be exposed.
      const [id] = (await insertedVideos(creator.orgId, 1)) as [string];
      await db.pool.query(
        `UPDATE video_assets SET status = 'transcoding', attempt = 2, progress_percent = 42.5,
                media_prefix = ?, poster_key = ?, progress_at = NOW(3)
          WHERE id = ?`,
        [`videos/${id}/v1/`, `videos/${id}/v1/poster.jpg`, id],
      );

      // Act
      const response = await call(`/videos/${id}`, creator.key);

      // Assess
      expect(response.status).toBe(200);
      const video = (await response.json()) as VideoView;
      expect(video).toMatchObject({
        status: 'transcoding',
        attempt: 2,
        progressPercent: 42.5,
        playback: null,
        poster: null,
        renditions: [],
      });
    });

    it('shows a failed video with its code and reason, without playback', async () => {
      // Prepare
      const [id] = (await insertedVideos(creator.orgId, 1)) as [string];
      await db.pool.query(
        `UPDATE video_assets SET status = 'failed', failure_code = 'source_too_large',
                failure_reason = 'The upload is 1001 bytes but 1000 were declared', finished_at = NOW(3)
          WHERE id = ?`,
        [id],
      );

      // Act
      const response = await call(`/videos/${id}`, creator.key);

      // Assess
      expect(response.status).toBe(200);
      expect((await response.json()) as VideoView).toMatchObject({
        status: 'failed',
        failure: { code: 'source_too_large', reason: 'The upload is 1001 bytes but 1000 were declared' },
        progressPercent: null,
        playback: null,
        poster: null,
      });
    });
  });

  describe('Method: list', () => {
    it('pages through an organisation’s videos newest first with limit and cursor', async () => {
      // Prepare
      const org = await createOrgWithKey(db.pool, ['videos:read'], { kind: 'creator' });
      const ids = await insertedVideos(org.orgId, 5);
      await insertedVideos(stranger.orgId, 2);
      const newestFirst = [...ids].reverse();

      // Act
      const pages: VideoPage[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
        const response = await call(`/videos${query}`, org.key);
        expect(response.status).toBe(200);
        const page = (await response.json()) as VideoPage;
        pages.push(page);
        cursor = page.nextCursor;
      } while (cursor !== null && pages.length < 10);

      // Assess
      expect(pages.map((page) => page.items.map((item) => item.id))).toEqual([
        newestFirst.slice(0, 2),
        newestFirst.slice(2, 4),
        newestFirst.slice(4),
      ]);
      expect(pages.map((page) => page.nextCursor)).toEqual([newestFirst[1], newestFirst[3], null]);
      const all = (await (await call('/videos', org.key)).json()) as VideoPage;
      expect(all.items.map((item) => item.id)).toEqual(newestFirst);
      expect(all.nextCursor).toBeNull();
    });

    it('filters by status, and pages within the filter', async () => {
      // Prepare
      const org = await createOrgWithKey(db.pool, ['videos:read'], { kind: 'creator' });
      const ids = await insertedVideos(org.orgId, 6);
      const failed = [ids[0], ids[2], ids[5]] as string[];
      await db.pool.query(
        `UPDATE video_assets SET status = 'failed', failure_code = 'transcode_gave_up', failure_reason = 'gave up'
          WHERE id IN (?)`,
        [failed],
      );
      await db.pool.query(`UPDATE video_assets SET status = 'queued' WHERE id = ?`, [ids[3]]);

      // Act
      const first = (await (await call('/videos?status=failed&limit=2', org.key)).json()) as VideoPage;
      const second = (await (
        await call(`/videos?status=failed&limit=2&cursor=${first.nextCursor}`, org.key)
      ).json()) as VideoPage;
      const queued = (await (await call('/videos?status=queued', org.key)).json()) as VideoPage;
      const ready = (await (await call('/videos?status=ready', org.key)).json()) as VideoPage;

      // Assess
      expect(first.items.map((item) => item.id)).toEqual([ids[5], ids[2]]);
      expect(first.items.map((item) => item.status)).toEqual(['failed', 'failed']);
      expect(first.nextCursor).toBe(ids[2]);
      expect(second.items.map((item) => item.id)).toEqual([ids[0]]);
      expect(second.nextCursor).toBeNull();
      expect(queued.items.map((item) => item.id)).toEqual([ids[3]]);
      expect(ready).toEqual({ items: [], nextCursor: null });
    });

    it.each([
      { query: '?limit=0', pointer: '/limit' },
      { query: '?limit=101', pointer: '/limit' },
      { query: '?limit=two', pointer: '/limit' },
      { query: '?status=done', pointer: '/status' },
      { query: '?cursor=not-an-id', pointer: '/cursor' },
    ])('answers the query $query with a 400 problem on $pointer', async ({ query, pointer }) => {
      // Act
      const response = await call(`/videos${query}`, creator.key);

      // Assess
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.type).toBe('https://forgecast.dev/problems/validation');
      expect(problem.detail).toBe('The query is not valid');
      expect(problem.errors?.map((error) => error.pointer)).toEqual([pointer]);
    });
  });
});
