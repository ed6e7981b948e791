import { DependencyUnavailableError } from '../errors.ts';

/**
 * The chat port: what the platform's back end does to a show's chat. Viewers and moderators talk
 * to the chat directly (the local chat server's WebSocket, or Firestore from the browser under
 * its security rules); the back end only moderates and removes people whose ticket was revoked.
 *
 * Adapters: the local chat server's admin HTTP API (`local-moderation.ts`) and Firestore's REST
 * API (`firestore-moderation.ts`); `chatModerationFromConfig` picks one.
 */
export interface ChatModeration {
  /** Removes a message from the show's chat (gone for everyone). Removing a missing one is fine. */
  removeMessage(showId: string, messageId: string): Promise<void>;
  /** The person may not post in the show's chat until `until` (a time in the past unmutes). */
  muteUser(showId: string, uid: string, until: Date): Promise<void>;
  /**
   * These tickets no longer admit anyone to any chat: their holders are removed at once and
   * refused from then on. Idempotent; ids are ULIDs.
   */
  revokeTickets(ticketIds: readonly string[]): Promise<void>;
}

/** A call to the chat service failed; `retryable` says whether trying again later may help. */
export class ChatModerationError extends DependencyUnavailableError {
  readonly httpStatus: number | undefined;
  readonly retryable: boolean;
  constructor(message: string, details: { httpStatus?: number; retryable: boolean; cause?: unknown }) {
    super(message, { cause: details.cause });
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
  }
}

/** No chat configured (CHAT_BACKEND=none): nothing to moderate or remove anyone from. */
export const noChatModeration: ChatModeration = {
  async removeMessage() {},
  async muteUser() {},
  async revokeTickets() {},
};

/** The words for a failed HTTP answer, shared by the adapters. */
export function failureFromStatus(what: string, status: number): ChatModerationError {
  if (status === 401 || status === 403) {
    return new ChatModerationError(`The chat refused the credentials for ${what} (HTTP ${status})`, {
      httpStatus: status,
      retryable: false,
    });
  }
  const retryable = status === 429 || status >= 500;
  return new ChatModerationError(
    `${retryable ? 'The chat could not' : 'The chat rejected the request to'} ${what} (HTTP ${status})`,
    { httpStatus: status, retryable },
  );
}
