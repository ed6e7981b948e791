import { describe, expect, it } from 'vitest';
import { ORG_KINDS as API_ORG_KINDS } from '#functions/accounts/schema.ts';
import { reconciliationResponse } from '#functions/license-mint/responses.ts';
import {
  checkOrgForm,
  DRIFT_KINDS,
  describeLedgerValue,
  driftKindKey,
  MAX_DRIFT_VALUE_CHARS,
  ORG_KINDS,
  provenancePath,
  suggestedScopes,
} from '../../../../web/src/pages/operator/platform.ts';

describe('Module: web operator platform', () => {
  describe('Function: checkOrgForm', () => {
    it('offers the kinds the API accepts and suggests a working first key for each', () => {
      // Act + Assess
      expect([...ORG_KINDS]).toEqual([...API_ORG_KINDS]);
      expect(suggestedScopes('licensee')).toEqual(['printers:write', 'licenses:read']);
      expect(suggestedScopes('integrator')).toEqual(['licenses:read', 'licenses:write']);
    });

    it('builds the request and refuses a missing name, an unknown kind and no scopes', () => {
      // Act + Assess
      expect(
        checkOrgForm({ name: ' Print Hub ', kind: 'licensee', scopes: ['licenses:read', 'nope'] }),
      ).toEqual({
        ok: true,
        request: { name: 'Print Hub', kind: 'licensee', scopes: ['licenses:read'] },
      });
      expect(checkOrgForm({ name: ' ', kind: 'operator', scopes: [] })).toEqual({
        ok: false,
        errors: { name: 'errorOrgName', kind: 'errorKind', scopes: 'errorScopes' },
      });
    });
  });

  describe('Function: driftKindKey', () => {
    it('has words for every drift kind the API reports and a fallback for newer ones', () => {
      // Prepare
      const reported = reconciliationResponse.shape.drift.element.shape.kind.options;

      // Act + Assess
      expect([...DRIFT_KINDS].sort()).toEqual([...reported].sort());
      expect(driftKindKey('terms-mismatch')).toBe('drift.terms-mismatch');
      expect(driftKindKey('something-new')).toBe('drift.unknown');
    });
  });

  describe('Function: describeLedgerValue', () => {
    it('writes one side of a drift as key: value lines, nested values as JSON', () => {
      // Act + Assess
      expect(describeLedgerValue({ printsSettled: 2, holder: { org: 'x' } })).toBe(
        'printsSettled: 2\nholder: {"org":"x"}',
      );
      expect(describeLedgerValue(null)).toBe('—');
      expect(describeLedgerValue(7)).toBe('7');
    });

    it('bounds what one cell shows', () => {
      // Act
      const text = describeLedgerValue({ blob: 'x'.repeat(5000) });

      // Assess
      expect(text).toHaveLength(MAX_DRIFT_VALUE_CHARS);
      expect(text.endsWith('…')).toBe(true);
    });
  });

  describe('Function: provenancePath', () => {
    it('filters by an organisation id only when it is one', () => {
      // Act + Assess
      expect(provenancePath(' 01kbz8q4y7t0m8d1s9v6r2n3xa ', '41')).toBe(
        '/provenance-conflicts?limit=20&orgId=01KBZ8Q4Y7T0M8D1S9V6R2N3XA&cursor=41',
      );
      expect(provenancePath('acme', null)).toBe('/provenance-conflicts?limit=20');
    });
  });
});
