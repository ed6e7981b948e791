/**
 * What the panel says for a chat snapshot: the status sentence and the feedback for a refusal.
 * Pure: Node tests import it.
 */
import { MAX_MESSAGE_LENGTH } from '#shared/chat/protocol.ts';
import type { ChatError, ChatSnapshot } from './chat-client.ts';
import type { ChatMessageKey } from './messages.ts';

export function statusKey(snapshot: ChatSnapshot): ChatMessageKey {
  switch (snapshot.status) {
    case 'connecting':
      return 'status.connecting';
    case 'live':
      return snapshot.role === 'moderator' ? 'status.liveModerator' : 'status.live';
    case 'reconnecting':
      return 'status.reconnecting';
    case 'no-ticket':
      return 'status.noTicket';
    case 'signed-out':
      return 'status.signedOut';
    case 'removed':
      return 'status.removed';
    case 'unavailable':
      return 'status.unavailable';
    case 'unsupported':
      return 'status.unsupported';
    case 'closed':
      return 'status.closed';
  }
}

const ERROR_KEYS: Readonly<Record<string, ChatMessageKey>> = {
  'rate-limited': 'error.rate-limited',
  muted: 'error.muted',
  'text-empty': 'error.text-empty',
  'text-too-long': 'error.text-too-long',
  'text-invalid': 'error.text-invalid',
  forbidden: 'error.forbidden',
  'not-found': 'error.not-found',
};

/** The sentence for a refusal, with its parameters (seconds to wait, the length limit). */
export function errorText(error: ChatError): { key: ChatMessageKey; params: Record<string, number> } {
  return {
    key: ERROR_KEYS[error.code] ?? 'error.other',
    params: {
      seconds: Math.max(1, Math.ceil((error.retryAfterMs ?? 0) / 1000)),
      max: MAX_MESSAGE_LENGTH,
    },
  };
}

/** Whether the person may type and send now. */
export function canWrite(snapshot: ChatSnapshot, now = Date.now()): boolean {
  if (snapshot.status !== 'live') return false;
  if (snapshot.role === 'moderator') return true;
  return snapshot.mutedUntil === null || Date.parse(snapshot.mutedUntil) <= now;
}
