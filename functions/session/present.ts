import type { MemberView } from '#shared/people/membership-repository.ts';

export function presentMember(member: MemberView) {
  return {
    userId: member.userId,
    email: member.email,
    name: member.name,
    role: member.role,
    status: member.status,
    since: member.since.toISOString(),
  };
}
