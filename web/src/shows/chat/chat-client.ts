/**
 * The browser's chat client: asks `POST /v1/shows/{id}/chat-token` for a token, connects to the
 * chat it names, says hello, and keeps a snapshot of the room (messages, own role, mute) for the
 * panel. It reconnects on its own — with a fresh token each time, so a revoked ticket is refused
 * at the token — and stops for good when the answer is final (no ticket, removed, wrong show).
 * Two transports behind the same snapshot: the local chat server's WebSocket (`connect`), and
 * Cloud Firestore over REST (`connectFirestore`, firestore-transport.ts, a lazy chunk), which
 * speaks the same frames and close reasons.
 * Pure (no DOM beyond an injected WebSocket and token fetch), so Node tests drive it.
 */
import {
  type ChatMessage,
  type ChatRole,
  type ChatTokenAnswer,
  FINAL_CLOSE_REASONS,
  type ServerFrame,
} from '#shared/chat/protocol.ts';

export type ChatStatus =
  /** Asking for a token or opening the socket (the first time). */
  | 'connecting'
  | 'live'
  /** Lost the connection; trying again (`retryInMs`). */
  | 'reconnecting'
  /** chat-token said 403: the person holds no valid ticket for the show. */
  | 'no-ticket'
  /** chat-token said 401: the session ended. */
  | 'signed-out'
  /** The ticket was revoked (refund, dispute, the creator): removed from the chat. */
  | 'removed'
  /** The chat refused for good (show not found or cancelled, a token it cannot accept). */
  | 'unavailable'
  /** The answer names a transport this build does not speak. */
  | 'unsupported'
  | 'closed';

export interface ChatError {
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number;
  readonly until?: string;
  readonly ref?: string;
}

export interface ChatSnapshot {
  readonly status: ChatStatus;
  readonly uid: string | null;
  readonly name: string | null;
  readonly role: ChatRole | null;
  readonly messages: readonly ChatMessage[];
  /** ISO 8601 while this person is muted. */
  readonly mutedUntil: string | null;
  /** The latest refusal of something this person did (send, delete, mute). */
  readonly lastError: ChatError | null;
  /** The latest moderation this moderator did, or that happened to this person. */
  readonly lastMute: { readonly uid: string; readonly until: string | null } | null;
  readonly retryInMs: number | null;
}

/** The slice of WebSocket the client uses (the browser's, or a test's). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { readonly data: unknown }) => void) | null;
  onclose: ((event: { readonly code: number; readonly reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** A refused token request: the HTTP status (0 for no answer). */
export class ChatTokenRefused extends Error {
  readonly status: number;
  constructor(status: number, message = `chat-token answered ${status}`) {
    super(message);
    this.name = 'ChatTokenRefused';
    this.status = status;
  }
}

export interface ChatClientOptions {
  readonly showId: string;
  /** Asks for a chat token; throws ChatTokenRefused (or anything, taken as a network failure). */
  readonly fetchToken: () => Promise<ChatTokenAnswer>;
  readonly connect: (url: string) => SocketLike;
  /**
   * Opens the Firestore transport (loading it first: the panel imports it lazily). Without it a
   * Firestore answer is `unsupported`.
   */
  readonly connectFirestore?: (chat: {
    readonly projectId: string;
    readonly apiKey: string;
  }) => Promise<SocketLike>;
  readonly onChange: (snapshot: ChatSnapshot) => void;
  /** Reconnect delays: first, doubling up to max, with ±20 % jitter. */
  readonly backoff?: { readonly firstMs: number; readonly maxMs: number };
  readonly random?: () => number;
}

export interface ChatClient {
  /** Sends a message; its ref, which a refusal (lastError.ref) names. */
  send(text: string): string | null;
  deleteMessage(messageId: string): void;
  mute(uid: string, minutes: number): void;
  unmute(uid: string): void;
  /** Stops for good (the panel unmounts). */
  close(): void;
  snapshot(): ChatSnapshot;
}

/** Messages kept in memory: the room's history plus what arrives during a long show. */
export const MAX_KEPT_MESSAGES = 200;
const OPEN = 1;

export function createChatClient(options: ChatClientOptions): ChatClient {
  const backoff = options.backoff ?? { firstMs: 1000, maxMs: 30_000 };
  const random = options.random ?? Math.random;
  let state: ChatSnapshot = {
    status: 'connecting',
    uid: null,
    name: null,
    role: null,
    messages: [],
    mutedUntil: null,
    lastError: null,
    lastMute: null,
    retryInMs: null,
  };
  let socket: SocketLike | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let stopped = false;
  let refs = 0;
  /** Each connection attempt gets a number; events from an older one are ignored. */
  let generation = 0;

  const update = (patch: Partial<ChatSnapshot>) => {
    state = { ...state, ...patch };
    options.onChange(state);
  };
  const stop = (status: ChatStatus) => {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
    update({ status, retryInMs: null });
  };

  const retry = (immediately = false) => {
    if (stopped) return;
    const base = Math.min(backoff.maxMs, backoff.firstMs * 2 ** attempts);
    const delay = immediately ? 0 : Math.round(base * (0.8 + 0.4 * random()));
    attempts += 1;
    // Straight back (an expired token): no need to tell anyone the chat went away.
    update(immediately ? { retryInMs: 0 } : { status: 'reconnecting', retryInMs: delay });
    timer = setTimeout(() => {
      timer = null;
      void start();
    }, delay);
  };

  const onFrame = (frame: ServerFrame) => {
    switch (frame.type) {
      case 'welcome':
        attempts = 0;
        update({
          status: 'live',
          uid: frame.uid,
          name: frame.name,
          role: frame.role,
          messages: [...frame.history],
          mutedUntil: frame.mutedUntil,
          retryInMs: null,
        });
        return;
      case 'message': {
        const messages = [...state.messages, frame.message];
        update({
          messages: messages.length > MAX_KEPT_MESSAGES ? messages.slice(-MAX_KEPT_MESSAGES) : messages,
        });
        return;
      }
      case 'deleted':
        update({ messages: state.messages.filter((message) => message.id !== frame.messageId) });
        return;
      case 'muted':
        update({
          lastMute: { uid: frame.uid, until: frame.until },
          ...(frame.uid === state.uid ? { mutedUntil: frame.until } : {}),
        });
        return;
      case 'error':
        update({
          lastError: {
            code: frame.code,
            message: frame.message,
            ...(frame.retryAfterMs === undefined ? {} : { retryAfterMs: frame.retryAfterMs }),
            ...(frame.until === undefined ? {} : { until: frame.until }),
            ...(frame.ref === undefined ? {} : { ref: frame.ref }),
          },
          ...(frame.code === 'muted' && frame.until ? { mutedUntil: frame.until } : {}),
        });
        return;
    }
  };

  async function start(): Promise<void> {
    if (stopped) return;
    const mine = ++generation;
    let answer: ChatTokenAnswer;
    try {
      answer = await options.fetchToken();
    } catch (error) {
      if (stopped || mine !== generation) return;
      const status = error instanceof ChatTokenRefused ? error.status : 0;
      if (status === 403) return stop('no-ticket');
      if (status === 401) return stop('signed-out');
      if (status === 404 || status === 409 || status === 400) return stop('unavailable');
      return retry();
    }
    if (stopped || mine !== generation) return;
    const chat = answer.chat;
    let opened: SocketLike;
    try {
      if (chat.transport === 'websocket') opened = options.connect(chat.url);
      else if (chat.transport === 'firestore' && options.connectFirestore) {
        // A deployment without the Web API key cannot sign anyone in: say so, do not retry.
        if (!chat.apiKey) return stop('unavailable');
        opened = await options.connectFirestore({ projectId: chat.projectId, apiKey: chat.apiKey });
      } else return stop('unsupported');
    } catch {
      if (stopped || mine !== generation) return;
      return retry();
    }
    if (stopped || mine !== generation) {
      opened.close(1000, 'bye');
      return;
    }
    socket = opened;
    opened.onopen = () => {
      if (mine !== generation) return;
      opened.send(JSON.stringify({ type: 'hello', showId: options.showId, token: answer.token }));
    };
    opened.onmessage = (event) => {
      if (mine !== generation || typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      onFrame(frame);
    };
    opened.onerror = () => {};
    opened.onclose = (event) => {
      if (mine !== generation) return;
      socket = null;
      if (stopped) return;
      if (event.reason === 'revoked') return stop('removed');
      if (FINAL_CLOSE_REASONS.includes(event.reason)) return stop('unavailable');
      // An expired token is routine in a long show: straight back with a new one.
      retry(event.reason === 'token-expired' && attempts === 0);
    };
  }

  const sendFrame = (frame: Record<string, unknown>): boolean => {
    if (!socket || socket.readyState !== OPEN || state.status !== 'live') return false;
    socket.send(JSON.stringify(frame));
    return true;
  };

  void start();

  return {
    send(text) {
      refs += 1;
      const ref = `m${refs}`;
      return sendFrame({ type: 'send', text, ref }) ? ref : null;
    },
    deleteMessage(messageId) {
      sendFrame({ type: 'delete', messageId });
    },
    mute(uid, minutes) {
      sendFrame({ type: 'mute', uid, minutes });
    },
    unmute(uid) {
      sendFrame({ type: 'unmute', uid });
    },
    close() {
      stopped = true;
      generation += 1;
      if (timer) clearTimeout(timer);
      timer = null;
      socket?.close(1000, 'bye');
      socket = null;
      state = { ...state, status: 'closed' };
    },
    snapshot: () => state,
  };
}
