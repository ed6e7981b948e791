/**
 * The chat's wire protocol as the browser sees it. The server's copy (shared/chat/protocol.ts) is
 * the authority; test/unit/chat-rules.test.ts holds the two together. Pure: Node tests import it.
 */

/** Characters (code points) of one message. */
export const MAX_MESSAGE_LENGTH = 500;
/** Messages the server sends on joining; the list keeps at most this many more than that. */
export const HISTORY_LENGTH = 50;

/** Closes after which the client asks for a fresh token and connects again. */
export const RETRY_CLOSE_CODES: readonly number[] = [4401, 4408, 4009, 1001, 1006, 1011, 1012, 1013];
/** Close reasons after which it stops: reconnecting cannot help. */
export const FINAL_CLOSE_REASONS: readonly string[] = [
  'token-invalid',
  'wrong-show',
  'revoked',
  'protocol-error',
];

export type ChatRole = 'viewer' | 'moderator';

export interface ChatMessage {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly role: ChatRole;
  readonly text: string;
  readonly sentAt: string;
}

export type ChatErrorCode =
  | 'bad-frame'
  | 'not-ready'
  | 'text-empty'
  | 'text-too-long'
  | 'text-invalid'
  | 'rate-limited'
  | 'muted'
  | 'forbidden'
  | 'not-found';

export type ServerFrame =
  | {
      readonly type: 'welcome';
      readonly uid: string;
      readonly name: string;
      readonly role: ChatRole;
      readonly history: readonly ChatMessage[];
      readonly mutedUntil: string | null;
      readonly limits: {
        readonly maxLength: number;
        readonly rateMessages: number;
        readonly rateWindowMs: number;
      };
    }
  | { readonly type: 'message'; readonly message: ChatMessage; readonly ref?: string }
  | { readonly type: 'deleted'; readonly messageId: string }
  | { readonly type: 'muted'; readonly uid: string; readonly until: string | null; readonly ref?: string }
  | {
      readonly type: 'error';
      readonly code: ChatErrorCode;
      readonly message: string;
      readonly ref?: string;
      readonly retryAfterMs?: number;
      readonly until?: string;
    };

/** `POST /v1/shows/{id}/chat-token`'s answer. */
export interface ChatTokenAnswer {
  readonly token: string;
  readonly uid: string;
  readonly expiresAt: string;
  readonly role: ChatRole;
  readonly chat:
    | { readonly transport: 'websocket'; readonly url: string }
    | { readonly transport: 'firestore'; readonly projectId: string };
}

/** Code points, as the server counts them. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
