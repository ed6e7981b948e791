/**
 * Who buys an order and holds its tickets (issue 16): a person signed in with a portal session,
 * acting as themselves whatever organisation their session has active, or an organisation through
 * one of its API keys (an integration: a box office). Orders and tickets name one or the other
 * (seat_holds.buyer_user_id / buyer_org_id, tickets.holder_user_id / holder_org_id); rows migrated
 * from one-member viewer organisations name both, and each side sees them (migration 0013).
 */
export type Holder =
  | { readonly kind: 'person'; readonly userId: string }
  | { readonly kind: 'organisation'; readonly orgId: string };

/** The holder a caller acts as: the person when the principal names one, else its organisation. */
export function holderOf(principal: { readonly orgId: string; readonly userId?: string }): Holder {
  if (principal.userId) return { kind: 'person', userId: principal.userId };
  if (!principal.orgId)
    throw new Error('a principal with neither a person nor an organisation holds nothing');
  return { kind: 'organisation', orgId: principal.orgId };
}

/** The columns an order or ticket row gets for this holder. */
export function holderColumns(holder: Holder): { orgId: string | null; userId: string | null } {
  return holder.kind === 'person'
    ? { orgId: null, userId: holder.userId }
    : { orgId: holder.orgId, userId: null };
}

/**
 * `<alias>.<prefix>_user_id = ?` or `<alias>.<prefix>_org_id = ?` with its parameter, for the
 * WHERE of a query over seat_holds (`buyer`) or tickets (`holder`).
 */
export function holderCondition(
  holder: Holder,
  column: 'buyer' | 'holder',
  alias?: string,
): { sql: string; param: string } {
  const qualified = `${alias ? `${alias}.` : ''}${column}_${holder.kind === 'person' ? 'user' : 'org'}_id`;
  return { sql: `${qualified} = ?`, param: holder.kind === 'person' ? holder.userId : holder.orgId };
}

/** Subject of a chat token and of event payloads: `u_<userId>` for people, `o_<orgId>` for organisations. */
export function holderUid(holder: Holder): string {
  return holder.kind === 'person' ? `u_${holder.userId}` : `o_${holder.orgId}`;
}
