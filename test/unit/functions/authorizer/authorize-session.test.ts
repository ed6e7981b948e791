import { describe, expect, it } from 'vitest';
import {
  authorize,
  type KeyLookup,
  SESSION_ANSWER_TTL_MS,
  type SessionLookup,
} from '#functions/authorizer/authorize.ts';
import { hashSessionId, newSessionId } from '#shared/people/session-cookie.ts';
import type { LiveSession } from '#shared/people/session-repository.ts';

const NOW = new Date('2026-12-07T10:00:00.000Z');
const PORTAL = 'https://app.example.com';

function setup(overrides: Partial<LiveSession> = {}) {
  const id = newSessionId();
  const touched: string[] = [];
  const session: LiveSession = {
    userId: '01JUSER0000000000000000000',
    orgId: '01JORG00000000000000000000',
    createdAt: NOW,
    lastSeenAt: NOW,
    idleExpiresAt: new Date(NOW.getTime() + 30 * 60_000),
    absoluteExpiresAt: new Date(NOW.getTime() + 12 * 3_600_000),
    role: 'designer',
    orgKind: 'designer',
    ...overrides,
  };
  const sessions: SessionLookup = {
    portalOrigin: PORTAL,
    find: async (idHash) => (idHash.equals(hashSessionId(id)) ? session : undefined),
    touch: async (idHash) => {
      touched.push(idHash.toString('hex'));
    },
  };
  const keys: KeyLookup = { find: async () => undefined, sessions };
  return { id, keys, touched };
}

const cookieInput = (cookie: string, extra: Record<string, string> = {}) =>
  ({ type: 'USER_DEFINED', data: { cookie, ...extra } }) as const;

describe('Function: authorize (portal session cookie)', () => {
  it('answers the person, the active organisation, the role’s scopes and the person’s own, for at most 5 s', async () => {
    const { id, keys, touched } = setup();

    const answer = await authorize(cookieInput(`x=1; __Host-fc_session=${id}`, { method: 'GET' }), keys, NOW);

    expect(answer).toMatchObject({
      active: true,
      principal: 'user:01JUSER0000000000000000000',
      scope: [
        'designs:read',
        'designs:write',
        'licenses:read',
        'licenses:write',
        'tickets:read',
        'tickets:buy',
      ],
      expiresAt: new Date(NOW.getTime() + SESSION_ANSWER_TTL_MS).toISOString(),
      context: {
        principal: 'user:01JUSER0000000000000000000',
        orgId: '01JORG00000000000000000000',
        userId: '01JUSER0000000000000000000',
      },
    });
    expect(answer.active && 'keyId' in answer.context).toBe(false);
    expect(touched).toHaveLength(1);
  });

  it('admits a person without an organisation as themselves, with the person scopes only', async () => {
    const { id, keys, touched } = setup({ orgId: null, role: null, orgKind: null });

    const answer = await authorize(cookieInput(`__Host-fc_session=${id}`, { method: 'GET' }), keys, NOW);

    expect(answer).toMatchObject({
      active: true,
      principal: 'user:01JUSER0000000000000000000',
      scope: ['tickets:read', 'tickets:buy'],
      context: {
        principal: 'user:01JUSER0000000000000000000',
        orgId: '',
        scopes: 'tickets:read tickets:buy',
        userId: '01JUSER0000000000000000000',
      },
    });
    expect(touched).toHaveLength(1);
  });

  it('does not add the person scopes twice to a viewer organisation’s member', async () => {
    const { id, keys } = setup({ role: 'viewer', orgKind: 'viewer' });

    const answer = await authorize(cookieInput(`__Host-fc_session=${id}`), keys, NOW);

    expect(answer.active && answer.scope).toEqual(['tickets:read', 'tickets:buy']);
  });

  it('never lets the answer outlive the idle expiry', async () => {
    const { id, keys } = setup({ idleExpiresAt: new Date(NOW.getTime() + 1_000) });

    const answer = await authorize(cookieInput(`__Host-fc_session=${id}`), keys, NOW);

    expect(answer.active && answer.expiresAt).toBe(new Date(NOW.getTime() + 1_000).toISOString());
  });

  it('refuses a write from another origin, or without one, as origin-refused, before any lookup', async () => {
    const { id, keys, touched } = setup();

    const foreign = await authorize(
      cookieInput(`__Host-fc_session=${id}`, { method: 'POST', origin: 'https://evil.example' }),
      keys,
      NOW,
    );
    const none = await authorize(cookieInput(`__Host-fc_session=${id}`, { method: 'DELETE' }), keys, NOW);
    const fromPortal = await authorize(
      cookieInput(`__Host-fc_session=${id}`, { method: 'POST', origin: PORTAL }),
      keys,
      NOW,
    );

    expect(foreign).toMatchObject({ active: false, problem: 'origin-refused' });
    expect(none).toMatchObject({ active: false, problem: 'origin-refused' });
    expect(fromPortal.active).toBe(true);
    expect(touched).toHaveLength(1);
  });

  it('refuses an unknown session, a member without a role in the active organisation, and the wrong cookie name', async () => {
    const { keys } = setup();
    const removed = setup({ role: null, orgKind: null });

    expect((await authorize(cookieInput(`__Host-fc_session=${newSessionId()}`), keys, NOW)).active).toBe(
      false,
    );
    expect((await authorize(cookieInput(`__Host-fc_session=${removed.id}`), removed.keys, NOW)).active).toBe(
      false,
    );
    expect((await authorize(cookieInput(`fc_session=${removed.id}`), keys, NOW)).active).toBe(false);
    expect((await authorize(cookieInput('__Host-fc_session=short'), keys, NOW)).active).toBe(false);
  });

  it('accepts no cookie at all without a session lookup (no PORTAL_ORIGIN)', async () => {
    const { id } = setup();

    const answer = await authorize(
      cookieInput(`__Host-fc_session=${id}`),
      { find: async () => undefined },
      NOW,
    );

    expect(answer.active).toBe(false);
  });
});
