/**
 * The chat on Cloud Firestore, over REST (no Firebase SDK: it would weigh more than the whole
 * watch page). A lazy chunk: ChatPanel imports it only when chat-token answers
 * `transport: 'firestore'`. It plays a WebSocket to chat-client.ts — it takes the same client
 * frames (`hello`, `send`, `delete`, `mute`, `unmute`) and answers with the same server frames
 * and close reasons — so the client's snapshot, reconnects and the panel are the same on both.
 *
 * - Sign-in: Identity Toolkit `accounts:signInWithCustomToken` with the token from `hello`
 *   (show-access's custom token) → an ID token, renewed through Secure Token before it expires.
 * - Reading: `runQuery` of the newest 50 messages, then a poll of the messages sent since the
 *   newest one seen, every POLL.fastMs after activity, slowing to POLL.slowMs when quiet (an empty
 *   answer costs Firestore one read). Every POLL.checkMs a count of the messages from the oldest
 *   held to the newest (one read): fewer than held means a moderator deleted some, and the newest
 *   50 are read again. Every POLL.muteMs the person's own mute. Firestore's rules run on every
 *   request, so a revoked ticket's next poll is refused (403): the socket closes `revoked`.
 * - Writing: one `:commit` per action — a message with its poster document, both stamped with
 *   REQUEST_TIME (the rules' rate limit); a moderator's delete, mute (a mutes document), unmute
 *   (its deletion). The rules decide; a refusal becomes an `error` frame in the protocol's words.
 */
import {
  type ChatMessage,
  checkMessageText,
  MAX_MESSAGE_LENGTH,
  MAX_MUTE_MINUTES,
  type ServerFrame,
} from '#shared/chat/protocol.ts';
import type { SocketLike } from './chat-client.ts';
import {
  type CommitAnswer,
  claimsOf,
  countFrom,
  countQuery,
  databaseName,
  deleteWrites,
  documentName,
  FIRESTORE,
  type FirestoreDocument,
  type GoogleError,
  googleErrorOf,
  IDENTITY_TOOLKIT,
  type IdSession,
  instantMs,
  instantUs,
  messagesFrom,
  messagesQuery,
  muteWrites,
  newDocumentId,
  postWrites,
  type RunQueryItem,
  refreshBody,
  SECURE_TOKEN,
  sentAtOf,
  sessionFromRefresh,
  sessionFromSignIn,
  signInBody,
  type TokenClaims,
  unmuteWrites,
  WINDOW,
} from './firestore-wire.ts';

/** The rules' rate limit: one message per person and show every 2 s. */
export const POST_GAP_MS = 2000;
/**
 * Polling: new messages fast after activity, ×1.5 per quiet poll up to slow; a deletion check
 * (a count) every checkMs; the person's own mute every muteMs; at most every hiddenMs while the
 * page is hidden (a show playing in a background tab need not pay for reads nobody sees; a
 * revocation still lands within hiddenMs), and at once when it is shown again.
 */
export const POLL = { fastMs: 1000, slowMs: 4000, checkMs: 5000, muteMs: 5000, hiddenMs: 15_000 } as const;
export type PollTimes = { readonly [K in keyof typeof POLL]: number };
/** Renew the ID token this long before it expires. */
const RENEW_BEFORE_MS = 5 * 60_000;
/** Unanswered polls in a row before the transport gives up and the client reconnects. */
const MAX_FAILURES = 3;
const CALL_TIMEOUT_MS = 15_000;

export interface FirestoreChatOptions {
  readonly showId: string;
  readonly projectId: string;
  readonly apiKey: string;
  /** Stand-ins in tests; Google's hosts by default. */
  readonly endpoints?: {
    readonly identityToolkit?: string;
    readonly secureToken?: string;
    readonly firestore?: string;
  };
  readonly fetch?: typeof fetch;
  readonly poll?: PollTimes;
  /** Whether the page is hidden, and news of changes; the document's by default (none in Node). */
  readonly visibility?: Visibility;
  readonly now?: () => number;
}

export interface Visibility {
  hidden(): boolean;
  /** Calls back when the page is shown or hidden; returns the unsubscribe. */
  subscribe(onChange: () => void): () => void;
}

/** The page's document, read through globalThis: this module also runs in Node tests (no DOM). */
interface PageDocument {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

function documentVisibility(): Visibility | undefined {
  const page = (globalThis as { document?: PageDocument }).document;
  if (!page) return undefined;
  return {
    hidden: () => page.visibilityState === 'hidden',
    subscribe(onChange) {
      page.addEventListener('visibilitychange', onChange);
      return () => page.removeEventListener('visibilitychange', onChange);
    },
  };
}

/** A request that got no answer (network, timeout): worth trying again. */
class Unreachable extends Error {}
/** A refusal with Google's error body. */
class Refused extends Error {
  readonly error: GoogleError;
  constructor(error: GoogleError) {
    super(`${error.httpStatus} ${error.status} ${error.message}`);
    this.error = error;
  }
}
/** The transport closed itself while a call was under way. */
class Ended extends Error {}

const CLOSE = {
  tokenExpired: { code: 4401, reason: 'token-expired' },
  tokenInvalid: { code: 4400, reason: 'token-invalid' },
  wrongShow: { code: 4403, reason: 'wrong-show' },
  revoked: { code: 4410, reason: 'revoked' },
  unreachable: { code: 1006, reason: 'unreachable' },
  protocol: { code: 4002, reason: 'protocol-error' },
} as const;

export function openFirestoreChat(options: FirestoreChatOptions): SocketLike {
  return new FirestoreChatSocket(options);
}

class FirestoreChatSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;

  readonly #options: FirestoreChatOptions;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;
  readonly #poll: PollTimes;
  readonly #base: {
    readonly identityToolkit: string;
    readonly secureToken: string;
    readonly firestore: string;
  };
  #session: IdSession | null = null;
  #renewing: Promise<void> | null = null;
  #claims: TokenClaims | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** A poll is under way (it schedules the next one when done). */
  #ticking = false;
  readonly #visibility: Visibility | undefined;
  #unsubscribe: (() => void) | null = null;
  #interval: number;
  #failures = 0;
  #lastCheckMs = 0;
  #lastMuteMs = 0;
  #lastPostMs = Number.NEGATIVE_INFINITY;
  #mutedUntil: string | null = null;
  /** Messages this person has: id → sentAt (µs and as written), bounded like the client's list. */
  readonly #known = new Map<string, { readonly us: number; readonly sentAt: string }>();
  /** The newest sentAt seen, as Firestore wrote it: the poll's cursor. */
  #cursor: string | null = null;
  #cursorUs = Number.NEGATIVE_INFINITY;

  constructor(options: FirestoreChatOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#now = options.now ?? Date.now;
    this.#poll = options.poll ?? POLL;
    this.#interval = this.#poll.fastMs;
    this.#visibility = options.visibility ?? documentVisibility();
    this.#base = {
      identityToolkit: trimSlash(options.endpoints?.identityToolkit ?? IDENTITY_TOOLKIT),
      secureToken: trimSlash(options.endpoints?.secureToken ?? SECURE_TOKEN),
      firestore: trimSlash(options.endpoints?.firestore ?? FIRESTORE),
    };
    // Open on the next turn, once the client has set its handlers (as a WebSocket would).
    setTimeout(() => {
      if (this.readyState !== 0) return;
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }

  send(data: string): void {
    if (this.readyState !== 1) return;
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(data) as Record<string, unknown>;
    } catch {
      return;
    }
    const run = async () => {
      switch (frame.type) {
        case 'hello':
          return this.#hello(String(frame.token ?? ''), String(frame.showId ?? ''));
        case 'send':
          return this.#post(String(frame.text ?? ''), typeof frame.ref === 'string' ? frame.ref : undefined);
        case 'delete':
          return this.#delete(String(frame.messageId ?? ''));
        case 'mute':
          return this.#mute(String(frame.uid ?? ''), Number(frame.minutes));
        case 'unmute':
          return this.#unmute(String(frame.uid ?? ''));
      }
    };
    run().catch((error: unknown) => {
      if (!(error instanceof Ended)) this.#end(CLOSE.unreachable);
    });
  }

  close(): void {
    // The client closed it: no close event (the client has moved on).
    this.readyState = 3;
    this.#stopTimer();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }

  // ── the session ────────────────────────────────────────────────────────────────────────────

  async #hello(token: string, showId: string): Promise<void> {
    if (this.#session) return;
    const claims = claimsOf(token);
    if (!claims) return this.#end(CLOSE.tokenInvalid);
    if (claims.showId !== this.#options.showId || showId !== this.#options.showId) {
      return this.#end(CLOSE.wrongShow);
    }
    this.#claims = claims;
    let answer: unknown;
    try {
      answer = await this.#json(
        `${this.#base.identityToolkit}/v1/accounts:signInWithCustomToken?key=${encodeURIComponent(this.#options.apiKey)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(signInBody(token)),
        },
      );
    } catch (error) {
      if (error instanceof Refused && error.error.httpStatus === 400) {
        // INVALID_CUSTOM_TOKEN (bad or expired), CREDENTIAL_MISMATCH (another project): a fresh
        // token may be good (an expired one is the usual case after a long wait), once.
        return this.#end(
          error.error.message.startsWith('INVALID_CUSTOM_TOKEN') ? CLOSE.tokenExpired : CLOSE.tokenInvalid,
        );
      }
      throw error;
    }
    const session = sessionFromSignIn(answer, this.#now());
    if (!session) return this.#end(CLOSE.protocol);
    this.#session = session;

    const [window, mutedUntil] = await Promise.all([this.#window(), this.#ownMute()]);
    if (!window) return;
    this.#mutedUntil = mutedUntil;
    this.#lastCheckMs = this.#now();
    this.#lastMuteMs = this.#now();
    const history = [...window.messages].reverse();
    for (const message of history) this.#remember(message);
    this.#emit({
      type: 'welcome',
      uid: claims.uid,
      name: claims.name || claims.uid,
      role: claims.role,
      history,
      mutedUntil,
      limits: { maxLength: MAX_MESSAGE_LENGTH, rateMessages: 1, rateWindowMs: POST_GAP_MS },
    });
    // Shown again after a while hidden: read at once rather than at the end of the hidden wait.
    this.#unsubscribe =
      this.#visibility?.subscribe(() => {
        if (this.#visibility?.hidden() === false && this.#timer !== null && !this.#ticking) this.#schedule(0);
      }) ?? null;
    this.#schedule(this.#poll.fastMs);
  }

  /** An ID token with at least RENEW_BEFORE_MS to live, renewed through Secure Token if needed. */
  async #idToken(force = false): Promise<string> {
    const session = this.#session;
    if (!session) throw new Ended('not signed in');
    if (!force && session.expiresAtMs - this.#now() > RENEW_BEFORE_MS) return session.idToken;
    this.#renewing ??= (async () => {
      try {
        const answer = await this.#json(
          `${this.#base.secureToken}/v1/token?key=${encodeURIComponent(this.#options.apiKey)}`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: refreshBody(session.refreshToken),
          },
        );
        const renewed = sessionFromRefresh(answer, this.#now());
        if (!renewed) throw new Refused({ httpStatus: 200, status: '', message: 'unreadable refresh' });
        this.#session = renewed;
      } catch (error) {
        // TOKEN_EXPIRED, USER_DISABLED, INVALID_REFRESH_TOKEN: sign in again with a fresh custom
        // token, which show-access gives only to a ticket that still admits.
        if (error instanceof Refused) this.#end(CLOSE.tokenExpired);
        throw error instanceof Refused ? new Ended('refresh refused') : error;
      } finally {
        this.#renewing = null;
      }
    })();
    await this.#renewing;
    return (this.#session as IdSession).idToken;
  }

  /** A Firestore call as the signed-in person; an expired ID token (401) is renewed once. */
  async #firestore(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      const idToken = await this.#idToken(attempt > 0);
      try {
        return await this.#json(`${this.#base.firestore}/v1/${path}`, {
          method,
          headers: {
            authorization: `Bearer ${idToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        if (error instanceof Refused && error.error.httpStatus === 401 && attempt === 0) continue;
        if (error instanceof Refused && error.error.httpStatus === 401) {
          this.#end(CLOSE.tokenExpired);
          throw new Ended('unauthenticated');
        }
        throw error;
      }
    }
  }

  async #json(url: string, init: RequestInit): Promise<unknown> {
    if (this.readyState > 1) throw new Ended('closed');
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
      text = await response.text();
    } catch {
      throw new Unreachable(url);
    }
    if (this.readyState > 1) throw new Ended('closed');
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      // a proxy's HTML page: the status says enough
    }
    if (!response.ok) {
      if (response.status === 429 || response.status >= 500) throw new Unreachable(`${response.status}`);
      throw new Refused(googleErrorOf(response.status, parsed));
    }
    return parsed;
  }

  // ── reading ────────────────────────────────────────────────────────────────────────────────

  #parent(): string {
    return documentName(this.#options.projectId, 'shows', this.#options.showId);
  }

  async #query(body: unknown): Promise<{ messages: ChatMessage[]; readTime: string | null } | null> {
    let items: unknown;
    try {
      items = await this.#firestore('POST', `${this.#parent()}:runQuery`, body);
    } catch (error) {
      // The rules refuse reading only a token whose ticket was revoked (or not for this show).
      if (error instanceof Refused && error.error.httpStatus === 403) {
        this.#end(CLOSE.revoked);
        return null;
      }
      if (error instanceof Refused) {
        this.#end(CLOSE.protocol);
        return null;
      }
      throw error;
    }
    const list = Array.isArray(items) ? (items as RunQueryItem[]) : [];
    const readTime = list.find((item) => typeof item.readTime === 'string')?.readTime ?? null;
    return { messages: messagesFrom(list), readTime };
  }

  /** The newest WINDOW messages, newest first. */
  #window() {
    return this.#query(messagesQuery());
  }

  /** This person's mute (viewers only: moderators cannot be muted), null when none or over. */
  async #ownMute(): Promise<string | null> {
    const claims = this.#claims;
    if (!claims || claims.role === 'moderator') return null;
    let document: FirestoreDocument;
    try {
      document = (await this.#firestore(
        'GET',
        documentName(this.#options.projectId, 'shows', this.#options.showId, 'mutes', claims.uid),
      )) as FirestoreDocument;
    } catch (error) {
      if (error instanceof Refused && error.error.httpStatus === 404) return null;
      if (error instanceof Refused && error.error.httpStatus === 403) {
        this.#end(CLOSE.revoked);
        throw new Ended('revoked');
      }
      throw error;
    }
    const until = document.fields?.until;
    if (!until || !('timestampValue' in until)) return null;
    return instantMs(until.timestampValue) > this.#now() ? until.timestampValue : null;
  }

  #schedule(delayMs: number): void {
    this.#stopTimer();
    if (this.readyState !== 1) return;
    const delay = this.#visibility?.hidden() ? Math.max(delayMs, this.#poll.hiddenMs) : delayMs;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#ticking = true;
      this.#tick()
        .catch((error: unknown) => {
          if (error instanceof Ended || this.readyState !== 1) return;
          this.#failures += 1;
          if (this.#failures >= MAX_FAILURES) return this.#end(CLOSE.unreachable);
          this.#schedule(Math.min(30_000, this.#poll.slowMs * 2 ** this.#failures));
        })
        .finally(() => {
          this.#ticking = false;
        });
    }, delay);
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** One poll: what arrived since the cursor; now and then the whole window and the mute. */
  async #tick(): Promise<void> {
    let fresh = 0;
    for (;;) {
      const result = await this.#query(messagesQuery(this.#cursor === null ? {} : { since: this.#cursor }));
      if (!result) return;
      // Without a cursor (an empty room so far) the answer is newest first.
      const arrived = this.#cursor === null ? [...result.messages].reverse() : result.messages;
      let added = 0;
      for (const message of arrived) {
        if (this.#known.has(message.id)) continue;
        this.#remember(message);
        this.#emit({ type: 'message', message });
        added += 1;
      }
      fresh += added;
      // A full page that brought news: more may be waiting (a burst), read on at once.
      if (result.messages.length < WINDOW || added === 0) break;
    }
    if (this.#now() - this.#lastCheckMs >= this.#poll.checkMs) await this.#checkDeletions();
    if (this.#now() - this.#lastMuteMs >= this.#poll.muteMs) {
      this.#setOwnMute(await this.#ownMute());
      this.#lastMuteMs = this.#now();
    }
    this.#failures = 0;
    this.#interval =
      fresh > 0 ? this.#poll.fastMs : Math.min(this.#poll.slowMs, Math.round(this.#interval * 1.5));
    this.#schedule(this.#interval);
  }

  /**
   * Counts the messages from the oldest of the newest WINDOW held to the newest held: fewer than
   * held means some were deleted, so the window is read again. Messages sent after the newest
   * held are outside the range, so arrivals never hide a deletion.
   */
  async #checkDeletions(): Promise<void> {
    this.#lastCheckMs = this.#now();
    const held = [...this.#known.values()].sort((a, b) => b.us - a.us).slice(0, WINDOW);
    const oldest = held.at(-1);
    const newest = held[0];
    if (!oldest || !newest) return;
    let items: unknown;
    try {
      items = await this.#firestore(
        'POST',
        `${this.#parent()}:runAggregationQuery`,
        countQuery(oldest.sentAt, newest.sentAt),
      );
    } catch (error) {
      if (error instanceof Refused && error.error.httpStatus === 403) return this.#end(CLOSE.revoked);
      throw error;
    }
    const count = countFrom(items);
    const expected = [...this.#known.values()].filter(
      (one) => one.us >= oldest.us && one.us <= newest.us,
    ).length;
    if (count !== null && count < expected) await this.#rereadWindow();
  }

  /** The newest WINDOW again: what is held in their range and missing from them was deleted. */
  async #rereadWindow(): Promise<void> {
    const window = await this.#window();
    if (!window) return;
    const present = new Set(window.messages.map((message) => message.id));
    // A full window covers messages from its oldest on; a short one covers the whole room. A
    // message written after the read (this person's, just posted) is not missing from it.
    const fromUs =
      window.messages.length < WINDOW
        ? Number.NEGATIVE_INFINITY
        : Math.min(...window.messages.map((message) => instantUs(message.sentAt)));
    const readUs = window.readTime ? instantUs(window.readTime) : Number.NEGATIVE_INFINITY;
    for (const [id, held] of this.#known) {
      if (!present.has(id) && held.us >= fromUs && held.us <= readUs) {
        this.#known.delete(id);
        this.#emit({ type: 'deleted', messageId: id });
      }
    }
    for (const message of [...window.messages].reverse()) {
      if (this.#known.has(message.id)) continue;
      this.#remember(message);
      this.#emit({ type: 'message', message });
    }
  }

  #setOwnMute(until: string | null): void {
    if (until === this.#mutedUntil || !this.#claims) return;
    this.#mutedUntil = until;
    this.#emit({ type: 'muted', uid: this.#claims.uid, until });
  }

  #remember(message: ChatMessage): void {
    const sentUs = instantUs(message.sentAt);
    this.#known.set(message.id, { us: sentUs, sentAt: message.sentAt });
    if (sentUs >= this.#cursorUs) {
      this.#cursorUs = sentUs;
      this.#cursor = message.sentAt;
    }
    // Forget the oldest beyond what the client keeps (Maps iterate in insertion order).
    while (this.#known.size > 400) this.#known.delete(this.#known.keys().next().value as string);
  }

  // ── writing ────────────────────────────────────────────────────────────────────────────────

  async #commit(body: unknown): Promise<CommitAnswer> {
    return (await this.#firestore(
      'POST',
      `${databaseName(this.#options.projectId)}/documents:commit`,
      body,
    )) as CommitAnswer;
  }

  #refuse(
    code: Extract<ServerFrame, { type: 'error' }>['code'],
    message: string,
    extra: { ref?: string; retryAfterMs?: number; until?: string } = {},
  ): void {
    this.#emit({ type: 'error', code, message, ...extra });
  }

  async #post(raw: string, ref: string | undefined): Promise<void> {
    const claims = this.#claims;
    if (!claims || !this.#session)
      return this.#refuse('not-ready', 'Not in the chat yet.', ref ? { ref } : {});
    const checked = checkMessageText(raw);
    const withRef = ref ? { ref } : {};
    if (!checked.ok) return this.#refuse(checked.code, checked.message, withRef);
    const now = this.#now();
    if (claims.role !== 'moderator' && this.#mutedUntil && instantMs(this.#mutedUntil) > now) {
      return this.#refuse('muted', 'A moderator has muted you.', { ...withRef, until: this.#mutedUntil });
    }
    const wait = this.#lastPostMs + POST_GAP_MS - now;
    if (wait > 0)
      return this.#refuse('rate-limited', 'Too many messages.', { ...withRef, retryAfterMs: wait });
    const id = newDocumentId();
    this.#lastPostMs = now;
    let answer: CommitAnswer;
    try {
      answer = await this.#commit(
        postWrites(this.#options.projectId, this.#options.showId, {
          id,
          uid: claims.uid,
          name: claims.name,
          role: claims.role,
          text: checked.text,
        }),
      );
    } catch (error) {
      if (error instanceof Unreachable) {
        this.#lastPostMs = Number.NEGATIVE_INFINITY;
        return this.#refuse('not-ready', 'The chat could not be reached; the message was not sent.', withRef);
      }
      if (error instanceof Refused && error.error.httpStatus === 403) return this.#whyRefused(withRef);
      if (error instanceof Refused)
        return this.#refuse('bad-frame', 'The chat refused the message.', withRef);
      throw error;
    }
    const message: ChatMessage = {
      id,
      uid: claims.uid,
      name: claims.name,
      role: claims.role,
      text: checked.text,
      sentAt: sentAtOf(answer) ?? new Date(now).toISOString(),
    };
    this.#remember(message);
    this.#emit({ type: 'message', message, ...withRef });
    this.#interval = this.#poll.fastMs;
  }

  /**
   * The rules refused a post and do not say why: muted, too fast (another tab of the same
   * person's posted), or removed (a revoked ticket). Read the mute, then the room.
   */
  async #whyRefused(withRef: { ref?: string }): Promise<void> {
    const mutedUntil = await this.#ownMute();
    if (mutedUntil) {
      this.#setOwnMute(mutedUntil);
      return this.#refuse('muted', 'A moderator has muted you.', { ...withRef, until: mutedUntil });
    }
    const probe = await this.#query(messagesQuery({ limit: 1 }));
    if (!probe) return; // closed `revoked`
    this.#setOwnMute(null);
    this.#lastPostMs = this.#now();
    return this.#refuse('rate-limited', 'Too many messages.', { ...withRef, retryAfterMs: POST_GAP_MS });
  }

  async #moderate(body: unknown): Promise<boolean> {
    if (this.#claims?.role !== 'moderator') {
      this.#refuse('forbidden', 'Only moderators may do that.');
      return false;
    }
    try {
      await this.#commit(body);
      return true;
    } catch (error) {
      if (error instanceof Refused && error.error.httpStatus === 403) {
        this.#refuse('forbidden', 'The chat refused the moderation.');
        return false;
      }
      if (error instanceof Unreachable) {
        this.#refuse('not-ready', 'The chat could not be reached.');
        return false;
      }
      throw error;
    }
  }

  async #delete(messageId: string): Promise<void> {
    if (!messageId) return;
    if (await this.#moderate(deleteWrites(this.#options.projectId, this.#options.showId, messageId))) {
      this.#known.delete(messageId);
      this.#emit({ type: 'deleted', messageId });
    }
  }

  async #mute(uid: string, minutes: number): Promise<void> {
    if (!uid || !Number.isFinite(minutes) || minutes <= 0)
      return this.#refuse('bad-frame', 'A mute needs minutes.');
    // The rules allow at most a day after Google's clock: keep a minute's margin for this one's.
    const ms = Math.min(minutes, MAX_MUTE_MINUTES) * 60_000;
    const until = new Date(this.#now() + Math.min(ms, MAX_MUTE_MINUTES * 60_000 - 60_000));
    if (await this.#moderate(muteWrites(this.#options.projectId, this.#options.showId, uid, until))) {
      this.#emit({ type: 'muted', uid, until: until.toISOString() });
    }
  }

  async #unmute(uid: string): Promise<void> {
    if (!uid) return;
    if (await this.#moderate(unmuteWrites(this.#options.projectId, this.#options.showId, uid))) {
      this.#emit({ type: 'muted', uid, until: null });
    }
  }

  // ── the client's side ──────────────────────────────────────────────────────────────────────

  #emit(frame: ServerFrame): void {
    if (this.readyState !== 1) return;
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  #end(close: { readonly code: number; readonly reason: string }): void {
    if (this.readyState > 1) return;
    this.readyState = 3;
    this.#stopTimer();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.onclose?.({ code: close.code, reason: close.reason });
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
