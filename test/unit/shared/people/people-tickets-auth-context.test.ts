import { describe, expect, it } from 'vitest';
import { PERSON_SCOPES, sessionScopes } from '#shared/people/roles.ts';
import { principalFromHeaders } from '#shared/runtime/auth-context.ts';

describe('Function: principalFromHeaders', () => {
  it('admits a person without an organisation (empty or dropped x-fc-org) with orgId ""', () => {
    const headers = {
      'x-fc-principal': 'user:U1',
      'x-fc-scopes': 'tickets:read tickets:buy',
      'x-fc-user': 'U1',
    };

    expect(principalFromHeaders({ ...headers, 'x-fc-org': '' })).toEqual({
      principal: 'user:U1',
      orgId: '',
      scopes: ['tickets:read', 'tickets:buy'],
      keyId: '',
      userId: 'U1',
    });
    expect(principalFromHeaders(headers)?.orgId).toBe('');
  });

  it('refuses a caller with neither an organisation nor a person', () => {
    expect(principalFromHeaders({ 'x-fc-principal': 'key:K1', 'x-fc-org': '', 'x-fc-scopes': 'admin' })).toBe(
      undefined,
    );
    expect(principalFromHeaders({ 'x-fc-principal': 'key:K1', 'x-fc-scopes': 'admin' })).toBe(undefined);
    expect(principalFromHeaders({ 'x-fc-org': 'O1', 'x-fc-user': 'U1' })).toBe(undefined);
  });

  it('keeps an API key’s organisation and no userId', () => {
    expect(
      principalFromHeaders({
        'x-fc-principal': 'key:K1',
        'x-fc-org': 'O1',
        'x-fc-scopes': 'tickets:buy',
        'x-fc-key-id': 'K1',
      }),
    ).toEqual({ principal: 'key:K1', orgId: 'O1', scopes: ['tickets:buy'], keyId: 'K1' });
  });
});

describe('Function: sessionScopes', () => {
  it('adds the person scopes to a role’s, once', () => {
    expect(sessionScopes(null)).toEqual([...PERSON_SCOPES]);
    expect(sessionScopes({ role: 'creator', orgKind: 'creator' })).toEqual([
      'videos:read',
      'videos:write',
      'shows:write',
      'tickets:read',
      'tickets:buy',
    ]);
    expect(sessionScopes({ role: 'viewer', orgKind: 'viewer' })).toEqual(['tickets:read', 'tickets:buy']);
  });
});
