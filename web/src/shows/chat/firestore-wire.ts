/**
 * The wire formats of the browser's Firestore chat transport (firestore-transport.ts), pure so
 * Node tests hold them to Google's documented shapes:
 *   - Identity Toolkit `accounts:signInWithCustomToken` and Secure Token `token` (refresh);
 *   - Firestore REST v1: typed `Value`s, `runQuery` bodies and answers, `commit` writes with
 *     `REQUEST_TIME` transforms, and the `{error: {code, message, status}}` bodies of refusals.
 * The data model is the security rules' (infra/firebase/firestore.rules) and the server adapter's
 * (shared/chat/firestore-moderation.ts): `shows/{showId}/messages/{id}` {uid, name, role, text,
 * sentAt}, `shows/{showId}/posters/{uid}` {lastPostAt}, `shows/{showId}/mutes/{uid}` {uid, until}.
 */
import type { FirestoreValue } from '#shared/chat/firestore-value.ts';
import type { ChatMessage, ChatRole } from '#shared/chat/protocol.ts';

export const IDENTITY_TOOLKIT = 'https://identitytoolkit.googleapis.com';
export const SECURE_TOKEN = 'https://securetoken.googleapis.com';
export const FIRESTORE = 'https://firestore.googleapis.com';

export type { FirestoreValue };

export type Fields = Readonly<Record<string, FirestoreValue>>;

export interface FirestoreDocument {
  /** `projects/{p}/databases/(default)/documents/…` */
  readonly name: string;
  readonly fields?: Fields;
  readonly createTime?: string;
  readonly updateTime?: string;
}

/** A value as JavaScript: strings, numbers (int64 as number when safe), booleans, null; a timestamp stays its RFC 3339 string. */
export type Decoded =
  | string
  | number
  | boolean
  | null
  | readonly Decoded[]
  | { readonly [key: string]: Decoded };

export function decodeValue(value: FirestoreValue): Decoded {
  if ('stringValue' in value) return value.stringValue;
  if ('timestampValue' in value) return value.timestampValue;
  if ('integerValue' in value) return Number(value.integerValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('booleanValue' in value) return value.booleanValue;
  if ('nullValue' in value) return null;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(decodeValue);
  if ('mapValue' in value) return decodeFields(value.mapValue.fields ?? {});
  return null;
}

export function decodeFields(fields: Fields): Record<string, Decoded> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, decodeValue(value)]));
}

export const stringValue = (value: string): FirestoreValue => ({ stringValue: value });
export const timestampValue = (at: Date): FirestoreValue => ({ timestampValue: at.toISOString() });

/** The database's resource name and a document's name under it, each segment escaped. */
export function databaseName(projectId: string): string {
  return `projects/${projectId}/databases/(default)`;
}

export function documentName(projectId: string, ...segments: readonly string[]): string {
  return `${databaseName(projectId)}/documents/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}

/** The id, the last segment of a document's name. */
export function documentId(name: string): string {
  return decodeURIComponent(name.slice(name.lastIndexOf('/') + 1));
}

/** Messages kept by a show's room, and read by a newcomer. */
export const WINDOW = 50;

const sentAtFilter = (op: string, at: string) => ({
  fieldFilter: { field: { fieldPath: 'sentAt' }, op, value: { timestampValue: at } },
});

/**
 * `POST …/documents/shows/{showId}:runQuery`: the newest `limit` messages (newest first; the
 * caller reverses them), or — with `since` — the messages sent at or after that instant, oldest
 * first (the poll: `>=` because two messages can share a microsecond; the caller drops ids it has).
 */
export function messagesQuery(options: { readonly since?: string; readonly limit?: number } = {}) {
  const since = options.since;
  return {
    structuredQuery: {
      from: [{ collectionId: 'messages' }],
      ...(since === undefined
        ? {}
        : {
            where: sentAtFilter('GREATER_THAN_OR_EQUAL', since),
          }),
      orderBy: [
        { field: { fieldPath: 'sentAt' }, direction: since === undefined ? 'DESCENDING' : 'ASCENDING' },
      ],
      limit: options.limit ?? WINDOW,
    },
  };
}

/**
 * `POST …/documents/shows/{showId}:runAggregationQuery`: how many messages were sent from `from`
 * to `to` (both included). Firestore bills a count as one read per 1000 entries, so comparing it
 * with the messages the page holds is the cheap way to notice a moderator's deletion.
 */
export function countQuery(from: string, to: string) {
  return {
    structuredAggregationQuery: {
      structuredQuery: {
        from: [{ collectionId: 'messages' }],
        where: {
          compositeFilter: {
            op: 'AND',
            filters: [sentAtFilter('GREATER_THAN_OR_EQUAL', from), sentAtFilter('LESS_THAN_OR_EQUAL', to)],
          },
        },
      },
      aggregations: [{ alias: 'n', count: {} }],
    },
  };
}

/** runAggregationQuery's answer (a JSON array of `{result: {aggregateFields}, readTime}`): the count. */
export function countFrom(items: unknown): number | null {
  const first = Array.isArray(items) ? (items[0] as Record<string, unknown> | undefined) : undefined;
  const result = first?.result as { aggregateFields?: Record<string, FirestoreValue> } | undefined;
  const value = result?.aggregateFields?.n;
  if (!value || !('integerValue' in value)) return null;
  const count = Number(value.integerValue);
  return Number.isSafeInteger(count) ? count : null;
}

/** One element of runQuery's answer (a JSON array): a document, or only a readTime when none matched. */
export interface RunQueryItem {
  readonly document?: FirestoreDocument;
  readonly readTime?: string;
  readonly skippedResults?: number;
}

/** A message document as the panel's message; null for one the rules would never have let in. */
export function messageFrom(document: FirestoreDocument): ChatMessage | null {
  const data = decodeFields(document.fields ?? {});
  const { uid, name, role, text, sentAt } = data;
  if (typeof uid !== 'string' || typeof text !== 'string' || typeof sentAt !== 'string') return null;
  if (role !== 'viewer' && role !== 'moderator') return null;
  return {
    id: documentId(document.name),
    uid,
    name: typeof name === 'string' ? name : uid,
    role: role as ChatRole,
    text,
    sentAt,
  };
}

export function messagesFrom(items: readonly RunQueryItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const item of items) {
    const message = item.document ? messageFrom(item.document) : null;
    if (message) messages.push(message);
  }
  return messages;
}

/** A sentAt or until as milliseconds (RFC 3339 with up to nanoseconds); NaN when unreadable. */
export function instantMs(value: string): number {
  // Date.parse reads at most milliseconds: cut the fraction to three digits.
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
}

/**
 * An instant as microseconds since the epoch (Firestore keeps microseconds; its strings drop
 * trailing zeros, so they do not sort as text). NaN when unreadable.
 */
export function instantUs(value: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!match) return Number.NaN;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = Number(`${match[2] ?? ''}000000`.slice(0, 6));
  return seconds * 1000 + fraction;
}

const REQUEST_TIME = 'REQUEST_TIME';

/**
 * The batch that posts a message, as the rules demand: the message (created, never
 * overwritten) with `sentAt` the request time, and the poster document's `lastPostAt` the same
 * request time (the rules' rate limit reads the previous one). Both in one `:commit`, atomic.
 */
export function postWrites(
  projectId: string,
  showId: string,
  message: {
    readonly id: string;
    readonly uid: string;
    readonly name: string;
    readonly role: ChatRole;
    readonly text: string;
  },
) {
  return {
    writes: [
      {
        update: {
          name: documentName(projectId, 'shows', showId, 'messages', message.id),
          fields: {
            uid: stringValue(message.uid),
            name: stringValue(message.name),
            role: stringValue(message.role),
            text: stringValue(message.text),
          },
        },
        updateTransforms: [{ fieldPath: 'sentAt', setToServerValue: REQUEST_TIME }],
        currentDocument: { exists: false },
      },
      {
        // No update mask: the document becomes exactly {lastPostAt} (the rules allow no other key).
        update: { name: documentName(projectId, 'shows', showId, 'posters', message.uid), fields: {} },
        updateTransforms: [{ fieldPath: 'lastPostAt', setToServerValue: REQUEST_TIME }],
      },
    ],
  };
}

/** A moderator removes a message (the rules let moderators delete, nobody edit). */
export function deleteWrites(projectId: string, showId: string, messageId: string) {
  return { writes: [{ delete: documentName(projectId, 'shows', showId, 'messages', messageId) }] };
}

/** A moderator mutes `uid` until `until` (the rules: at most a day after the request time). */
export function muteWrites(projectId: string, showId: string, uid: string, until: Date) {
  return {
    writes: [
      {
        update: {
          name: documentName(projectId, 'shows', showId, 'mutes', uid),
          fields: { uid: stringValue(uid), until: timestampValue(until) },
        },
      },
    ],
  };
}

/** Unmuting deletes the mute document. */
export function unmuteWrites(projectId: string, showId: string, uid: string) {
  return { writes: [{ delete: documentName(projectId, 'shows', showId, 'mutes', uid) }] };
}

/** `:commit`'s answer: one result per write, with the values of its transforms; the commit time. */
export interface CommitAnswer {
  readonly writeResults?: readonly {
    readonly updateTime?: string;
    readonly transformResults?: readonly FirestoreValue[];
  }[];
  readonly commitTime?: string;
}

/** The request time Firestore gave the first write's first transform (a posted message's sentAt). */
export function sentAtOf(answer: CommitAnswer): string | null {
  const value = answer.writeResults?.[0]?.transformResults?.[0];
  if (value && 'timestampValue' in value) return value.timestampValue;
  return answer.commitTime ?? null;
}

/** Google's error body: `{error: {code, message, status}}` (Identity Toolkit puts its reason in `message`). */
export interface GoogleError {
  readonly httpStatus: number;
  /** `PERMISSION_DENIED`, `UNAUTHENTICATED`, `NOT_FOUND`, `INVALID_ARGUMENT`, … (may be absent). */
  readonly status: string;
  /** Identity Toolkit's reason (`INVALID_CUSTOM_TOKEN`, `TOKEN_EXPIRED`, …) or Firestore's sentence. */
  readonly message: string;
}

export function googleErrorOf(httpStatus: number, body: unknown): GoogleError {
  const error =
    typeof body === 'object' && body !== null && 'error' in body
      ? (body as { error: unknown }).error
      : undefined;
  const fields = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : {};
  return {
    httpStatus,
    status: typeof fields.status === 'string' ? fields.status : '',
    message: typeof fields.message === 'string' ? fields.message : '',
  };
}

/** `accounts:signInWithCustomToken`'s and the Secure Token refresh's answers, as one session. */
export interface IdSession {
  readonly idToken: string;
  readonly refreshToken: string;
  /** When the ID token expires (ms since the epoch, by this browser's clock). */
  readonly expiresAtMs: number;
}

export function signInBody(customToken: string) {
  return { token: customToken, returnSecureToken: true };
}

export function sessionFromSignIn(answer: unknown, nowMs: number): IdSession | null {
  const body = (answer ?? {}) as Record<string, unknown>;
  const { idToken, refreshToken, expiresIn } = body;
  if (typeof idToken !== 'string' || typeof refreshToken !== 'string') return null;
  return { idToken, refreshToken, expiresAtMs: nowMs + seconds(expiresIn) * 1000 };
}

/** The Secure Token refresh is form-encoded. */
export function refreshBody(refreshToken: string): string {
  return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString();
}

export function sessionFromRefresh(answer: unknown, nowMs: number): IdSession | null {
  const body = (answer ?? {}) as Record<string, unknown>;
  const { id_token: idToken, refresh_token: refreshToken, expires_in: expiresIn } = body;
  if (typeof idToken !== 'string' || typeof refreshToken !== 'string') return null;
  return { idToken, refreshToken, expiresAtMs: nowMs + seconds(expiresIn) * 1000 };
}

/** Google sends lifetimes as decimal strings ("3600"); an hour when unreadable. */
function seconds(value: unknown): number {
  const parsed = typeof value === 'string' || typeof value === 'number' ? Number(value) : Number.NaN;
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 3600;
}

/** Who the custom token admits, from its payload (our own server signed it; Google verifies it). */
export interface TokenClaims {
  readonly uid: string;
  readonly showId: string;
  readonly role: ChatRole;
  readonly name: string;
}

export function claimsOf(customToken: string): TokenClaims | null {
  const payload = customToken.split('.')[1];
  if (!payload) return null;
  let parsed: unknown;
  try {
    const binary = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
  const body = (parsed ?? {}) as Record<string, unknown>;
  const claims = (body.claims ?? {}) as Record<string, unknown>;
  const { uid } = body;
  const { showId, name } = claims;
  // Tokens from before roles existed named a ticket only: a viewer's.
  const role = claims.role ?? (typeof claims.ticketId === 'string' ? 'viewer' : undefined);
  if (typeof uid !== 'string' || typeof showId !== 'string') return null;
  if (role !== 'viewer' && role !== 'moderator') return null;
  // The rules compare the message's name with the token's claim as it is: send it unchanged.
  return { uid, showId, role, name: typeof name === 'string' ? name : '' };
}

/** A document id as Firestore's clients make them: 20 characters from 62. */
export function newDocumentId(
  random: (count: number) => Uint8Array = (count) => crypto.getRandomValues(new Uint8Array(count)),
): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  while (id.length < 20) {
    for (const byte of random(40)) {
      // 248 = 4 × 62: bytes above it would favour the first letters.
      if (byte < 248 && id.length < 20) id += alphabet[byte % 62];
    }
  }
  return id;
}
