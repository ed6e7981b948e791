import { MEMBERS_SCOPE } from '#shared/people/roles.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';
import { sessionConfigKeys } from './config.ts';

const open = { type: 'anonymous' } as const;
const memberManager = { type: 'scoped', anyOf: [MEMBERS_SCOPE, 'admin'] } as const;

export const sessionManifest = defineManifest({
  name: 'session',
  summary:
    'People signing in to the portal: OpenID Connect code flow with PKCE ending in an HttpOnly session cookie, the current session, organisation switch, sign-out, and organisation members.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 15,
  routes: [
    // The session routes read the cookie themselves (and check Origin on writes): a person with
    // no session must reach them, and the authorizer would refuse exactly that person.
    { method: 'GET', path: '/session/login', auth: open, operationId: 'signIn' },
    { method: 'GET', path: '/session/register', auth: open, operationId: 'register' },
    { method: 'GET', path: '/session/callback', auth: open, operationId: 'signInCallback' },
    { method: 'GET', path: '/session', auth: open, operationId: 'getSession' },
    { method: 'POST', path: '/session/organisation', auth: open, operationId: 'switchOrganisation' },
    { method: 'POST', path: '/session/logout', auth: open, operationId: 'signOut' },
    { method: 'GET', path: '/members', auth: memberManager, operationId: 'listMembers' },
    { method: 'POST', path: '/members', auth: memberManager, operationId: 'addMember' },
    { method: 'PATCH', path: '/members/{userId}', auth: memberManager, operationId: 'changeMemberRole' },
    { method: 'DELETE', path: '/members/{userId}', auth: memberManager, operationId: 'removeMember' },
  ],
  events: [],
  config: sessionConfigKeys,
  api: () => import('./api.ts'),
});
