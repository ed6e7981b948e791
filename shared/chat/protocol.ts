/**
 * The show chat's rules and the local chat server's wire protocol (JSON text frames over one
 * WebSocket). Pure and dependency-free: the server, the tests, the bench and the browser client
 * (web/src/shows/chat) import it. The server's parser of client frames (zod, kept out of the
 * browser's bundle) is shared/chat/client-frame.ts.
 *
 * A client connects to CHAT_WEBSOCKET_URL and sends `hello` first, with the custom token from
 * `POST /v1/shows/{id}/chat-token` (never in the URL, so no access log holds it). The server
 * answers `welcome` (history included) or closes with one of CHAT_CLOSE.
 */

/** Characters (code points) of one message, after trimming. Firestore's rules hold the same. */
export const MAX_MESSAGE_LENGTH = 500;
/** Messages a newcomer is sent on joining (the room keeps as many). */
export const HISTORY_LENGTH = 50;
/** Per person and show: at most RATE_LIMIT_MESSAGES messages in any RATE_LIMIT_WINDOW_MS. */
export const RATE_LIMIT_MESSAGES = 5;
export const RATE_LIMIT_WINDOW_MS = 10_000;
/** Largest frame the server reads: 500 code points are at most 2000 UTF-8 bytes, plus JSON. */
export const MAX_FRAME_BYTES = 4096;
/** Longest mute a moderator may give in one go (a day). */
export const MAX_MUTE_MINUTES = 24 * 60;
/** A display name in the token is cut to this many characters. */
export const MAX_NAME_LENGTH = 60;

/**
 * Close codes (4000–4999 are the application's). `retry`: the client asks for a fresh chat token
 * and connects again; otherwise it stops and says why.
 */
export const CHAT_CLOSE = {
  /** The token is expired (or about to be): fetch a new one and reconnect. */
  tokenExpired: { code: 4401, reason: 'token-expired', retry: true },
  /** The token is not one the server accepts (signature, audience, issuer, claims). */
  tokenInvalid: { code: 4400, reason: 'token-invalid', retry: false },
  /** The token admits another show. */
  wrongShow: { code: 4403, reason: 'wrong-show', retry: false },
  /** The ticket was revoked (refund, dispute, the creator): this person leaves the chat for good. */
  revoked: { code: 4410, reason: 'revoked', retry: false },
  /** No `hello` within the time allowed. */
  helloTimeout: { code: 4408, reason: 'hello-timeout', retry: true },
  /** Frames the server cannot read, again and again. */
  protocol: { code: 4002, reason: 'protocol-error', retry: false },
  /** The client did not keep up with the room (its send buffer grew too large). */
  tooSlow: { code: 4009, reason: 'too-slow', retry: true },
  /** The server is stopping. */
  goingAway: { code: 1001, reason: 'server-stopping', retry: true },
} as const;

export type ChatCloseReason = (typeof CHAT_CLOSE)[keyof typeof CHAT_CLOSE]['reason'];

/** Close reasons after which a client stops (`retry: false`): reconnecting cannot help. */
export const FINAL_CLOSE_REASONS: readonly string[] = Object.values(CHAT_CLOSE)
  .filter((close) => !close.retry)
  .map((close) => close.reason);

export type ChatRole = 'viewer' | 'moderator';

/** Who a chat token admits, read from its verified claims. */
export interface ChatIdentity {
  readonly uid: string;
  readonly showId: string;
  /** The ticket that admitted a viewer; null for moderators (members of the show's organisation). */
  readonly ticketId: string | null;
  readonly role: ChatRole;
  readonly name: string;
  /** Seconds since the epoch. */
  readonly exp: number;
}

export interface ChatMessage {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly role: ChatRole;
  /** Plain text, never markup: clients render it as a text node. */
  readonly text: string;
  /** ISO 8601. */
  readonly sentAt: string;
}

/** Error codes of `error` frames. */
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
      /** ISO 8601 while this person is muted. */
      readonly mutedUntil: string | null;
      readonly limits: {
        readonly maxLength: number;
        readonly rateMessages: number;
        readonly rateWindowMs: number;
      };
    }
  | { readonly type: 'message'; readonly message: ChatMessage; readonly ref?: string }
  | { readonly type: 'deleted'; readonly messageId: string }
  /** To the muted person (until = null: unmuted), and to moderators as confirmation. */
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
    /**
     * Cloud Firestore (production): sign in with the token at Identity Toolkit with `apiKey`
     * (the project's Web API key, public by design; absent if the deployment has none), then
     * read and write `shows/{showId}/…` in `projectId` under infra/firebase/firestore.rules.
     */
    | { readonly transport: 'firestore'; readonly projectId: string; readonly apiKey?: string };
}

/** Code points, as the server counts a message's length. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** C0 and C1 controls except tab and newline, and the bidi overrides that reorder what others read. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

export type TextCheck =
  | { readonly ok: true; readonly text: string }
  | {
      readonly ok: false;
      readonly code: 'text-empty' | 'text-too-long' | 'text-invalid';
      readonly message: string;
    };

/**
 * A message's text as stored and sent: trimmed, 1..MAX_MESSAGE_LENGTH code points, no control
 * characters. Markup is not refused: it is text like any other and is shown as typed.
 */
export function checkMessageText(raw: string): TextCheck {
  const text = raw.trim();
  if (text.length === 0) return { ok: false, code: 'text-empty', message: 'A message needs some text.' };
  const length = characterCount(text);
  if (length > MAX_MESSAGE_LENGTH) {
    return {
      ok: false,
      code: 'text-too-long',
      message: `A message has at most ${MAX_MESSAGE_LENGTH} characters (this one has ${length}).`,
    };
  }
  if (FORBIDDEN_CHARACTERS.test(text)) {
    return { ok: false, code: 'text-invalid', message: 'A message may not contain control characters.' };
  }
  return { ok: true, text };
}
