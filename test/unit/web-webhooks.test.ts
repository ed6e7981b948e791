import { describe, expect, it } from 'vitest';
import {
  checkEndpointForm,
  deliveriesPath,
  deliveryStatusKey,
  deliveryTone,
  endpointChanges,
  endpointTone,
  groupEventTypes,
  mayRedeliver,
  readDeliveries,
  readEndpoint,
  readEventTypes,
  readSecretAnswer,
  readTestOutcome,
} from '../../web/src/pages/webhooks/webhook-model.ts';

const TYPES = ['design.registered', 'license.minted', 'license.revoked', 'print.completed', 'tickets.issued'];

describe('Module: web webhooks model', () => {
  describe('Function: groupEventTypes', () => {
    it('groups event types by domain, domains and types in name order', () => {
      // Prepare
      const types = readEventTypes({
        items: [
          { type: 'tickets.issued', description: 'Tickets issued' },
          'license.revoked',
          { type: 'license.minted' },
          { type: 'design.registered' },
        ],
      });

      // Act
      const groups = groupEventTypes(types);

      // Assess
      expect(groups.map((group) => group.domain)).toEqual(['design', 'license', 'tickets']);
      expect(groups[1]?.types.map((type) => type.type)).toEqual(['license.minted', 'license.revoked']);
      expect(groups[2]?.types[0]).toEqual({ type: 'tickets.issued', description: 'Tickets issued' });
    });
  });

  describe('Function: checkEndpointForm', () => {
    it('accepts an https address with chosen known types and drops an empty description', () => {
      // Act
      const check = checkEndpointForm(
        { url: ' https://erp.example.com/hooks ', description: '  ', eventTypes: ['license.minted'] },
        TYPES,
      );

      // Assess
      expect(check).toEqual({
        ok: true,
        request: { url: 'https://erp.example.com/hooks', eventTypes: ['license.minted'] },
      });
    });

    it('refuses what the API would refuse, field by field', () => {
      // Act
      const notUrl = checkEndpointForm({ url: 'erp.example.com', description: '', eventTypes: [] }, TYPES);
      const ftp = checkEndpointForm(
        { url: 'ftp://example.com/x', description: '', eventTypes: TYPES },
        TYPES,
      );
      const credentials = checkEndpointForm(
        { url: 'https://user:pw@example.com/x', description: 'x'.repeat(501), eventTypes: ['nope.unknown'] },
        TYPES,
      );

      // Assess
      expect(notUrl).toEqual({ ok: false, errors: { url: 'errorUrl', eventTypes: 'errorEventTypes' } });
      expect(ftp).toEqual({ ok: false, errors: { url: 'errorUrl' } });
      expect(credentials).toEqual({
        ok: false,
        errors: {
          url: 'errorUrlCredentials',
          description: 'errorDescription',
          eventTypes: 'errorEventTypes',
        },
      });
    });

    it('leaves plain http to the API (the local cloud allows it, production refuses)', () => {
      // Act
      const check = checkEndpointForm(
        { url: 'http://127.0.0.1:8080/in', description: 'local', eventTypes: ['print.completed'] },
        TYPES,
      );

      // Assess
      expect(check.ok).toBe(true);
    });
  });

  describe('Function: readEndpoint', () => {
    it('reads the API’s endpoint, a disabled one with its reason and time', () => {
      // Act
      const endpoint = readEndpoint({
        id: '01HENDPOINT',
        url: 'https://erp.example.com/hooks',
        description: null,
        eventTypes: ['license.minted'],
        enabled: false,
        disabledReason: 'Failing for 3 days',
        disabledAt: '2026-12-06T10:00:00.000Z',
        failingSince: '2026-12-03T10:00:00.000Z',
        createdAt: '2026-12-01T10:00:00.000Z',
      });

      // Assess
      expect(endpoint).toMatchObject({
        id: '01HENDPOINT',
        enabled: false,
        disabledReason: 'Failing for 3 days',
        disabledAt: '2026-12-06T10:00:00.000Z',
        description: null,
      });
      expect(endpointTone(endpoint)).toBe('warning');
      expect(endpointTone({ ...endpoint, enabled: true, failingSince: null })).toBe('success');
    });

    it('reads the secret of a create, flat or nested, and of a rotation', () => {
      // Act
      const flat = readSecretAnswer({
        id: 'e1',
        url: 'https://a.example',
        eventTypes: [],
        secret: 'whsec_1',
      });
      const nested = readSecretAnswer({
        endpoint: { id: 'e2', url: 'https://b.example' },
        secret: 'whsec_2',
      });
      const rotated = readSecretAnswer({
        secret: 'whsec_3',
        previousSecretExpiresAt: '2026-12-08T10:00:00Z',
      });

      // Assess
      expect([flat.secret, flat.endpoint.id]).toEqual(['whsec_1', 'e1']);
      expect([nested.secret, nested.endpoint.id]).toEqual(['whsec_2', 'e2']);
      expect([rotated.secret, rotated.endpoint.id, rotated.previousSecretExpiresAt]).toEqual([
        'whsec_3',
        '',
        '2026-12-08T10:00:00Z',
      ]);
    });
  });

  describe('Function: readDeliveries', () => {
    it('reads a page of deliveries with their figures and the next cursor', () => {
      // Act
      const page = readDeliveries({
        items: [
          {
            id: 'd1',
            eventId: 'ev-1',
            eventType: 'license.minted',
            status: 'delivered',
            attempts: 1,
            responseCode: 204,
            latencyMs: 12,
            lastError: null,
            nextAttemptAt: null,
            createdAt: '2026-12-07T10:00:00.000Z',
          },
          { id: 'd2', eventId: 'ev-2', eventType: 'print.completed', status: 'pending', attempts: 2 },
        ],
        nextCursor: 'abc',
      });

      // Assess
      expect(page.nextCursor).toBe('abc');
      expect(page.items[0]).toMatchObject({ status: 'delivered', responseCode: 204, latencyMs: 12 });
      expect(page.items[1]).toMatchObject({ status: 'pending', attempts: 2, responseCode: null, at: null });
      expect(page.items.map((delivery) => deliveryStatusKey(delivery.status))).toEqual([
        'delivery.succeeded',
        'delivery.pending',
      ]);
      expect(page.items.map(mayRedeliver)).toEqual([true, false]);
      expect(deliveryTone('failed')).toBe('danger');
      expect(deliveryStatusKey('something-new')).toBeNull();
    });
  });

  describe('Function: readTestOutcome', () => {
    it('says whether the receiver accepted the test event, however the answer puts it', () => {
      // Act + Assess
      expect(readTestOutcome({ ok: true, responseCode: 200, latencyMs: 8 })).toEqual({
        ok: true,
        responseCode: 200,
        latencyMs: 8,
        error: null,
      });
      expect(readTestOutcome({ status: 'failed', responseCode: 500, error: 'HTTP 500' }).ok).toBe(false);
      expect(readTestOutcome({ delivery: { status: 'delivered', responseCode: 204 } })).toMatchObject({
        ok: true,
        responseCode: 204,
      });
      expect(readTestOutcome({ responseCode: null, error: 'connection refused' })).toMatchObject({
        ok: false,
        error: 'connection refused',
      });
    });
  });

  describe('Function: endpointChanges', () => {
    it('sends only what changed', () => {
      // Prepare
      const before = readEndpoint({
        id: 'e1',
        url: 'https://a.example/x',
        description: 'ERP',
        eventTypes: ['license.minted', 'print.completed'],
        enabled: true,
      });

      // Act + Assess
      expect(
        endpointChanges(before, {
          url: 'https://a.example/x',
          description: 'ERP',
          eventTypes: ['print.completed', 'license.minted'],
        }),
      ).toEqual({});
      expect(endpointChanges(before, { url: 'https://b.example/y', eventTypes: ['license.minted'] })).toEqual(
        { url: 'https://b.example/y', description: '', eventTypes: ['license.minted'] },
      );
    });
  });

  it('pages deliveries with an encoded cursor', () => {
    // Act + Assess
    expect(deliveriesPath('e 1', null)).toBe('/webhook-endpoints/e%201/deliveries?limit=20');
    expect(deliveriesPath('e1', 'a/b')).toBe('/webhook-endpoints/e1/deliveries?limit=20&cursor=a%2Fb');
  });
});
