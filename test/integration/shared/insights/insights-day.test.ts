import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { ingestBatch } from '#functions/cdn-logs/ingest.ts';
import { recordVisitorEvents } from '#shared/analytics/visitor-events.ts';
import { withTransaction } from '#shared/db/pool.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import {
  creatorInsights,
  type DayRange,
  designerInsights,
  type Money,
  platformInsights,
} from '#shared/insights/insights.ts';
import { applyLedgerEvent } from '#shared/ledger/event-effects.ts';
import { authorizePrint, completePrint } from '#shared/licenses/print-ledger.ts';
import { publishedEventOf, readPendingOutbox, unpublishableReason } from '#shared/outbox/relay-store.ts';
import { fulfil, revokeOrder } from '#shared/shows/fulfilment.ts';
import { releaseHold, reserveSeats } from '#shared/shows/seat-holds.ts';
import { insertShow } from '#shared/shows/show-repository.ts';
import type { CheckoutSessionObject } from '#shared/shows/stripe-event.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { type BigQueryWarehouse, createBigQueryWarehouse } from '#shared/warehouse/bigquery-warehouse.ts';
import { type DuckDbWarehouse, openDuckDbWarehouse } from '#shared/warehouse/duckdb-warehouse.ts';
import { WAREHOUSE_LIMITS, type Warehouse } from '#shared/warehouse/warehouse.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type FakeBigQuery, startFakeBigQuery } from '#test/support/fake-bigquery.ts';
import { createLicense, insertPrinter, insertRegisteredDesign } from '#test/support/licenses.ts';

/**
 * The acceptance test: a scripted day of sales, views and prints written by the domain
 * code (real rows and outbox events on MariaDB), its events read from the outbox as the relay
 * reads them and loaded into DuckDB warehouses (each event twice), and every dashboard number
 * compared with what the transactional tables say. The BigQuery dialect's SQL runs through the
 * BigQuery adapter against its stand-in (which checks the REST requests and runs them on DuckDB).
 */
let db: TestDatabase;
let day: string;
let range: DayRange;
/** The warehouse's primary key drops repeats (the local cloud's warehouse). */
let keyed: DuckDbWarehouse;
/** The table keeps repeats and the view removes them, as BigQuery's does. */
let viewed: DuckDbWarehouse;
let fakeBigQuery: FakeBigQuery;
let bigquery: BigQueryWarehouse;
let published: PublishedEvent[];

const org = {
  creatorA: '',
  creatorB: '',
  designerA: '',
  designerB: '',
  licensee: '',
  licensor: '',
  buyer: '',
};
const shows = { a1: newId(), a2: newId(), b1: newId() };
const videos = { a1: newId(), a2: newId(), b1: newId() };

const VIEWER_SALT = 'insights-day-viewer-salt-0123456789abcdef';

async function orgWith(kind: string): Promise<string> {
  return (await createOrgWithKey(db.pool, ['shows:write'], { kind })).orgId;
}

/** A checkout (order.placed) and, when paid, its Stripe completion fulfilled (tickets.issued). */
async function checkout(showId: string, quantity: number, then: 'pay' | 'abandon' | 'pay-and-refund') {
  const reserved = await reserveSeats(db.pool, {
    showId,
    buyer: { kind: 'organisation', orgId: org.buyer },
    quantity,
    holdSeconds: 1800,
  });
  if (reserved.kind !== 'held') throw new Error(`checkout refused: ${reserved.kind}`);
  const holdId = reserved.hold.id;
  if (then === 'abandon') {
    await releaseHold(db.pool, holdId, 'checkout.session.expired');
    return;
  }
  const session: CheckoutSessionObject = {
    id: `cs_test_${holdId}`,
    object: 'checkout.session',
    client_reference_id: holdId,
    metadata: { hold_id: holdId },
    payment_status: 'paid',
    payment_intent: `pi_test_${holdId}`,
  };
  const outcome = await withTransaction(db.pool, (connection) => fulfil(connection, session));
  expect(outcome.kind).toBe('issued');
  if (then === 'pay-and-refund') {
    const revoked = await withTransaction(db.pool, (connection) =>
      revokeOrder(connection, { paymentIntentId: `pi_test_${holdId}`, holdIdHint: null, reason: 'refunded' }),
    );
    expect(revoked.kind).toBe('revoked');
  }
}

/** A license written pending, then seen issued on the ledger (the indexer's path: license.minted). */
async function mintedLicense(designId: string, issuerOrgId: string): Promise<string> {
  const licenseId = await createLicense(db.pool, {
    issuerOrgId,
    holderOrgId: org.licensee,
    designId,
    printsTotal: 10,
    failureAllowance: 1,
    status: 'pending',
  });
  const applied = await withTransaction(db.pool, (connection) =>
    applyLedgerEvent(
      connection,
      {
        name: 'LicenseIssued',
        args: {
          tokenId: BigInt(`0x${randomBytes(16).toString('hex')}`).toString(),
          licenseRef: idToBytes16(licenseId),
          designId: idToBytes16(designId),
          holder: `0x${'11'.repeat(20)}`,
          prints: 10,
          expiresAt: new Date(Date.now() + 86_400_000),
          printerRoot: `0x${'0'.repeat(64)}`,
        },
      } as Parameters<typeof applyLedgerEvent>[1],
      {
        txHash: `0x${randomBytes(32).toString('hex')}`,
        blockNumber: 7,
        chainId: 31337,
        ledgerAddress: `0x${'22'.repeat(20)}`,
      },
    ),
  );
  expect(applied).toBe(true);
  return licenseId;
}

/** Prints of a license: authorised, then reported (print.authorized, print.completed). */
async function print(
  licenseId: string,
  designId: string,
  printerId: string,
  outcome: 'succeeded' | 'failed' | 'none',
) {
  const granted = await authorizePrint(db.pool, {
    licenseId,
    printerId,
    orgId: org.licensee,
    designId,
    grantTtlSeconds: 600,
  });
  if (!granted.granted) throw new Error(`print refused: ${granted.refusal.reason}`);
  if (outcome === 'none') return;
  const completed = await completePrint(db.pool, { jobId: granted.jobId, printerId, outcome });
  expect(completed.kind).toBe('completed');
}

/** A Fastly log line for an asset's object, as the logging endpoint's format writes it. */
function logLine(
  assetId: string,
  object: string,
  client: string,
  options: { status?: number; bytes?: number } = {},
) {
  return JSON.stringify({
    timestamp: `${day}T12:00:00+0000`,
    client_ip: client,
    method: 'GET',
    url: `/t/1900000000_${'ab'.repeat(16)}/videos/${assetId}/${object}`,
    status: options.status ?? 200,
    bytes: options.bytes ?? 1000,
    user_agent: 'player/1.0',
    service_id: 'svc',
  });
}

/** One viewer watching `segments` segments of a VOD, switching rendition half way (each segment counts once). */
function watching(assetId: string, client: string, segments: number): string[] {
  const lines = [logLine(assetId, 'v1/master.m3u8', client, { bytes: 300 })];
  for (let n = 1; n <= segments; n += 1) {
    const rendition = n <= segments / 2 ? '360p' : '720p';
    lines.push(
      logLine(assetId, `v1/${rendition}/seg-${String(n).padStart(5, '0')}.m4s`, client, { bytes: 50_000 }),
    );
  }
  // The player fetched segment 1 again in the higher rendition: no more seconds watched.
  lines.push(logLine(assetId, 'v1/720p/seg-00001.m4s', client, { bytes: 90_000 }));
  return lines;
}

async function loadTwice(warehouse: Warehouse, events: readonly PublishedEvent[], between?: () => void) {
  for (let round = 0; round < 2; round += 1) {
    for (let at = 0; at < events.length; at += WAREHOUSE_LIMITS.maxEventsPerInsert) {
      await warehouse.insertEvents(events.slice(at, at + WAREHOUSE_LIMITS.maxEventsPerInsert));
    }
    between?.();
  }
}

beforeAll(async () => {
  db = await createTestDatabase(inject('mysqlUrl'), 'insights_day');
  const [now] = await db.pool.query<RowDataPacket[]>("SELECT DATE_FORMAT(UTC_DATE(), '%Y-%m-%d') AS day");
  day = String(now[0]?.day);
  range = { from: day, to: day };
  org.creatorA = await orgWith('creator');
  org.creatorB = await orgWith('creator');
  org.designerA = await orgWith('designer');
  org.designerB = await orgWith('designer');
  org.licensee = await orgWith('licensee');
  org.licensor = await orgWith('integrator');
  org.buyer = await orgWith('integrator');

  // Sales: three shows of two creators, in two currencies.
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const show = (id: string, orgId: string, priceAmount: number, currency: string) =>
    insertShow(db.pool, {
      id,
      orgId,
      title: `show ${id}`,
      description: null,
      startsAt,
      capacity: 50,
      priceAmount,
      currency,
      videoId: null,
    });
  await show(shows.a1, org.creatorA, 1500, 'eur');
  await show(shows.a2, org.creatorA, 2000, 'usd');
  await show(shows.b1, org.creatorB, 1000, 'eur');
  await checkout(shows.a1, 2, 'pay');
  await checkout(shows.a1, 1, 'pay');
  await checkout(shows.a1, 3, 'abandon');
  await checkout(shows.a2, 1, 'pay-and-refund');
  await checkout(shows.a2, 2, 'pay');
  await checkout(shows.b1, 4, 'pay');
  await checkout(shows.b1, 1, 'abandon');

  // Show pages seen (the funnel's first step), and pages that are not show pages.
  await recordVisitorEvents(db.pool, { consent: false }, [
    { kind: 'page_view', page: 'show', path: `/shows/${shows.a1}`, showId: shows.a1 },
    { kind: 'page_view', page: 'show', path: `/shows/${shows.a1}`, showId: shows.a1 },
    { kind: 'page_view', page: 'catalogue', path: '/shows' },
  ]);
  await recordVisitorEvents(db.pool, { consent: true, clientId: 'client-0001' }, [
    { kind: 'page_view', page: 'show', path: `/shows/${shows.a2}`, showId: shows.a2 },
    { kind: 'page_view', page: 'show', path: `/shows/${shows.b1}`, showId: shows.b1 },
    { kind: 'page_view', page: 'show', path: `/shows/${shows.b1}`, showId: shows.b1 },
  ]);

  // Views: three videos, viewers watching in two log batches (one sent twice by Fastly).
  for (const [id, orgId] of [
    [videos.a1, org.creatorA],
    [videos.a2, org.creatorA],
    [videos.b1, org.creatorB],
  ] as const) {
    await insertVideo(db.pool, {
      id,
      orgId,
      title: `video ${id}`,
      contentType: 'video/mp4',
      declaredBytes: 1000,
    });
  }
  const firstBatch = Buffer.from(
    [
      ...watching(videos.a1, '198.51.100.1', 6),
      ...watching(videos.a1, '198.51.100.2', 3),
      ...watching(videos.a2, '198.51.100.1', 4),
      ...watching(videos.b1, '198.51.100.3', 10),
      // Refused: counted as a request and its bytes, never as a viewer.
      logLine(videos.a2, 'v1/master.m3u8', '198.51.100.9', { status: 403, bytes: 120 }),
    ].join('\n'),
  );
  const secondBatch = Buffer.from(
    [
      ...watching(videos.a1, '198.51.100.1', 2),
      ...watching(videos.a1, '198.51.100.4', 5),
      logLine(videos.b1, 'v1/master.m3u8', '198.51.100.5', { status: 304, bytes: 0 }),
      // A live stream's segments (six digits, one second each), in two renditions.
      logLine(videos.b1, 's1/720p/seg-000001.m4s', '198.51.100.5'),
      logLine(videos.b1, 's1/360p/seg-000001.m4s', '198.51.100.5'),
      logLine(videos.b1, 's1/720p/seg-000002.m4s', '198.51.100.5'),
    ].join('\n'),
  );
  await ingestBatch(db.pool, VIEWER_SALT, firstBatch);
  await ingestBatch(db.pool, VIEWER_SALT, secondBatch);
  expect((await ingestBatch(db.pool, VIEWER_SALT, secondBatch)).duplicate).toBe(true);

  // Prints: designs of two designers, licensed by their owner or a licensor, printed by a licensee.
  const d1 = await insertRegisteredDesign(db.pool, org.designerA);
  const d2 = await insertRegisteredDesign(db.pool, org.designerA);
  const d3 = await insertRegisteredDesign(db.pool, org.designerB);
  const printer = await insertPrinter(db.pool, org.licensee);
  const l1 = await mintedLicense(d1, org.designerA);
  const l2 = await mintedLicense(d1, org.licensor);
  await mintedLicense(d2, org.designerA);
  const l4 = await mintedLicense(d3, org.designerB);
  await print(l1, d1, printer, 'succeeded');
  await print(l1, d1, printer, 'succeeded');
  await print(l1, d1, printer, 'failed');
  await print(l1, d1, printer, 'failed');
  await print(l2, d1, printer, 'succeeded');
  await print(l2, d1, printer, 'none');
  await print(l4, d3, printer, 'succeeded');

  // Published as the relay reads the outbox, loaded twice into each warehouse.
  const rows = await readPendingOutbox(db.pool, 10_000);
  expect(rows.map(unpublishableReason).filter(Boolean)).toEqual([]);
  published = rows.map(publishedEventOf);
  keyed = await openDuckDbWarehouse({ path: ':memory:', dedupe: 'primary-key' });
  viewed = await openDuckDbWarehouse({ path: ':memory:', dedupe: 'view' });
  await loadTwice(keyed, published);
  await loadTwice(viewed, published);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  fakeBigQuery = await startFakeBigQuery({
    projectId: 'forgecast-test',
    datasets: ['forgecast'],
    accounts: { 'loader@forgecast-test.iam.gserviceaccount.com': privateKey },
  });
  bigquery = createBigQueryWarehouse({
    projectId: 'forgecast-test',
    dataset: 'forgecast',
    account: { clientEmail: 'loader@forgecast-test.iam.gserviceaccount.com', privateKey },
    apiEndpoint: fakeBigQuery.endpoint,
    tokenUrl: fakeBigQuery.tokenUrl,
  });
  await bigquery.ensureSchema();
  // The second copy arrives after BigQuery's insertId window: the table stores it again.
  await loadTwice(bigquery, published, () => fakeBigQuery.forgetInsertIds());
}, 120_000);

afterAll(async () => {
  await keyed?.close();
  await viewed?.close();
  await fakeBigQuery?.close();
  await db?.drop();
});

/** Money rows (currency, amount) as the dashboards list them. */
const money = (rows: RowDataPacket[]): Money[] =>
  rows
    .filter((row) => Number(row.amount) !== 0)
    .map((row) => ({ currency: String(row.currency), amount: Number(row.amount) }))
    .sort((a, b) => (a.currency < b.currency ? -1 : 1));

/** What the transactional tables say about one creator's day. */
async function creatorTruth(orgId: string) {
  const q = async (sql: string, params: unknown[]) => (await db.pool.query<RowDataPacket[]>(sql, params))[0];
  const showIds = (await q('SELECT id FROM shows WHERE org_id = ? ORDER BY id', [orgId])).map((r) =>
    String(r.id),
  );
  const perShow = [];
  for (const showId of showIds) {
    const [sold] = await q(
      `SELECT COUNT(*) AS tickets, COUNT(DISTINCT hold_id) AS orders FROM tickets WHERE show_id = ? AND DATE(issued_at) = ?`,
      [showId, day],
    );
    const [started] = await q(
      'SELECT COUNT(*) AS n FROM seat_holds WHERE show_id = ? AND DATE(created_at) = ?',
      [showId, day],
    );
    const revenue = await q(
      `SELECT currency, SUM(amount_total) AS amount FROM seat_holds
        WHERE show_id = ? AND id IN (SELECT hold_id FROM tickets WHERE DATE(issued_at) = ?) GROUP BY currency`,
      [showId, day],
    );
    const refunded = await q(
      `SELECT currency, SUM(amount_total) AS amount, COUNT(*) AS orders FROM seat_holds
        WHERE show_id = ? AND status = 'refunded' AND DATE(released_at) = ? GROUP BY currency`,
      [showId, day],
    );
    const [seen] = await q(
      `SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'analytics.page_viewed'
          AND JSON_VALUE(payload, '$.page') = 'show' AND JSON_VALUE(payload, '$.showId') = ? AND DATE(created_at) = ?`,
      [showId, day],
    );
    perShow.push({
      showId,
      checkoutsStarted: Number(started?.n),
      ordersPaid: Number(sold?.orders),
      ticketsSold: Number(sold?.tickets),
      revenue: money(revenue),
      ordersRefunded: refunded.reduce((sum, row) => sum + Number(row.orders), 0),
      refunded: money(refunded),
      showPageViews: Number(seen?.n),
    });
  }
  const perVideo = await q(
    `SELECT s.asset_id AS videoId, s.views, s.bytes, s.requests, s.seconds_watched AS secondsWatched,
            (SELECT COUNT(*) FROM cdn_viewers v WHERE v.asset_id = s.asset_id AND v.day = s.day) AS uniqueViewers
       FROM cdn_view_stats s JOIN video_assets a ON a.id = s.asset_id
      WHERE a.org_id = ? AND s.day = ? ORDER BY s.asset_id`,
    [orgId, day],
  );
  const [viewers] = await q(
    `SELECT COUNT(DISTINCT v.viewer_hash) AS n FROM cdn_viewers v JOIN video_assets a ON a.id = v.asset_id
      WHERE a.org_id = ? AND v.day = ?`,
    [orgId, day],
  );
  return {
    shows: perShow.filter((show) => show.checkoutsStarted > 0 || show.showPageViews > 0),
    videos: perVideo.map((row) => ({
      videoId: String(row.videoId),
      views: Number(row.views),
      uniqueViewers: Number(row.uniqueViewers),
      secondsWatched: Number(row.secondsWatched),
      bytes: Number(row.bytes),
      requests: Number(row.requests),
    })),
    uniqueViewers: Number(viewers?.n),
  };
}

/** What the transactional tables say about one designer's day. */
async function designerTruth(orgId: string) {
  const [rows] = await db.pool.query<RowDataPacket[]>(
    `SELECT d.id AS designId,
            (SELECT COUNT(*) FROM licenses l WHERE l.design_id = d.id AND l.status = 'active'
                AND DATE(l.activated_at) = ?) AS licensesMinted,
            (SELECT COUNT(*) FROM print_jobs j JOIN licenses l ON l.id = j.license_id
              WHERE l.design_id = d.id AND j.state IN ('succeeded', 'failed') AND DATE(j.completed_at) = ?) AS printsCompleted,
            (SELECT COUNT(*) FROM print_jobs j JOIN licenses l ON l.id = j.license_id
              WHERE l.design_id = d.id AND j.state = 'succeeded' AND DATE(j.completed_at) = ?) AS printsSucceeded,
            (SELECT COUNT(*) FROM print_jobs j JOIN licenses l ON l.id = j.license_id
              WHERE l.design_id = d.id AND j.counted = 1 AND DATE(j.completed_at) = ?) AS printsCounted
       FROM designs d WHERE d.org_id = ? ORDER BY d.id`,
    [day, day, day, day, orgId],
  );
  return rows.map((row) => ({
    designId: String(row.designId),
    licensesMinted: Number(row.licensesMinted),
    printsCompleted: Number(row.printsCompleted),
    printsSucceeded: Number(row.printsSucceeded),
    printsCounted: Number(row.printsCounted),
  }));
}

const warehouses = (): { name: string; warehouse: Warehouse }[] => [
  { name: 'a primary key', warehouse: keyed },
  { name: 'a de-duplicating view', warehouse: viewed },
  { name: 'BigQuery (its stand-in)', warehouse: bigquery },
];

describe('Module: shared/insights (a scripted day against the transactional tables)', () => {
  it('loaded every event twice: the tables that keep repeats hold two, their views each once', async () => {
    // Act
    const [table] = await viewed.query<{ n: number }>('SELECT COUNT(*) AS n FROM events');
    const [view] = await viewed.query<{ n: number }>('SELECT COUNT(*) AS n FROM events_unique');

    // Assess
    expect(table?.n).toBe(2 * published.length);
    expect(view?.n).toBe(published.length);
    expect(await fakeBigQuery.storedRows('events')).toBe(2 * published.length);
  });

  for (const name of ['a primary key', 'a de-duplicating view', 'BigQuery (its stand-in)']) {
    describe(`Warehouse with ${name}`, () => {
      const pick = () => warehouses().find((entry) => entry.name === name)?.warehouse as Warehouse;

      it('gives each creator the tickets, revenue, checkouts and refunds per show the orders say', async () => {
        for (const orgId of [org.creatorA, org.creatorB]) {
          // Act
          const insights = await creatorInsights(pick(), orgId, range);
          const truth = await creatorTruth(orgId);

          // Assess
          expect(insights.shows).toEqual(truth.shows);
          expect(insights.totals.ticketsSold).toBe(
            truth.shows.reduce((sum, show) => sum + show.ticketsSold, 0),
          );
          expect(insights.daily).toHaveLength(1);
          expect(insights.daily[0]?.ticketsSold).toBe(insights.totals.ticketsSold);
        }
        // The script: A sold 2 + 1 tickets of a1 (EUR 15) and 1 + 2 of a2 (USD 20), one a2 order refunded.
        const creatorA = await creatorInsights(pick(), org.creatorA, range);
        expect(creatorA.totals).toMatchObject({
          checkoutsStarted: 5,
          ordersPaid: 4,
          ticketsSold: 6,
          revenue: [
            { currency: 'eur', amount: 4500 },
            { currency: 'usd', amount: 6000 },
          ],
          ordersRefunded: 1,
          refunded: [{ currency: 'usd', amount: 2000 }],
          showPageViews: 3,
        });
      });

      it('gives each creator the views, unique viewers, watch time and bytes per video the CDN tallies say', async () => {
        for (const orgId of [org.creatorA, org.creatorB]) {
          // Act
          const insights = await creatorInsights(pick(), orgId, range);
          const truth = await creatorTruth(orgId);

          // Assess
          expect(insights.videos).toEqual(truth.videos);
          expect(insights.totals.uniqueViewers).toBe(truth.uniqueViewers);
          expect(insights.daily[0]?.uniqueViewers).toBe(truth.uniqueViewers);
          expect(insights.totals.secondsWatched).toBe(
            truth.videos.reduce((sum, video) => sum + video.secondsWatched, 0),
          );
        }
        // The script: video a1 had viewers .1 (twice), .2 and .4; segments count once per rendition, 4 s each.
        const creatorA = await creatorInsights(pick(), org.creatorA, range);
        expect(creatorA.videos.find((video) => video.videoId === videos.a1)).toMatchObject({
          views: 4,
          uniqueViewers: 3,
          secondsWatched: (6 + 3 + 2 + 5) * 4,
        });
        const creatorB = await creatorInsights(pick(), org.creatorB, range);
        expect(creatorB.videos[0]).toMatchObject({
          views: 2,
          uniqueViewers: 2,
          secondsWatched: 10 * 4 + 2 * 1,
        });
        // Viewer .1 watched both of A's videos: one unique viewer of the organisation, not two.
        expect(creatorA.totals.uniqueViewers).toBe(3);
      });

      it('gives each designer the licenses and prints of the designs they own, whoever issued the license', async () => {
        for (const orgId of [org.designerA, org.designerB]) {
          // Act
          const insights = await designerInsights(pick(), orgId, range);
          const truth = await designerTruth(orgId);

          // Assess
          expect(insights.designs).toEqual(
            truth.filter((design) => design.licensesMinted + design.printsCompleted > 0),
          );
          expect(insights.daily[0]?.printsCompleted).toBe(insights.totals.printsCompleted);
        }
        const designerA = await designerInsights(pick(), org.designerA, range);
        expect(designerA.totals).toEqual({
          licensesMinted: 3,
          printsCompleted: 5,
          printsSucceeded: 3,
          printsCounted: 4,
        });
      });

      it('gives the operator the totals and the funnel from show page to paid order', async () => {
        // Act
        const insights = await platformInsights(pick(), range);
        const q = async (sql: string) => (await db.pool.query<RowDataPacket[]>(sql, [day]))[0][0];

        // Assess
        const pageViews = await q(
          `SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'analytics.page_viewed'
              AND JSON_VALUE(payload, '$.page') = 'show' AND DATE(created_at) = ?`,
        );
        const holds = await q('SELECT COUNT(*) AS n FROM seat_holds WHERE DATE(created_at) = ?');
        const paid = await q(
          'SELECT COUNT(DISTINCT hold_id) AS orders, COUNT(*) AS tickets FROM tickets WHERE DATE(issued_at) = ?',
        );
        const views = await q(
          'SELECT SUM(views) AS views, SUM(bytes) AS bytes, SUM(seconds_watched) AS seconds FROM cdn_view_stats WHERE day = ?',
        );
        const viewers = await q('SELECT COUNT(DISTINCT viewer_hash) AS n FROM cdn_viewers WHERE day = ?');
        const licenses = await q(
          "SELECT COUNT(*) AS n FROM licenses WHERE status = 'active' AND DATE(activated_at) = ?",
        );
        const prints = await q(
          "SELECT COUNT(*) AS n FROM print_jobs WHERE state IN ('succeeded', 'failed') AND DATE(completed_at) = ?",
        );
        expect(insights.funnel).toMatchObject({
          showPageViews: Number(pageViews?.n),
          checkoutsStarted: Number(holds?.n),
          ordersPaid: Number(paid?.orders),
        });
        expect(insights.funnel).toMatchObject({ showPageViews: 5, checkoutsStarted: 7, ordersPaid: 5 });
        expect(insights.funnel.paymentRate).toBeCloseTo(5 / 7);
        expect(insights.totals).toMatchObject({
          ticketsSold: Number(paid?.tickets),
          views: Number(views?.views),
          bytes: Number(views?.bytes),
          secondsWatched: Number(views?.seconds),
          uniqueViewers: Number(viewers?.n),
          licensesMinted: Number(licenses?.n),
          printsCompleted: Number(prints?.n),
        });
        expect(insights.daily).toEqual([
          expect.objectContaining({ day, showPageViews: 5, checkoutsStarted: 7, ordersPaid: 5 }),
        ]);
      });
    });
  }

  it('counts nothing outside the range', async () => {
    // Act
    const yesterday = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const insights = await platformInsights(keyed, { from: yesterday, to: yesterday });

    // Assess
    expect(insights.totals).toMatchObject({
      ticketsSold: 0,
      views: 0,
      licensesMinted: 0,
      printsCompleted: 0,
    });
    expect(insights.funnel).toMatchObject({ showPageViews: 0, checkoutRate: null, paymentRate: null });
  });
});
