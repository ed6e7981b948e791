import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { showsManifest } from '#functions/shows/manifest.ts';
import { newId } from '#shared/ids.ts';
import { createLiveStream } from '#shared/live/live-stream-repository.ts';
import { MAX_POSTER_BYTES } from '#shared/shows/show.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type S3TestServer, startS3TestServer } from '#test/support/s3-test-server.ts';
import { startTestStripe, stripeEnv } from '#test/support/stripe.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import type { RunningLocalStripe } from '../../../../infra/local/stripe/server.ts';

/**
 * The catalogue (tabs, state, creator, live stream, poster) and the creator studio's API (shows
 * with their sales, edits, sales per day): the bundled shows function behind the real gateway and
 * authorizer, on MariaDB and the embedded S3 server.
 */
const REGION = 'local-1';
const S3_CREDENTIALS = { accessKeyId: 'STUDIOAPITEST', secretAccessKey: 'studio-api-test-secret' };
const MEDIA_BUCKET = 'media-studio';
/** A tiny JPEG header and filler: the route streams bytes, it does not decode them. */
const POSTER = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2048)]);

interface Org {
  orgId: string;
  key: string;
}

interface ShowView {
  id: string;
  orgId: string;
  title: string;
  description: string | null;
  startsAt: string;
  state: string;
  capacity: number;
  seatsAvailable: number;
  price: { amount: number; currency: string };
  liveStreamId: string | null;
  posterUrl: string | null;
  creatorName: string | null;
}

interface StudioShowView extends ShowView {
  seatsSold: number;
  seatsHeld: number;
  checkedIn: number;
  revenue: { amount: number; currency: string };
  refunded: { amount: number; currency: string };
}

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3_600_000);
const sqlTime = (when: Date) => when.toISOString().slice(0, 23).replace('T', ' ');

describe('Function: shows (catalogue and studio)', () => {
  let db: TestDatabase;
  let s3: S3TestServer;
  let store: ObjectStore;
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: Org;
  let otherCreator: Org;
  let viewer: Org;

  const call = (path: string, who?: Org, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(who ? { authorization: `Bearer ${who.key}` } : {}),
        ...(init.headers ?? {}),
      },
    });
  const patch = (path: string, who: Org, body: unknown) =>
    call(path, who, { method: 'PATCH', body: JSON.stringify(body) });

  async function insertShow(
    fields: { startsAt?: Date; videoId?: string; status?: string; orgId?: string; capacity?: number } = {},
  ): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency, video_id, status)
       VALUES (?, ?, ?, ?, ?, 1200, 'eur', ?, ?)`,
      [
        id,
        fields.orgId ?? creator.orgId,
        `Show ${id.slice(-6)}`,
        sqlTime(fields.startsAt ?? hoursFromNow(48)),
        fields.capacity ?? 10,
        fields.videoId ?? null,
        fields.status ?? 'on_sale',
      ],
    );
    return id;
  }

  /** A ready video whose poster is in the media bucket (or only named, with `store: false`). */
  async function readyVideo(options: { poster?: Buffer | null } = {}): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, {
      id,
      orgId: creator.orgId,
      title: 'Film',
      contentType: 'video/mp4',
      declaredBytes: 10,
    });
    const posterKey = `videos/${id}/v1/poster.jpg`;
    await db.pool.query(
      "UPDATE video_assets SET status = 'ready', media_prefix = ?, poster_key = ? WHERE id = ?",
      [`videos/${id}/v1/`, posterKey, id],
    );
    const poster = options.poster === undefined ? POSTER : options.poster;
    if (poster) await store.put(MEDIA_BUCKET, posterKey, poster, { contentType: 'image/jpeg' });
    return id;
  }

  /** An order of `quantity` seats in `status`, paid (or refunded) `daysAgo` days ago. */
  async function order(
    showId: string,
    quantity: number,
    status: 'paid' | 'refunded' | 'held',
    daysAgo = 0,
  ): Promise<string> {
    const holdId = newId();
    await db.pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status, expires_at, paid_at)
       VALUES (?, ?, ?, ?, ?, 'eur', ?, NOW(3) + INTERVAL 1 HOUR, IF(? = 'held', NULL, UTC_TIMESTAMP(3) - INTERVAL ? DAY))`,
      [holdId, showId, viewer.orgId, quantity, 1200 * quantity, status, status, daysAgo],
    );
    if (status === 'paid') {
      await db.pool.query('UPDATE shows SET seats_sold = seats_sold + ? WHERE id = ?', [quantity, showId]);
      for (let seat = 1; seat <= quantity; seat++) {
        await db.pool.query(
          'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, seat) VALUES (?, ?, ?, ?, ?)',
          [newId(), showId, holdId, viewer.orgId, seat],
        );
      }
    }
    return holdId;
  }

  async function tab(when: string): Promise<ShowView[]> {
    const items: ShowView[] = [];
    let cursor: string | null = null;
    do {
      const response = await call(`/shows?when=${when}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: ShowView[]; nextCursor: string | null };
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'studio_api');
    s3 = await startS3TestServer({
      tempPrefix: 'forgecast-studio-api-',
      ...S3_CREDENTIALS,
      region: REGION,
      buckets: [MEDIA_BUCKET],
    });
    store = createS3ObjectStore({ endpoint: s3.server.endpoint, region: REGION, ...S3_CREDENTIALS });
    stripe = await startTestStripe();
    creator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    otherCreator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    viewer = await createOrgWithKey(db.pool, ['tickets:buy', 'tickets:read'], { kind: 'viewer' });
    runner = new FnRunner([
      bundledFunction(
        'shows',
        {
          MYSQL_URL: db.url,
          ...stripeEnv(stripe),
          CHECKOUT_SUCCESS_URL: 'https://forgecast.test/paid',
          CHECKOUT_CANCEL_URL: 'https://forgecast.test/cancelled',
          S3_ENDPOINT: s3.server.endpoint,
          S3_REGION: REGION,
          S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
          S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
          MEDIA_BUCKET,
        },
        30,
      ),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: showsManifest.routes.map((route) => ({ ...route, functionName: showsManifest.name })),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await stripe?.close();
    await s3?.stop();
    await db?.drop();
  });

  describe('Method: catalogue', () => {
    it('lists upcoming, live and on-demand shows in their tabs, with state, creator, live stream and poster', async () => {
      // Prepare: one show per state.
      const upcoming = await insertShow({ startsAt: hoursFromNow(24) });
      const later = await insertShow({ startsAt: hoursFromNow(72) });
      const liveShow = await insertShow({ startsAt: hoursFromNow(1) });
      const stream = await createLiveStream(db.pool, {
        orgId: creator.orgId,
        title: 'On air',
        showId: liveShow,
        reconnectWindowSeconds: 60,
        maxDurationSeconds: 3600,
      });
      if (stream.outcome !== 'created') throw new Error(stream.outcome);
      await db.pool.query("UPDATE live_streams SET status = 'live' WHERE id = ?", [stream.stream.id]);
      const replay = await insertShow({ startsAt: hoursFromNow(-30), videoId: await readyVideo() });
      const olderReplay = await insertShow({ startsAt: hoursFromNow(-60), videoId: await readyVideo() });
      const ended = await insertShow({ startsAt: hoursFromNow(-2) });
      const cancelled = await insertShow({ status: 'cancelled' });

      // Act
      const [upcomingTab, liveTab, onDemandTab] = [
        await tab('upcoming'),
        await tab('live'),
        await tab('on_demand'),
      ];
      const defaultTab = (await (await call('/shows')).json()) as { items: ShowView[] };

      // Assess
      const ids = (shows: ShowView[]) => shows.map((show) => show.id);
      expect(ids(upcomingTab)).toEqual([upcoming, later]);
      expect(ids(defaultTab.items)).toEqual([upcoming, later]);
      expect(ids(liveTab)).toEqual([liveShow]);
      expect(ids(onDemandTab)).toEqual([replay, olderReplay]);
      for (const absent of [ended, cancelled]) {
        expect([...upcomingTab, ...liveTab, ...onDemandTab].map((show) => show.id)).not.toContain(absent);
      }
      expect(upcomingTab[0]).toMatchObject({
        orgId: creator.orgId,
        state: 'upcoming',
        creatorName: `org ${creator.orgId}`,
        liveStreamId: null,
        posterUrl: null,
      });
      expect(liveTab[0]).toMatchObject({ state: 'live', liveStreamId: stream.stream.id });
      expect(onDemandTab[0]).toMatchObject({ state: 'on_demand', posterUrl: `/v1/shows/${replay}/poster` });
      const endedView = (await (await call(`/shows/${ended}`)).json()) as ShowView;
      expect(endedView.state).toBe('ended');
      const cancelledView = (await (await call(`/shows/${cancelled}`)).json()) as ShowView;
      expect(cancelledView.state).toBe('cancelled');
      expect((await call('/shows?when=yesterday')).status).toBe(400);
    });

    it('streams the poster of the show’s video as a public JPEG; 404 without one', async () => {
      // Prepare
      const withPoster = await insertShow({ videoId: await readyVideo() });
      const withoutVideo = await insertShow();
      const posterMissing = await insertShow({ videoId: await readyVideo({ poster: null }) });
      const oversized = await insertShow({
        videoId: await readyVideo({ poster: randomBytes(MAX_POSTER_BYTES + 1) }),
      });

      // Act
      const response = await call(`/shows/${withPoster}/poster`);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^image\/jpeg/);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      expect(Buffer.from(await response.arrayBuffer()).equals(POSTER)).toBe(true);
      for (const id of [withoutVideo, posterMissing, oversized, newId()]) {
        const missing = await call(`/shows/${id}/poster`);
        expect(missing.status, id).toBe(404);
        expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    });
  });

  describe('Method: studio', () => {
    it('lists the organisation’s shows newest first with seats sold and held, check-ins, revenue and refunds', async () => {
      // Prepare
      const studio = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
      const first = await insertShow({ orgId: studio.orgId });
      const second = await insertShow({ orgId: studio.orgId });
      await insertShow({ orgId: otherCreator.orgId });
      await order(second, 2, 'paid');
      await order(second, 1, 'refunded');
      await order(second, 3, 'held');
      await db.pool.query(
        'UPDATE tickets SET checked_in_at = NOW(3) WHERE show_id = ? ORDER BY seat LIMIT 1',
        [second],
      );

      // Act
      const page1 = await call('/studio/shows?limit=1', studio);
      const body1 = (await page1.json()) as { items: StudioShowView[]; nextCursor: string | null };
      const page2 = await call(`/studio/shows?limit=1&cursor=${body1.nextCursor}`, studio);
      const body2 = (await page2.json()) as { items: StudioShowView[]; nextCursor: string | null };

      // Assess
      expect(page1.status).toBe(200);
      expect(page1.headers.get('cache-control')).toBe('private, no-store');
      expect(body1.items.map((show) => show.id)).toEqual([second]);
      expect(body1.items[0]).toMatchObject({
        seatsSold: 2,
        seatsHeld: 3,
        checkedIn: 1,
        revenue: { amount: 2400, currency: 'eur' },
        refunded: { amount: 1200, currency: 'eur' },
        seatsAvailable: 5,
      });
      expect(body2.items.map((show) => show.id)).toEqual([first]);
      expect(body2.items[0]).toMatchObject({
        seatsSold: 0,
        checkedIn: 0,
        revenue: { amount: 0, currency: 'eur' },
      });
      expect(body2.nextCursor).toBeNull();
      expect((await call('/studio/shows', viewer)).status).toBe(403);
    });

    it('gives tickets sold and revenue per UTC day, zeros included, paid orders only', async () => {
      // Prepare
      const showId = await insertShow();
      await order(showId, 2, 'paid', 0);
      await order(showId, 1, 'paid', 0);
      await order(showId, 1, 'paid', 2);
      await order(showId, 4, 'paid', 10);
      await order(showId, 1, 'refunded', 1);

      // Act
      const response = await call(`/studio/shows/${showId}/sales?days=3`, creator);

      // Assess
      expect(response.status).toBe(200);
      const body = (await response.json()) as { currency: string; days: Array<Record<string, unknown>> };
      const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
      expect(body).toEqual({
        currency: 'eur',
        days: [
          { day: day(2), ticketsSold: 1, revenue: 1200 },
          { day: day(1), ticketsSold: 0, revenue: 0 },
          { day: day(0), ticketsSold: 3, revenue: 3600 },
        ],
      });
      expect(
        ((await (await call(`/studio/shows/${showId}/sales`, creator)).json()) as { days: unknown[] }).days,
      ).toHaveLength(30);
      expect((await call(`/studio/shows/${showId}/sales`, otherCreator)).status).toBe(404);
      expect((await call(`/studio/shows/${showId}/sales?days=0`, creator)).status).toBe(400);
    });
  });

  describe('Method: edit', () => {
    it('changes title, description, start, capacity and price of a show without sales', async () => {
      const showId = await insertShow();
      const startsAt = hoursFromNow(100).toISOString();

      const response = await patch(`/shows/${showId}`, creator, {
        title: 'Renamed',
        description: 'Now with a description',
        startsAt,
        capacity: 25,
        price: { amount: 1999, currency: 'USD' },
      });

      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        id: showId,
        title: 'Renamed',
        description: 'Now with a description',
        startsAt,
        capacity: 25,
        seatsAvailable: 25,
        price: { amount: 1999, currency: 'usd' },
      });
      const cleared = await patch(`/shows/${showId}`, creator, { description: null });
      expect(((await cleared.json()) as ShowView).description).toBeNull();
    });

    it('refuses a capacity below the seats sold and held, and a new price once a seat is sold or held', async () => {
      // Prepare
      const showId = await insertShow({ capacity: 10 });
      await order(showId, 2, 'paid');
      await order(showId, 1, 'held');

      // Act
      const lowCapacity = await patch(`/shows/${showId}`, creator, { capacity: 2 });
      const newPrice = await patch(`/shows/${showId}`, creator, { price: { amount: 1500, currency: 'eur' } });
      const samePrice = await patch(`/shows/${showId}`, creator, {
        price: { amount: 1200, currency: 'eur' },
        capacity: 3,
      });

      // Assess
      expect(lowCapacity.status).toBe(409);
      expect(await lowCapacity.json()).toMatchObject({
        type: 'https://forgecast.dev/problems/capacity-below-sold',
        code: 'capacity_below_sold',
        minimum: 3,
      });
      expect(newPrice.status).toBe(409);
      expect(await newPrice.json()).toMatchObject({
        type: 'https://forgecast.dev/problems/price-locked',
        code: 'price_locked',
      });
      expect(samePrice.status).toBe(200);
      expect(await samePrice.json()).toMatchObject({ capacity: 3, seatsAvailable: 0 });
    });

    it('refuses another organisation’s show (404), a viewer (403) and a bad body (400)', async () => {
      const showId = await insertShow();

      expect((await patch(`/shows/${showId}`, otherCreator, { title: 'Mine now' })).status).toBe(404);
      expect((await patch(`/shows/${showId}`, viewer, { title: 'Mine now' })).status).toBe(403);
      const bad = await patch(`/shows/${showId}`, creator, { startsAt: '2001-01-01T00:00:00Z', seats: 1 });
      expect(bad.status).toBe(400);
      expect((await patch(`/shows/${showId}`, creator, {})).status).toBe(400);
    });
  });
});
