import { ID_PATTERN } from '../ids.ts';
import type { FirebaseServiceAccount } from '../shows/firebase-token.ts';
import { toFirestoreFields } from './firestore-value.ts';
import { createGoogleAccessTokenSource, DATASTORE_SCOPE } from './google-access-token.ts';
import { type ChatModeration, ChatModerationError, failureFromStatus } from './moderation.ts';

/**
 * The chat port on Cloud Firestore, through its REST API (v1) with the service account's OAuth
 * token (admin access: security rules do not apply to it). The data model the browser and the
 * security rules (infra/firebase/firestore.rules) share:
 *   shows/{showId}/messages/{messageId}   {uid, name, role, text, sentAt}
 *   shows/{showId}/mutes/{uid}            {uid, until}
 *   shows/{showId}/posters/{uid}          {lastPostAt}   (the rules' rate limit)
 *   revokedTickets/{ticketId}             {ticketId, revokedAt}
 * Calls:
 *   DELETE {base}/v1/projects/{p}/databases/(default)/documents/shows/{s}/messages/{m}
 *   PATCH  {base}/v1/projects/{p}/databases/(default)/documents/shows/{s}/mutes/{uid}  {fields}
 *   POST   {base}/v1/projects/{p}/databases/(default)/documents:commit  {writes:[{update}]}
 * A revoked ticket stays listed: a Firebase session refreshes its ID token (claims included)
 * for as long as the person stays signed in, so the rules must refuse it for good.
 */
export const FIRESTORE_API_BASE = 'https://firestore.googleapis.com';
/** Firestore takes at most 500 writes in one commit. */
const MAX_WRITES_PER_COMMIT = 500;

export interface FirestoreChatModerationOptions {
  readonly projectId: string;
  readonly account: FirebaseServiceAccount;
  /** Stand-ins in tests; the real endpoints by default. */
  readonly apiBase?: string;
  readonly tokenUrl?: string;
  readonly timeoutMs?: number;
}

export function createFirestoreChatModeration(options: FirestoreChatModerationOptions): ChatModeration {
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(options.projectId)) {
    throw new RangeError('not a Google Cloud project id');
  }
  const base = (options.apiBase ?? FIRESTORE_API_BASE).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tokens = createGoogleAccessTokenSource({
    account: options.account,
    scope: DATASTORE_SCOPE,
    ...(options.tokenUrl ? { tokenUrl: options.tokenUrl } : {}),
    timeoutMs,
  });
  const database = `projects/${options.projectId}/databases/(default)`;
  const documentName = (...segments: string[]) =>
    `${database}/documents/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;

  const call = async (what: string, method: string, path: string, body?: unknown) => {
    const accessToken = await tokens.token();
    let response: Response;
    try {
      response = await fetch(`${base}/v1/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
    } catch (cause) {
      throw new ChatModerationError(`Firestore got no answer to ${what}`, { retryable: true, cause });
    }
    if (!response.ok) throw failureFromStatus(what, response.status);
  };

  return {
    async removeMessage(showId, messageId) {
      await call('remove a message', 'DELETE', documentName('shows', showId, 'messages', messageId));
    },
    async muteUser(showId, uid, until) {
      // PATCH without an update mask writes the whole document, creating it if needed.
      await call('mute a person', 'PATCH', documentName('shows', showId, 'mutes', uid), {
        fields: toFirestoreFields({ uid, until }),
      });
    },
    async revokeTickets(ticketIds) {
      for (const id of ticketIds) if (!ID_PATTERN.test(id)) throw new RangeError('a ticket id is a ULID');
      const revokedAt = new Date();
      for (let start = 0; start < ticketIds.length; start += MAX_WRITES_PER_COMMIT) {
        const writes = ticketIds.slice(start, start + MAX_WRITES_PER_COMMIT).map((ticketId) => ({
          update: {
            name: documentName('revokedTickets', ticketId),
            fields: toFirestoreFields({ ticketId, revokedAt }),
          },
        }));
        await call('revoke tickets', 'POST', `${database}/documents:commit`, { writes });
      }
    },
  };
}
