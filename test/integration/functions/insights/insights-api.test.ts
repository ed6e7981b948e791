import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DomainEvent } from '#events/domain/catalogue.ts';
import { validateDomainEvent } from '#events/domain/envelope.ts';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { insightsManifest } from '#functions/insights/manifest.ts';
import { newId } from '#shared/ids.ts';
import type { CreatorInsights, DesignerInsights, PlatformInsights } from '#shared/insights/insights.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';
import {
  type RunningLocalWarehouse,
  startLocalWarehouseServer,
} from '../../../../infra/local/warehouse/server.ts';

interface Problem {
  status: number;
  detail?: string;
}

/** The insights function behind the real gateway and authorizer, reading the local warehouse server. */
describe('Function: insights', () => {
  let db: TestDatabase;
  let warehouse: RunningLocalWarehouse;
  let runner: FnRunner;
  let gateway: RunningGateway;
  const keys = { creator: '', videoReader: '', otherCreator: '', designer: '', operator: '' };
  const org = { creator: '', otherCreator: '', designer: '' };
  const ids = { show: newId(), otherShow: newId(), video: newId(), design: newId(), license: newId() };
  const day = new Date().toISOString().slice(0, 10);
  let sequence = 0;

  /** An event as the relay publishes it, checked against the catalogue first. */
  const published = (event: DomainEvent): PublishedEvent => {
    const checked = validateDomainEvent(event);
    sequence += 1;
    return {
      id: randomUUID(),
      type: checked.type,
      version: checked.version,
      aggregateType: checked.aggregateType,
      aggregateId: checked.aggregateId,
      occurredAt: new Date().toISOString(),
      sequence: String(sequence),
      payload: checked.payload,
    };
  };

  const order = (showId: string, showOrgId: string) => {
    const holdId = newId();
    const members = { holdId, showId, holderOrgId: null, holderUserId: newId() };
    return [
      published({
        type: 'order.placed',
        aggregateType: 'order',
        aggregateId: holdId,
        payload: {
          ...members,
          showOrgId,
          quantity: 2,
          amountTotal: 3000,
          currency: 'eur',
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        },
      }),
      published({
        type: 'tickets.issued',
        aggregateType: 'order',
        aggregateId: holdId,
        payload: {
          ...members,
          ticketIds: [newId(), newId()],
          quantity: 2,
          paymentIntentId: `pi_${holdId}`,
          showOrgId,
          amountTotal: 3000,
          currency: 'eur',
        },
      }),
    ];
  };

  const call = (path: string, key: string) =>
    fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'insights_api');
    const creator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    org.creator = creator.orgId;
    keys.creator = creator.key;
    const videoReader = await createOrgWithKey(db.pool, ['videos:read'], { kind: 'creator' });
    keys.videoReader = videoReader.key;
    const otherCreator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    org.otherCreator = otherCreator.orgId;
    keys.otherCreator = otherCreator.key;
    const designer = await createOrgWithKey(db.pool, ['designs:read'], { kind: 'designer' });
    org.designer = designer.orgId;
    keys.designer = designer.key;
    keys.operator = (await createOrgWithKey(db.pool, ['admin'], { kind: 'operator' })).key;

    const token = randomBytes(24).toString('hex');
    warehouse = await startLocalWarehouseServer({ databaseFile: ':memory:', token });
    const events = [
      ...order(ids.show, org.creator),
      ...order(ids.otherShow, org.otherCreator),
      published({
        type: 'analytics.page_viewed',
        aggregateType: 'visitor',
        aggregateId: randomUUID(),
        payload: { page: 'show', path: `/shows/${ids.show}`, showId: ids.show, consent: false },
      }),
      published({
        type: 'playback.tallied',
        aggregateType: 'playback',
        aggregateId: `${ids.video}:${day}:${'ab'.repeat(16)}`,
        payload: {
          assetId: ids.video,
          orgId: org.creator,
          day,
          viewerHash: 'ab'.repeat(16),
          requests: 12,
          servedRequests: 12,
          views: 1,
          bytes: 600_000,
          secondsWatched: 40,
        },
      }),
      published({
        type: 'license.minted',
        aggregateType: 'license',
        aggregateId: ids.license,
        payload: {
          licenseId: ids.license,
          designId: ids.design,
          holderOrgId: newId(),
          tokenId: '7',
          txHash: null,
          designOrgId: org.designer,
        },
      }),
    ];
    // Delivered twice, as a relay restart may: nothing may count twice.
    await warehouse.warehouse.insertEvents(events);
    await warehouse.warehouse.insertEvents(events);

    runner = new FnRunner([
      bundledFunction('insights', {
        WAREHOUSE_BACKEND: 'local',
        WAREHOUSE_URL: warehouse.url,
        WAREHOUSE_TOKEN: token,
      }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(insightsManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await warehouse?.close();
    await db?.drop();
  });

  describe('Method: creator', () => {
    it("answers the caller's shows and videos only, privately cacheable for a minute", async () => {
      // Act
      const response = await call(`/insights/creator?from=${day}&to=${day}`, keys.creator);
      const body = (await response.json()) as CreatorInsights;

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, max-age=5');
      expect(body.shows).toEqual([
        {
          showId: ids.show,
          checkoutsStarted: 1,
          ordersPaid: 1,
          ticketsSold: 2,
          revenue: [{ currency: 'eur', amount: 3000 }],
          ordersRefunded: 0,
          refunded: [],
          showPageViews: 0,
        },
      ]);
      expect(body.videos).toEqual([
        { videoId: ids.video, views: 1, uniqueViewers: 1, secondsWatched: 40, bytes: 600_000, requests: 12 },
      ]);
      expect(body.daily).toEqual([expect.objectContaining({ day, ticketsSold: 2, views: 1 })]);
    });

    it('answers a video reader too, and another creator sees only their own show', async () => {
      // Act
      const reader = await call(`/insights/creator?from=${day}&to=${day}`, keys.videoReader);
      const other = (await (
        await call(`/insights/creator?from=${day}&to=${day}`, keys.otherCreator)
      ).json()) as CreatorInsights;

      // Assess
      expect(reader.status).toBe(200);
      expect(other.shows.map((show) => show.showId)).toEqual([ids.otherShow]);
      expect(other.videos).toEqual([]);
    });

    it('refuses a range longer than a year, or reversed, with the field named', async () => {
      // Act
      const tooLong = await call('/insights/creator?from=2024-01-01&to=2025-06-01', keys.creator);
      const reversed = await call(`/insights/creator?from=${day}&to=2020-01-01`, keys.creator);

      // Assess
      expect(tooLong.status).toBe(400);
      expect(((await tooLong.json()) as Problem).status).toBe(400);
      expect(reversed.status).toBe(400);
    });
  });

  describe('Method: designer', () => {
    it('answers the licenses of the designs the caller owns; a creator key is refused', async () => {
      // Act
      const response = await call(`/insights/designer?from=${day}&to=${day}`, keys.designer);
      const refused = await call(`/insights/designer?from=${day}&to=${day}`, keys.creator);

      // Assess
      expect(response.status).toBe(200);
      expect(((await response.json()) as DesignerInsights).designs).toEqual([
        { designId: ids.design, licensesMinted: 1, printsCompleted: 0, printsSucceeded: 0, printsCounted: 0 },
      ]);
      expect(refused.status).toBe(403);
    });
  });

  describe('Method: platform', () => {
    it('answers operators the funnel from show page to paid order; anyone else is refused', async () => {
      // Act
      const response = await call(`/insights/platform?from=${day}&to=${day}`, keys.operator);
      const refused = await call(`/insights/platform?from=${day}&to=${day}`, keys.creator);

      // Assess
      expect(response.status).toBe(200);
      expect(((await response.json()) as PlatformInsights).funnel).toEqual({
        showPageViews: 1,
        checkoutsStarted: 2,
        ordersPaid: 2,
        checkoutRate: 2,
        paymentRate: 1,
      });
      expect(refused.status).toBe(403);
    });

    it('answers 503 while the warehouse is down', async () => {
      // Arrange
      await warehouse.close();

      // Act
      const response = await call(`/insights/platform?from=${day}&to=${day}`, keys.operator);

      // Assess
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).not.toBeNull();
    });
  });
});
