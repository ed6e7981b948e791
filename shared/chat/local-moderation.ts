import { ID_PATTERN } from '../ids.ts';
import { type ChatModeration, ChatModerationError, failureFromStatus } from './moderation.ts';

/**
 * The local chat server's admin API (infra/local/chat/server.ts), `Authorization: Bearer
 * <CHAT_ADMIN_TOKEN>`:
 *   POST   /admin/revoked-tickets                    {"ticketIds": [...]}         → 204
 *   DELETE /admin/shows/{showId}/messages/{messageId}                             → 204
 *   PUT    /admin/shows/{showId}/mutes/{uid}         {"until": "<ISO 8601>"}       → 204
 */
export interface LocalChatModerationOptions {
  /** The chat server's base URL (http://127.0.0.1:<port>). */
  readonly adminUrl: string;
  readonly adminToken: string;
  readonly timeoutMs?: number;
}

export function createLocalChatModeration(options: LocalChatModerationOptions): ChatModeration {
  const base = options.adminUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 5000;
  const call = async (what: string, method: string, path: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
    } catch (cause) {
      throw new ChatModerationError(`The chat server got no answer to ${what}`, { retryable: true, cause });
    }
    if (!response.ok) throw failureFromStatus(what, response.status);
  };
  const segment = encodeURIComponent;
  return {
    async removeMessage(showId, messageId) {
      await call(
        'remove a message',
        'DELETE',
        `/admin/shows/${segment(showId)}/messages/${segment(messageId)}`,
      );
    },
    async muteUser(showId, uid, until) {
      await call('mute a person', 'PUT', `/admin/shows/${segment(showId)}/mutes/${segment(uid)}`, {
        until: until.toISOString(),
      });
    },
    async revokeTickets(ticketIds) {
      if (ticketIds.length === 0) return;
      for (const id of ticketIds) if (!ID_PATTERN.test(id)) throw new RangeError('a ticket id is a ULID');
      await call('revoke tickets', 'POST', '/admin/revoked-tickets', { ticketIds });
    },
  };
}
