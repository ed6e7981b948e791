import { type ReportedEvent, recordVisitorEvents, type Visitor } from '#shared/analytics/visitor-events.ts';
import { analyticsUserIdHash } from '#shared/analytics/visitor-ids.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { hashSessionId, isSessionIdShape } from '#shared/people/session-cookie.ts';
import { findLiveSession } from '#shared/people/session-repository.ts';
import { findAnalyticsConsent } from '#shared/people/user-repository.ts';
import type { CollectBody } from './schema.ts';

export interface CollectDeps {
  readonly pool: DbPool;
  /** Without a salt no person is named, even with consent. */
  readonly userIdSalt: string | undefined;
}

/**
 * Who the events are about. Signed out: the browser's choice (kept in its own storage). Signed in:
 * the browser's choice and the person's stored one must both be yes, so declining in the portal
 * holds on every device; the person is named only as a salted hash.
 */
export async function visitorOf(
  deps: CollectDeps,
  body: CollectBody,
  sessionId: string | undefined,
  now: Date,
): Promise<Visitor> {
  if (!body.consent || !body.clientId) return { consent: false };
  const userId =
    sessionId && isSessionIdShape(sessionId) ? await signedInPerson(deps, sessionId, now) : undefined;
  if (!userId) return { consent: true, clientId: body.clientId };
  const stored = await findAnalyticsConsent(deps.pool, userId);
  if (stored?.granted !== true) return { consent: false };
  return {
    consent: true,
    clientId: body.clientId,
    ...(deps.userIdSalt ? { userIdHash: analyticsUserIdHash(deps.userIdSalt, userId) } : {}),
  };
}

async function signedInPerson(deps: CollectDeps, sessionId: string, now: Date): Promise<string | undefined> {
  const session = await findLiveSession(deps.pool, hashSessionId(sessionId), now);
  return session?.userId;
}

/** Writes the reported events to the outbox for the visitor; answers what was stored. */
export async function collectEvents(
  deps: CollectDeps,
  body: CollectBody,
  sessionId: string | undefined,
  now = new Date(),
): Promise<{ accepted: number; identified: boolean }> {
  const visitor = await visitorOf(deps, body, sessionId, now);
  const events: readonly ReportedEvent[] = body.events;
  const accepted = await recordVisitorEvents(deps.pool, visitor, events);
  return { accepted, identified: visitor.consent };
}
