import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import {
  listMembers,
  type MemberView,
  organisationExists,
  putInvitation,
  putMembership,
  removeMembership,
  setMemberRole,
} from '#shared/people/membership-repository.ts';
import type { Role } from '#shared/people/roles.ts';
import { revokeSessionsInOrganisation } from '#shared/people/session-repository.ts';
import { findUsersByEmail, normaliseEmail } from '#shared/people/user-repository.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import { LastAdminError, RoleNotGrantableError } from './errors.ts';

/** Members of the caller's organisation, managed by its admin (scope members:write) or the operator (admin). */
export async function membersOf(pool: DbPool, principal: Principal): Promise<MemberView[]> {
  return listMembers(pool, principal.orgId);
}

function assertGrantable(principal: Principal, role: Role): void {
  if (role === 'platform_operator' && !principal.scopes.includes('admin'))
    throw new RoleNotGrantableError(role);
}

/**
 * Adds a person by email: a member at once when they have signed in before, else an invitation
 * that becomes a membership at their first sign-in with that (verified) email.
 */
export async function addMember(
  pool: DbPool,
  principal: Principal,
  input: { email: string; role: Role },
): Promise<MemberView> {
  assertGrantable(principal, input.role);
  const email = normaliseEmail(input.email);
  return withTransaction(pool, async (db) => {
    if (!(await organisationExists(db, principal.orgId)))
      throw new NotFoundError(`No organisation ${principal.orgId}`);
    const users = await findUsersByEmail(db, email);
    if (users.length === 0) {
      await putInvitation(db, principal.orgId, email, input.role);
      return { userId: null, email, name: null, role: input.role, status: 'invited', since: new Date() };
    }
    for (const user of users) await putMembership(db, user.id, principal.orgId, input.role);
    const first = users[0] as (typeof users)[number];
    return {
      userId: first.id,
      email,
      name: first.name,
      role: input.role,
      status: 'active',
      since: new Date(),
    };
  });
}

async function assertAnotherAdminRemains(
  db: Parameters<Parameters<typeof withTransaction>[1]>[0],
  orgId: string,
  userId: string,
): Promise<void> {
  const members = await listMembers(db, orgId);
  const target = members.find((m) => m.userId === userId);
  if (target?.role !== 'org_admin') return;
  if (!members.some((m) => m.status === 'active' && m.role === 'org_admin' && m.userId !== userId)) {
    throw new LastAdminError();
  }
}

export async function changeMemberRole(
  pool: DbPool,
  principal: Principal,
  userId: string,
  role: Role,
): Promise<void> {
  assertGrantable(principal, role);
  await withTransaction(pool, async (db) => {
    if (role !== 'org_admin') await assertAnotherAdminRemains(db, principal.orgId, userId);
    if (!(await setMemberRole(db, userId, principal.orgId, role)))
      throw new NotFoundError(`No member ${userId}`);
  });
}

/** Removes the member and ends, at once, every session they have in this organisation. */
export async function removeMember(pool: DbPool, principal: Principal, userId: string): Promise<number> {
  return withTransaction(pool, async (db) => {
    await assertAnotherAdminRemains(db, principal.orgId, userId);
    if (!(await removeMembership(db, userId, principal.orgId)))
      throw new NotFoundError(`No member ${userId}`);
    return revokeSessionsInOrganisation(db, userId, principal.orgId, new Date());
  });
}
