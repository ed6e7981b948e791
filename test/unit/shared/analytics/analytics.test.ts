import { describe, expect, it } from 'vitest';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import { ga4DestinationOf } from '#shared/analytics/config.ts';
import { type Ga4MappingContext, majorUnits, toGa4Hit } from '#shared/analytics/ga4-events.ts';
import { ga4Requests } from '#shared/analytics/ga4-forwarder.ts';
import { analyticsUserIdHash } from '#shared/analytics/visitor-ids.ts';
import { validateMeasurementProtocolBody } from '#test/support/fake-ga4.ts';
import { placeOf } from '../../../../web/src/app/beacon-place.ts';

const NOW = Date.parse('2026-12-07T18:00:00.000Z');
const SALT = 's'.repeat(32);

let sequence = 0;
const published = (
  type: PublishedEvent['type'],
  payload: unknown,
  aggregateType = 'visitor',
): PublishedEvent => {
  sequence += 1;
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    type,
    version: 1,
    aggregateType,
    aggregateId: 'agg',
    occurredAt: new Date(NOW - 60_000).toISOString(),
    sequence: String(sequence),
    payload,
  };
};

const context = (consenting: string[] = []): Ga4MappingContext => ({
  siteOrigin: 'https://portal.example',
  userIdHashOf: (userId) => analyticsUserIdHash(SALT, userId),
  consenting: new Set(consenting),
});

const order = (holderUserId: string | null, extra: Record<string, unknown> = {}) =>
  published(
    'tickets.issued',
    {
      holdId: 'h-1',
      showId: 's-1',
      holderOrgId: holderUserId ? null : 'org-1',
      holderUserId,
      ticketIds: ['t-1', 't-2'],
      quantity: 2,
      paymentIntentId: 'pi_1',
      ...extra,
    },
    'order',
  );

describe('Module: shared/analytics/ga4-events', () => {
  describe('Function: toGa4Hit', () => {
    it('sends nothing for an analytics event without consent', () => {
      // Act
      const hit = toGa4Hit(
        published('analytics.page_viewed', {
          page: 'show',
          path: '/shows/s-1',
          showId: 's-1',
          consent: false,
        }),
        context(),
      );

      // Assess
      expect(hit).toBeUndefined();
    });

    it('makes a page_view on the portal’s origin with the client id and the person’s hash', () => {
      // Act
      const hit = toGa4Hit(
        published('analytics.page_viewed', {
          page: 'show',
          path: '/shows/s-1',
          showId: 's-1',
          consent: true,
          clientId: 'client-123',
          userIdHash: 'ab'.repeat(32),
        }),
        context(),
      );

      // Assess
      expect(hit).toEqual({
        clientId: 'client-123',
        userId: 'ab'.repeat(32),
        timestampMicros: (NOW - 60_000) * 1000,
        event: {
          name: 'page_view',
          params: {
            page_location: 'https://portal.example/shows/s-1',
            page_kind: 'show',
            show_id: 's-1',
            engagement_time_msec: 1,
          },
        },
      });
    });

    it('names key actions as GA4’s recommended events', () => {
      // Act
      const hit = toGa4Hit(
        published('analytics.action', {
          action: 'sign_up',
          page: 'catalogue',
          path: '/shows',
          consent: true,
          clientId: 'client-123',
        }),
        context(),
      );

      // Assess
      expect(hit?.event.name).toBe('sign_up');
      expect(hit?.event.params.method).toBe('forgecast');
    });

    it('makes a purchase only for a person who consents, never for an organisation', () => {
      // Prepare
      const hash = analyticsUserIdHash(SALT, 'u-1');

      // Act
      const consenting = toGa4Hit(order('u-1', { amountTotal: 3000, currency: 'eur' }), context(['u-1']));
      const declining = toGa4Hit(order('u-2'), context(['u-1']));
      const organisation = toGa4Hit(order(null), context(['u-1']));

      // Assess
      expect(consenting?.userId).toBe(hash);
      expect(consenting?.clientId).toBe(`srv.${hash.slice(0, 32)}`);
      expect(consenting?.event).toEqual({
        name: 'purchase',
        params: {
          transaction_id: 'h-1',
          currency: 'EUR',
          value: 30,
          items: [{ item_id: 's-1', quantity: 2 }],
          engagement_time_msec: 1,
        },
      });
      expect(declining).toBeUndefined();
      expect(organisation).toBeUndefined();
    });

    it('turns Stripe’s smallest units into GA4’s value', () => {
      expect(majorUnits(1999, 'usd')).toBe(19.99);
      expect(majorUnits(500, 'jpy')).toBe(500);
      expect(majorUnits(1500, 'kwd')).toBe(1.5);
    });
  });
});

describe('Module: shared/analytics/ga4-forwarder', () => {
  describe('Function: ga4Requests', () => {
    it('makes requests GA4 accepts: one visitor each, at most 25 events, values within their limits', () => {
      // Prepare
      const hits = [
        ...Array.from({ length: 30 }, (_, i) => ({ i, clientId: 'client-a' })),
        { i: 30, clientId: 'client-b' },
      ].map(({ i, clientId }) =>
        toGa4Hit(
          published('analytics.page_viewed', {
            page: 'portal',
            path: `/${'p'.repeat(250)}/${i}`.slice(0, 256),
            consent: true,
            clientId,
          }),
          { ...context(), siteOrigin: `https://${'x'.repeat(900)}.example` },
        ),
      );

      // Act
      const requests = ga4Requests(hits.filter((hit) => hit !== undefined));

      // Assess
      expect(requests.map((request) => [request.client_id, request.events.length])).toEqual([
        ['client-a', 25],
        ['client-a', 5],
        ['client-b', 1],
      ]);
      for (const request of requests) {
        const body = JSON.stringify(request);
        expect(validateMeasurementProtocolBody(JSON.parse(body), Buffer.byteLength(body), NOW)).toEqual([]);
      }
    });
  });
});

describe('Module: test/support/fake-ga4 (the stand-in’s checks)', () => {
  it('refuses what GA4 drops: reserved names and prefixes, too many events, long values, no client id', () => {
    // Prepare
    const body = {
      events: [
        { name: 'session_start', params: {} },
        { name: 'ga_thing', params: {} },
        { name: 'ok', params: { long: 'x'.repeat(101), _private: 1 } },
        ...Array.from({ length: 23 }, () => ({ name: 'ok', params: {} })),
      ],
    };

    // Act
    const codes = validateMeasurementProtocolBody(body, 100, NOW).map(
      (message) => `${message.fieldPath}:${message.validationCode}`,
    );

    // Assess
    expect(codes).toEqual([
      'client_id:VALUE_REQUIRED',
      'events:EXCEEDED_MAX_ENTITIES',
      'events[0].name:NAME_RESERVED',
      'events[1].name:NAME_RESERVED',
      'events[2].params.long:VALUE_OUT_OF_BOUNDS',
      'events[2].params._private:NAME_RESERVED',
    ]);
  });
});

describe('Module: test/support/fake-ga4 (event members)', () => {
  it('takes an event’s own timestamp_micros within 72 hours, and no other member beside name and params', () => {
    // Prepare
    const body = (event: Record<string, unknown>) => ({ client_id: 'c-1', events: [event] });

    // Act
    const own = validateMeasurementProtocolBody(
      body({ name: 'ok', params: {}, timestamp_micros: NOW * 1000 }),
      100,
      NOW,
    );
    const old = validateMeasurementProtocolBody(
      body({ name: 'ok', timestamp_micros: (NOW - 73 * 3_600_000) * 1000 }),
      100,
      NOW,
    );
    const unknown = validateMeasurementProtocolBody(body({ name: 'ok', when: 1 }), 100, NOW);

    // Assess
    expect(own).toEqual([]);
    expect(old.map((message) => message.validationCode)).toEqual(['VALUE_OUT_OF_BOUNDS']);
    expect(unknown.map((message) => message.fieldPath)).toEqual(['events[0].when']);
  });
});

describe('Module: shared/analytics/config', () => {
  it('leaves GA4 off unless both the measurement id and the API secret are set', () => {
    const base = { GA4_BASE_URL: 'https://www.google-analytics.com', GA4_TIMEOUT_MS: 5000 };
    expect(ga4DestinationOf(base)).toBeUndefined();
    expect(ga4DestinationOf({ ...base, GA4_MEASUREMENT_ID: 'G-ABC1234' })).toBeUndefined();
    expect(
      ga4DestinationOf({ ...base, GA4_MEASUREMENT_ID: 'G-ABC1234', GA4_API_SECRET: 'secret-123' }),
    ).toEqual({
      baseUrl: 'https://www.google-analytics.com',
      measurementId: 'G-ABC1234',
      apiSecret: 'secret-123',
      timeoutMs: 5000,
    });
  });
});

describe('Module: web/src/app/beacon', () => {
  it('tells the kind of page and the show or design it is about, from the path', () => {
    expect(placeOf('/shows')).toEqual({ page: 'catalogue', path: '/shows' });
    expect(placeOf('/shows/01J0ABC')).toEqual({ page: 'show', path: '/shows/01J0ABC', showId: '01J0ABC' });
    expect(placeOf('/shows/01J0ABC/bought')).toMatchObject({ page: 'checkout', showId: '01J0ABC' });
    expect(placeOf('/watch/01J0ABC')).toMatchObject({ page: 'watch', showId: '01J0ABC' });
    expect(placeOf('/tickets/t-1')).toEqual({ page: 'tickets', path: '/tickets/t-1' });
    expect(placeOf('/studio/shows')).toEqual({ page: 'studio', path: '/studio/shows' });
    expect(placeOf('/designs/d-1')).toEqual({ page: 'portal', path: '/designs/d-1', designId: 'd-1' });
    expect(placeOf('/licenses')).toEqual({ page: 'portal', path: '/licenses' });
  });
});
