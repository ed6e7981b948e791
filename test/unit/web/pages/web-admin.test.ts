import { describe, expect, it } from 'vitest';
import { SCOPES } from '#shared/accounts/api-keys.ts';
import { scopesForRole } from '#shared/people/roles.ts';
import {
  API_KEY_SCOPES,
  type ApiKeyView,
  assignableRoles,
  checkKeyForm,
  checkMemberForm,
  grantableScopes,
  keyState,
  sortKeys,
} from '../../../../web/src/pages/admin/access.ts';

const NOW = new Date('2026-12-07T10:00:00Z');

const key = (overrides: Partial<ApiKeyView>): ApiKeyView => ({
  keyId: 'abcdefabcdef0123',
  name: 'ERP',
  scopes: ['licenses:read'],
  createdAt: '2026-12-01T00:00:00Z',
  expiresAt: null,
  revokedAt: null,
  ...overrides,
});

describe('Module: web admin access', () => {
  describe('Function: grantableScopes', () => {
    it('offers every API key scope but prints:authorize (a printer credential’s) and live:ingest (the platform’s ingest workers’)', () => {
      // Act + Assess
      expect([...API_KEY_SCOPES].sort()).toEqual(
        SCOPES.filter((scope) => scope !== 'prints:authorize' && scope !== 'live:ingest').sort(),
      );
    });

    it('offers an organisation admin the scopes it holds, never members:write or more', () => {
      // Prepare
      const licenseeAdmin = scopesForRole('org_admin', 'licensee');

      // Act
      const offered = grantableScopes(licenseeAdmin);

      // Assess
      expect(offered).toEqual([
        'designs:read',
        'licenses:read',
        'licenses:write',
        'printers:write',
        'webhooks:manage',
      ]);
      expect(grantableScopes(scopesForRole('platform_operator', 'operator'))).toEqual([...API_KEY_SCOPES]);
    });
  });

  describe('Function: assignableRoles', () => {
    it('keeps platform operator for those who hold admin', () => {
      // Act + Assess
      expect(assignableRoles(scopesForRole('org_admin', 'designer'))).not.toContain('platform_operator');
      expect(assignableRoles(['admin'])).toContain('platform_operator');
    });
  });

  describe('Function: checkMemberForm', () => {
    it('accepts an email and an assignable role and names what is wrong otherwise', () => {
      // Act + Assess
      expect(checkMemberForm({ email: ' ada@example.com ', role: 'designer' }, ['members:write'])).toEqual({
        ok: true,
        email: 'ada@example.com',
        role: 'designer',
      });
      expect(checkMemberForm({ email: 'ada', role: 'platform_operator' }, ['members:write'])).toEqual({
        ok: false,
        errors: { email: 'errorEmail', role: 'errorRole' },
      });
    });
  });

  describe('Function: checkKeyForm', () => {
    const held = scopesForRole('org_admin', 'licensee');

    it('builds the request with the chosen scopes and the end of the last day', () => {
      // Act
      const check = checkKeyForm(
        { name: ' ERP orders ', scopes: ['licenses:write', 'licenses:read'], expiresOn: '2027-01-31' },
        held,
        NOW,
      );

      // Assess
      expect(check).toEqual({
        ok: true,
        request: {
          name: 'ERP orders',
          scopes: ['licenses:read', 'licenses:write'],
          expiresAt: '2027-01-31T23:59:59.000Z',
        },
      });
    });

    it('leaves the expiry out when none is chosen', () => {
      // Act + Assess
      expect(checkKeyForm({ name: 'CI', scopes: ['licenses:read'], expiresOn: '' }, held, NOW)).toEqual({
        ok: true,
        request: { name: 'CI', scopes: ['licenses:read'] },
      });
    });

    it('refuses no scope, a scope the person does not hold, a past or impossible day and no name', () => {
      // Act + Assess
      expect(checkKeyForm({ name: '', scopes: [], expiresOn: '2026-12-01' }, held, NOW)).toEqual({
        ok: false,
        errors: { name: 'errorKeyName', scopes: 'errorScopes', expiresOn: 'errorExpiryPast' },
      });
      expect(checkKeyForm({ name: 'x', scopes: ['admin'], expiresOn: '2027-02-30' }, held, NOW)).toEqual({
        ok: false,
        errors: { scopes: 'errorScopes', expiresOn: 'errorExpiryDate' },
      });
    });
  });

  describe('Function: keyState and sortKeys', () => {
    it('reads revoked and expired keys and lists the working ones first, newest first', () => {
      // Prepare
      const revoked = key({
        keyId: 'r',
        revokedAt: '2026-12-02T00:00:00Z',
        createdAt: '2026-12-05T00:00:00Z',
      });
      const expired = key({ keyId: 'e', expiresAt: '2026-12-06T00:00:00Z' });
      const older = key({ keyId: 'o', createdAt: '2026-11-01T00:00:00Z' });
      const newer = key({ keyId: 'n', createdAt: '2026-12-03T00:00:00Z', expiresAt: '2027-01-01T00:00:00Z' });

      // Act + Assess
      expect([revoked, expired, older, newer].map((item) => keyState(item, NOW))).toEqual([
        'revoked',
        'expired',
        'active',
        'active',
      ]);
      expect(sortKeys([revoked, expired, older, newer], NOW).map((item) => item.keyId)).toEqual([
        'n',
        'o',
        'r',
        'e',
      ]);
    });
  });
});
