import { describe, expect, it } from 'vitest';
import {
  checkEndpointForm,
  deliveriesPath,
  deliveryTone,
  endpointChanges,
  endpointTone,
  groupEventTypes,
  mayRedeliver,
  urlRefusal,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../../../web/src/pages/webhooks/webhook-model.ts';

const TYPES = ['design.registered', 'license.minted', 'license.revoked', 'print.completed', 'tickets.issued'];

const ENDPOINT: WebhookEndpoint = {
  id: '01JENDPOINT000000000000000',
  url: 'https://erp.example.com/hooks',
  description: 'ERP',
  eventTypes: ['license.minted', 'print.completed'],
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  previousSecretExpiresAt: null,
  createdAt: '2026-12-01T10:00:00.000Z',
  updatedAt: '2026-12-01T10:00:00.000Z',
};

const delivery = (status: WebhookDelivery['status']): WebhookDelivery => ({
  id: '01JDELIVERY000000000000000',
  eventId: '3f1c9a8e-1b2c-4d5e-8f90-123456789abc',
  eventType: 'license.minted',
  status,
  attempts: 1,
  responseCode: 204,
  latencyMs: 12,
  lastError: null,
  nextAttemptAt: null,
  createdAt: '2026-12-07T10:00:00.000Z',
  finishedAt: null,
});

describe('Module: web webhooks model', () => {
  describe('Function: groupEventTypes', () => {
    it('groups event types by domain, domains and types in name order', () => {
      // Prepare
      const types = [
        'tickets.issued',
        'prints.settled',
        'license.revoked',
        'print.completed',
        'license.minted',
        'design.registered',
      ].map((type) => ({ type, version: 1, summary: `${type} happened` }));

      // Act
      const groups = groupEventTypes(types);

      // Assess
      expect(groups.map((group) => group.domain)).toEqual(['design', 'license', 'print', 'ticket']);
      expect(groups[1]?.types.map((type) => type.type)).toEqual(['license.minted', 'license.revoked']);
      expect(groups[2]?.types.map((type) => type.type)).toEqual(['print.completed', 'prints.settled']);
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

  describe('Function: urlRefusal', () => {
    it('says at the URL field why the API refused the address', () => {
      // Act + Assess
      const refusal = (reason: string) => urlRefusal({ code: 'webhook_url_refused', reason });
      expect(refusal('https_required')).toBe('errorHttps');
      expect(refusal('loopback')).toBe('errorPrivateAddress');
      expect(refusal('link_local')).toBe('errorPrivateAddress');
      expect(refusal('unresolvable_host')).toBe('errorUnresolvable');
      expect(refusal('credentials_in_url')).toBe('errorUrlCredentials');
      expect(urlRefusal({ code: 'validation' })).toBeNull();
      expect(urlRefusal(null)).toBeNull();
    });
  });

  describe('Function: endpointTone', () => {
    it('is green only for an enabled endpoint whose deliveries succeed', () => {
      // Act + Assess
      expect(endpointTone(ENDPOINT)).toBe('success');
      expect(endpointTone({ ...ENDPOINT, failingSince: '2026-12-06T10:00:00.000Z' })).toBe('warning');
      expect(
        endpointTone({
          ...ENDPOINT,
          enabled: false,
          disabledReason: 'Every delivery failed for 5 days',
          disabledAt: '2026-12-06T10:00:00.000Z',
        }),
      ).toBe('warning');
    });
  });

  describe('Function: mayRedeliver', () => {
    it('offers a redelivery for ended deliveries, not for one still being tried', () => {
      // Act + Assess
      expect(mayRedeliver(delivery('delivered'))).toBe(true);
      expect(mayRedeliver(delivery('failed'))).toBe(true);
      expect(mayRedeliver(delivery('pending'))).toBe(false);
      expect(['delivered', 'failed', 'pending'].map((status) => deliveryTone(status as 'pending'))).toEqual([
        'success',
        'danger',
        'warning',
      ]);
    });
  });

  describe('Function: endpointChanges', () => {
    it('sends only what changed, and clears an emptied description', () => {
      // Act + Assess
      expect(
        endpointChanges(ENDPOINT, {
          url: 'https://erp.example.com/hooks',
          description: 'ERP',
          eventTypes: ['print.completed', 'license.minted'],
        }),
      ).toEqual({});
      expect(
        endpointChanges(ENDPOINT, { url: 'https://b.example/y', eventTypes: ['license.minted'] }),
      ).toEqual({
        url: 'https://b.example/y',
        description: null,
        eventTypes: ['license.minted'],
      });
    });
  });

  describe('Function: deliveriesPath', () => {
    it('pages deliveries with an encoded cursor', () => {
      // Act + Assess
      expect(deliveriesPath('e 1', null)).toBe('/webhook-endpoints/e%201/deliveries?limit=20');
      expect(deliveriesPath('e1', 'a/b')).toBe('/webhook-endpoints/e1/deliveries?limit=20&cursor=a%2Fb');
    });
  });
});
