import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CreatorInsights, PlatformInsights } from '#shared/insights/insights.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

/**
 * Event to dashboard through the local cloud as its clients use it: checkouts and a payment
 * through the local Stripe write their events to the outbox; the relay publishes them to the
 * stream, the warehouse loader loads them into DuckDB, and the creator's and the operator's
 * dashboards count them (the schedules run on their own, nudged after each call).
 */
describe('Insights end to end (local cloud: outbox → relay → stream → warehouse → dashboards)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let operator: string;
  let creator: string;
  let viewer: string;

  /**
   * A call through the gateway, asked again while it answers 503 (a function still starting on a
   * loaded machine), for at most 30 s; a checkout is not (its 503 may follow a hold it counted).
   */
  const call = async (key: string, method: string, path: string, body?: unknown): Promise<Response> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const response = await fetch(`${cloud.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (response.status !== 503 || path.endsWith('/checkout') || Date.now() > deadline) return response;
      await response.arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  /** Polls until `done`, or fails with the last value after `ms`. */
  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await read();
      if (done(value)) return value;
      if (Date.now() > deadline) throw new Error(`not reached in ${ms} ms: ${JSON.stringify(value)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-insights-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'insights_e2e');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      transcoders: { count: 0 },
    });
    operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const org = async (kind: string, scopes: string[]) => {
      const response = await call(operator, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
      expect(response.status).toBe(201);
      return ((await response.json()) as { apiKey: { key: string } }).apiKey.key;
    };
    creator = await org('creator', ['shows:write']);
    viewer = await org('viewer', ['tickets:buy', 'tickets:read']);
  }, 180_000);

  afterAll(async () => {
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("counts a day's checkouts and a paid order on the creator's and the operator's dashboards", async () => {
    // Prepare: a show on sale
    const created = await call(creator, 'POST', '/shows', {
      title: 'Opening night',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 10,
      price: { amount: 1500, currency: 'eur' },
    });
    expect(created.status).toBe(201);
    const show = (await created.json()) as { id: string };

    // Act: two checkouts, one paid on Stripe's page (as a browser does)
    const first = await call(viewer, 'POST', `/shows/${show.id}/checkout`, { quantity: 2 });
    expect(first.status).toBe(201);
    expect((await call(viewer, 'POST', `/shows/${show.id}/checkout`, { quantity: 1 })).status).toBe(201);
    const { checkoutUrl } = (await first.json()) as { checkoutUrl: string };
    const paid = await fetch(checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);

    // Assess: the creator's dashboard, then the operator's, count them once
    const insights = await until(
      async () => (await (await call(creator, 'GET', '/insights/creator')).json()) as CreatorInsights,
      (answer) => answer.shows?.[0]?.ticketsSold === 2,
    );
    expect(insights.shows).toEqual([
      {
        showId: show.id,
        checkoutsStarted: 2,
        ordersPaid: 1,
        ticketsSold: 2,
        revenue: [{ currency: 'eur', amount: 3000 }],
        ordersRefunded: 0,
        refunded: [],
        showPageViews: 0,
      },
    ]);
    expect(insights.daily.at(-1)).toMatchObject({ ticketsSold: 2, checkoutsStarted: 2 });
    const platform = (await (await call(operator, 'GET', '/insights/platform')).json()) as PlatformInsights;
    expect(platform.funnel).toMatchObject({ checkoutsStarted: 2, ordersPaid: 1 });
    expect(platform.totals.revenue).toEqual([{ currency: 'eur', amount: 3000 }]);
  }, 120_000);
});
