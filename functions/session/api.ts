import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import {
  LastAdminError,
  NotAMemberError,
  NotSignedInError,
  OriginRefusedError,
  RoleNotGrantableError,
  SignInFailedError,
} from './errors.ts';
import { memberListResponse, memberResponse, sessionResponse } from './responses.ts';
import {
  addMemberSchema,
  callbackQuerySchema,
  changeRoleSchema,
  idSchema,
  loginQuerySchema,
  membersQuerySchema,
  switchOrganisationSchema,
} from './schema.ts';

const redirect = (description: string) => ({ 302: { description } });
const cookieNote =
  'Authenticated by the session cookie (`fc_session`; `__Host-fc_session` over https), which the browser sends by itself.';

/** The session routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  signIn: {
    summary: 'Start signing in: redirect to the identity provider',
    description:
      'Code flow with PKCE (S256), state and nonce, kept server-side under a short-lived HttpOnly `fc_login` cookie. `returnTo` must be a path on the portal.',
    query: loginQuerySchema,
    responses: redirect('To the identity provider’s sign-in page'),
  },
  register: {
    summary: 'Start a viewer’s self-registration: redirect to the provider’s sign-up page',
    description:
      'As `signIn`, with `prompt=create`. A new person belongs to no organisation: they buy and hold tickets as themselves.',
    query: loginQuerySchema,
    responses: redirect('To the identity provider’s sign-up page'),
  },
  signInCallback: {
    summary: 'Finish signing in (the identity provider sends the browser here)',
    description:
      'Checks state, PKCE and the ID token, creates the person on first sign-in, sets the session cookie (HttpOnly, SameSite=Lax, Path=/; Secure over https) and redirects to `returnTo`.',
    query: callbackQuerySchema,
    responses: redirect('To `returnTo`, signed in'),
    problems: () => [new SignInFailedError('')],
  },
  getSession: {
    summary: 'Who is signed in: person, active organisation, role, scopes, memberships',
    description: cookieNote,
    responses: { 200: { description: 'The session', schema: sessionResponse } },
    problems: () => [new NotSignedInError()],
  },
  switchOrganisation: {
    summary: 'Act for another organisation the person is a member of',
    description: `${cookieNote} Only from the portal’s pages (\`Origin\`). The session goes on under a new id (a new cookie), so no cached authorization for the old organisation outlives the switch.`,
    body: switchOrganisationSchema,
    responses: { 200: { description: 'The session, now in that organisation', schema: sessionResponse } },
    problems: () => [new NotSignedInError(), new NotAMemberError(), new OriginRefusedError()],
  },
  signOut: {
    summary: 'Sign out: the session ends and its cookie is cleared',
    description: `${cookieNote} Only from the portal’s pages (\`Origin\`).`,
    body: null,
    responses: { 204: { description: 'Signed out (also when there was no session)' } },
    problems: () => [new OriginRefusedError()],
  },
  listMembers: {
    summary: 'The organisation’s members and pending invitations',
    query: membersQuerySchema,
    responses: { 200: { description: '`items`', schema: memberListResponse } },
    problems: () => [new NotAMemberError()],
  },
  addMember: {
    summary: 'Add a person by email, with a role',
    description:
      'A person who has signed in before becomes a member at once; anyone else is invited and becomes a member at their first sign-in with that (verified) email.',
    query: membersQuerySchema,
    body: addMemberSchema,
    responses: { 201: { description: 'The member or invitation', schema: memberResponse } },
    problems: () => [
      new RoleNotGrantableError('platform_operator'),
      new NotFoundError(''),
      new NotAMemberError(),
    ],
  },
  changeMemberRole: {
    summary: 'Change a member’s role',
    params: z.object({ userId: idSchema }),
    query: membersQuerySchema,
    body: changeRoleSchema,
    responses: { 204: { description: 'Changed' } },
    problems: () => [
      new NotFoundError(''),
      new RoleNotGrantableError('platform_operator'),
      new LastAdminError(),
    ],
  },
  removeMember: {
    summary: 'Remove a member; their sessions in this organisation end at once',
    params: z.object({ userId: idSchema }),
    query: membersQuerySchema,
    responses: { 204: { description: 'Removed' } },
    problems: () => [new NotFoundError(''), new LastAdminError(), new NotAMemberError()],
  },
} satisfies RouteContracts;
