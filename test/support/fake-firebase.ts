import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FIREBASE_CUSTOM_TOKEN_AUDIENCE, type FirebaseServiceAccount } from '#shared/shows/firebase-token.ts';

/**
 * Google's Firebase endpoints on loopback, speaking their documented wire formats, for the show
 * chat's two Firestore clients (the browser's transport, web/src/shows/chat/firestore-transport.ts,
 * and the back end's port, shared/chat/firestore-moderation.ts):
 *
 * - Identity Toolkit `POST /v1/accounts:signInWithCustomToken?key=` — checks the API key and the
 *   custom token as Firebase does (RS256 signature with the service account's public key, `aud`
 *   the Identity Toolkit audience, `iss` = `sub` = the account's email, `exp` within an hour of
 *   `iat` and not past, a uid) and answers `{idToken, refreshToken, expiresIn}`; the ID token is a
 *   JWT this stand-in signs, carrying the developer claims at its top level as Firebase's do.
 * - Secure Token `POST /v1/token?key=` (form: `grant_type=refresh_token&refresh_token=`) →
 *   `{id_token, refresh_token, expires_in, …}`.
 * - OAuth `POST /token` (JWT-bearer grant, the service account's admin access; no rules apply).
 * - Firestore REST v1 under `/v1/projects/{p}/databases/(default)/documents`: `GET`, `PATCH` and
 *   `DELETE` of a document, `:runQuery` (`from` one collection, field filters joined by AND,
 *   `orderBy`, `limit`; the answer a JSON array, `[{readTime}]` when nothing matched),
 *   `:runAggregationQuery` (`count`: `[{result: {aggregateFields}, readTime}]`) and `:commit`
 *   (`update` with or without `updateMask`, `delete`, `currentDocument`, `updateTransforms` with
 *   `setToServerValue: REQUEST_TIME`; all or nothing). Values are typed (`stringValue`,
 *   `timestampValue`, …) and checked; timestamps are written with 0, 3, 6 or 9 fractional digits
 *   as proto3 JSON does.
 * - The security rules of infra/firebase/firestore.rules, evaluated in TypeScript on every request
 *   made with an ID token: the same conditions, rule by rule (get/exists see the state before the
 *   commit, getAfter the state after it). Errors are Google's bodies: `{error: {code, message,
 *   status}}` (403 PERMISSION_DENIED "Missing or insufficient permissions.", 401 UNAUTHENTICATED,
 *   404 NOT_FOUND, 409 ALREADY_EXISTS, 400 INVALID_ARGUMENT), Identity Toolkit's reason in
 *   `message` (`INVALID_CUSTOM_TOKEN`).
 * - CORS as Google's APIs answer it, so a browser may call it.
 */

export type Value =
  | { stringValue: string }
  | { integerValue: string }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { nullValue: null }
  | { timestampValue: string }
  | { mapValue: { fields?: Record<string, Value> } }
  | { arrayValue: { values?: Value[] } };

export interface StoredDocument {
  fields: Record<string, Value>;
  createTime: string;
  updateTime: string;
}

export interface SeenRequest {
  readonly method: string;
  /** The path, decoded (`/v1/projects/p/databases/(default)/documents/shows/S/messages/M`). */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** What the stand-in answered. */
  status: number;
}

export interface FakeFirebase {
  readonly url: string;
  readonly projectId: string;
  readonly apiKey: string;
  /** Everything asked, in order (CORS preflights included). */
  readonly requests: SeenRequest[];
  /** The database: document path (`shows/S/messages/M`) → document. */
  readonly documents: Map<string, StoredDocument>;
  /** Lifetime of the ID tokens it issues (seconds; Firebase's is an hour). */
  idTokenSeconds: number;
  /** Access tokens issued to the service account (`ya29.fake-<n>`). */
  readonly accessTokens: number;
  /** Answers the next `times` requests whose `METHOD path` matches with `status` and Google's error body. */
  fail(match: RegExp, status: number, times?: number): void;
  /** Revokes a ticket as edge-revocations does (the `revokedTickets` document). */
  revokeTicket(ticketId: string): void;
  /** A document's fields as plain values (timestamps as their strings). */
  read(path: string): Record<string, unknown> | undefined;
  close(): Promise<void>;
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

class GoogleError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const denied = () => new GoogleError(403, 'Missing or insufficient permissions.');
const invalid = (message: string) => new GoogleError(400, message);

/** Who made a Firestore request: the service account (no rules) or a signed-in person. */
type Caller =
  | { readonly admin: true }
  | { readonly admin: false; readonly uid: string; readonly token: Readonly<Record<string, unknown>> };

export async function startFakeFirebase(options: {
  readonly account: FirebaseServiceAccount;
  readonly projectId: string;
  readonly apiKey?: string;
}): Promise<FakeFirebase> {
  const { account, projectId } = options;
  const apiKey = options.apiKey ?? `AIzaSy${randomBytes(16).toString('base64url')}`;
  const accountKey = createPublicKey(account.privateKey);
  const signer = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const databasePrefix = `projects/${projectId}/databases/(default)/documents`;
  const requests: SeenRequest[] = [];
  const documents = new Map<string, StoredDocument>();
  const refreshTokens = new Map<string, { uid: string; claims: Record<string, unknown> }>();
  const faults: { match: RegExp; status: number; times: number }[] = [];
  let accessTokens = 0;
  const validAccessTokens = new Set<string>();
  let lastMicros = 0n;

  /** Now, strictly after the previous instant handed out (µs), as proto3 JSON writes it. */
  const requestTime = (): { iso: string; us: bigint } => {
    let us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
    if (us <= lastMicros) us = lastMicros + 1n;
    lastMicros = us;
    return { iso: isoOf(us), us };
  };

  const state: FakeFirebase = {
    url: '',
    projectId,
    apiKey,
    requests,
    documents,
    idTokenSeconds: 3600,
    get accessTokens() {
      return accessTokens;
    },
    fail(match, status, times = 1) {
      faults.push({ match, status, times });
    },
    revokeTicket(ticketId) {
      const now = requestTime().iso;
      documents.set(`revokedTickets/${ticketId}`, {
        fields: { ticketId: { stringValue: ticketId }, revokedAt: { timestampValue: now } },
        createTime: now,
        updateTime: now,
      });
    },
    read(path) {
      const document = documents.get(path);
      return document ? plainFields(document.fields) : undefined;
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  // ── tokens ────────────────────────────────────────────────────────────────────────────────

  const jwt = (payload: Record<string, unknown>): string => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: 'fake-firebase', typ: 'JWT' })}.${encode(payload)}`;
    return `${input}.${sign('RSA-SHA256', Buffer.from(input), signer.privateKey).toString('base64url')}`;
  };

  const readJwt = (token: string, key: KeyObject): Record<string, unknown> | null => {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || signature === undefined) return null;
    try {
      if ((JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string }).alg !== 'RS256')
        return null;
      if (
        !verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))
      )
        return null;
      return JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    } catch {
      return null;
    }
  };

  const session = (uid: string, claims: Record<string, unknown>) => {
    const now = Math.floor(Date.now() / 1000);
    const idToken = jwt({
      ...claims,
      iss: `https://securetoken.google.com/${projectId}`,
      aud: projectId,
      auth_time: now,
      user_id: uid,
      sub: uid,
      iat: now,
      exp: now + state.idTokenSeconds,
      firebase: { identities: {}, sign_in_provider: 'custom' },
    });
    const refreshToken = `AMf-${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refreshToken, { uid, claims });
    return { idToken, refreshToken, expiresIn: String(state.idTokenSeconds) };
  };

  /** Identity Toolkit's checks of a custom token (Firebase's "Create custom tokens" page). */
  const customTokenClaims = (token: unknown): { uid: string; claims: Record<string, unknown> } | null => {
    if (typeof token !== 'string') return null;
    const payload = readJwt(token, accountKey);
    if (!payload) return null;
    const now = Math.floor(Date.now() / 1000);
    const { iss, sub, aud, iat, exp, uid, claims } = payload;
    if (aud !== FIREBASE_CUSTOM_TOKEN_AUDIENCE || iss !== account.clientEmail || sub !== account.clientEmail)
      return null;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp <= now ||
      exp - iat > 3600 ||
      iat > now + 300
    )
      return null;
    if (typeof uid !== 'string' || uid.length < 1 || uid.length > 128) return null;
    if (claims !== undefined && (typeof claims !== 'object' || claims === null)) return null;
    return { uid, claims: (claims ?? {}) as Record<string, unknown> };
  };

  const callerOf = (req: IncomingMessage): Caller => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer) throw new GoogleError(401, 'Request is missing required authentication credential.');
    if (validAccessTokens.has(bearer)) return { admin: true };
    const payload = readJwt(bearer, signer.publicKey);
    if (
      !payload ||
      payload.aud !== projectId ||
      payload.iss !== `https://securetoken.google.com/${projectId}`
    ) {
      throw new GoogleError(401, 'Request had invalid authentication credentials.');
    }
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) {
      throw new GoogleError(401, 'Request had invalid authentication credentials.');
    }
    return { admin: false, uid: String(payload.sub), token: payload };
  };

  // ── the rules (infra/firebase/firestore.rules) ────────────────────────────────────────────

  type Docs = ReadonlyMap<string, StoredDocument>;
  const rules = (caller: Extract<Caller, { admin: false }>, before: Docs, nowUs: bigint) => {
    const token = caller.token;
    const signedIn = () => typeof token.showId === 'string';
    const inShow = (showId: string) => signedIn() && token.showId === showId;
    const isModerator = () => token.role === 'moderator';
    const ticketValid = () =>
      isModerator() ||
      (token.role === 'viewer' &&
        typeof token.ticketId === 'string' &&
        !before.has(`revokedTickets/${token.ticketId}`));
    const member = (showId: string) => inShow(showId) && ticketValid();
    const notMuted = (showId: string) => {
      const mute = before.get(`shows/${showId}/mutes/${caller.uid}`);
      return isModerator() || !mute || timestampUs(mute.fields.until) <= nowUs;
    };
    return { member, notMuted, isModerator };
  };

  const goodText = (value: Value | undefined) => {
    if (!value || !('stringValue' in value)) return false;
    const text = value.stringValue;
    const size = [...text].length;
    return (
      size >= 1 &&
      size <= 500 &&
      text === text.trim() &&
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the rules' forbidden characters
      !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u.test(text)
    );
  };
  const keysOnly = (fields: Record<string, Value>, allowed: readonly string[]) =>
    Object.keys(fields).every((key) => allowed.includes(key));
  const str = (value: Value | undefined) => (value && 'stringValue' in value ? value.stringValue : undefined);

  const mayRead = (caller: Caller, path: string, nowUs: bigint): boolean => {
    if (caller.admin) return true;
    const { member, isModerator } = rules(caller, documents, nowUs);
    let match = /^shows\/([^/]+)\/messages(?:\/[^/]+)?$/.exec(path);
    if (match) return member(match[1] as string);
    match = /^shows\/([^/]+)\/mutes\/([^/]+)$/.exec(path);
    if (match) return member(match[1] as string) && (match[2] === caller.uid || isModerator());
    match = /^shows\/([^/]+)\/mutes$/.exec(path);
    if (match) return member(match[1] as string) && isModerator();
    return false;
  };

  const mayWrite = (caller: Caller, path: string, before: Docs, after: Docs, nowUs: bigint): boolean => {
    if (caller.admin) return true;
    const { member, notMuted, isModerator } = rules(caller, before, nowUs);
    const old = before.get(path);
    const next = after.get(path);
    const kind = !next ? 'delete' : old ? 'update' : 'create';
    let match = /^shows\/([^/]+)\/messages\/([^/]+)$/.exec(path);
    if (match) {
      const showId = match[1] as string;
      if (kind === 'delete') return member(showId) && isModerator();
      if (kind === 'update' || !next) return false;
      const data = next.fields;
      const poster = after.get(`shows/${showId}/posters/${caller.uid}`);
      return (
        member(showId) &&
        notMuted(showId) &&
        keysOnly(data, ['uid', 'name', 'role', 'text', 'sentAt']) &&
        str(data.uid) === caller.uid &&
        str(data.name) === caller.token.name &&
        str(data.role) === caller.token.role &&
        goodText(data.text) &&
        timestampUs(data.sentAt) === nowUs &&
        poster !== undefined &&
        timestampUs(poster.fields.lastPostAt) === nowUs
      );
    }
    match = /^shows\/([^/]+)\/posters\/([^/]+)$/.exec(path);
    if (match) {
      const [, showId, uid] = match as unknown as [string, string, string];
      if (kind === 'delete' || !next) return false;
      const common =
        member(showId) &&
        uid === caller.uid &&
        keysOnly(next.fields, ['lastPostAt']) &&
        timestampUs(next.fields.lastPostAt) === nowUs;
      if (kind === 'create') return common;
      return common && timestampUs(old?.fields.lastPostAt) + 2_000_000n <= nowUs;
    }
    match = /^shows\/([^/]+)\/mutes\/([^/]+)$/.exec(path);
    if (match) {
      const [, showId, uid] = match as unknown as [string, string, string];
      if (kind === 'delete') return member(showId) && isModerator();
      if (!next) return false;
      const until = next.fields.until;
      return (
        member(showId) &&
        isModerator() &&
        uid !== caller.uid &&
        keysOnly(next.fields, ['uid', 'until']) &&
        str(next.fields.uid) === uid &&
        until !== undefined &&
        'timestampValue' in until &&
        timestampUs(until) <= nowUs + 86_400_000_000n
      );
    }
    return false;
  };

  // ── Firestore ─────────────────────────────────────────────────────────────────────────────

  const pathOf = (name: unknown): string => {
    if (typeof name !== 'string' || !name.startsWith(`${databasePrefix}/`)) {
      throw invalid(`Document name "${String(name)}" lacks "${databasePrefix}".`);
    }
    const segments = name
      .slice(databasePrefix.length + 1)
      .split('/')
      .map(decodeURIComponent);
    if (segments.length % 2 !== 0 || segments.some((segment) => segment === '')) {
      throw invalid(`Document name "${name}" is not a document.`);
    }
    return segments.join('/');
  };
  const nameOf = (path: string) => `${databasePrefix}/${path.split('/').map(encodeURIComponent).join('/')}`;
  const documentJson = (path: string, document: StoredDocument) => ({
    name: nameOf(path),
    fields: document.fields,
    createTime: document.createTime,
    updateTime: document.updateTime,
  });

  const commit = (caller: Caller, body: unknown) => {
    const { writes, ...rest } = (body ?? {}) as { writes?: unknown };
    if (Object.keys(rest).some((key) => key !== 'transaction')) {
      throw invalid(
        `Invalid JSON payload received. Unknown name "${Object.keys(rest)[0]}": Cannot find field.`,
      );
    }
    if (!Array.isArray(writes) || writes.length === 0 || writes.length > 500) {
      throw invalid('A commit takes 1 to 500 writes.');
    }
    const { iso, us } = requestTime();
    const after = new Map(documents);
    const results: { updateTime: string; transformResults?: Value[] }[] = [];
    const touched: string[] = [];
    for (const raw of writes as Record<string, unknown>[]) {
      const known = ['update', 'delete', 'updateMask', 'updateTransforms', 'currentDocument'];
      const unknown = Object.keys(raw).find((key) => !known.includes(key));
      if (unknown)
        throw invalid(
          `Invalid JSON payload received. Unknown name "${unknown}" at 'writes[0]': Cannot find field.`,
        );
      const path = pathOf(raw.delete ?? (raw.update as { name?: unknown } | undefined)?.name);
      const existing = after.get(path);
      const precondition = raw.currentDocument as { exists?: boolean } | undefined;
      if (precondition?.exists === false && existing)
        throw new GoogleError(409, `Document already exists: ${nameOf(path)}`);
      if (precondition?.exists === true && !existing)
        throw new GoogleError(404, `No document to update: ${nameOf(path)}`);
      touched.push(path);
      if (raw.delete !== undefined) {
        after.delete(path);
        results.push({ updateTime: iso });
        continue;
      }
      const update = raw.update as { name: string; fields?: Record<string, unknown> };
      const fields = checkFields(update.fields ?? {});
      const mask = (raw.updateMask as { fieldPaths?: string[] } | undefined)?.fieldPaths;
      const merged: Record<string, Value> = mask ? { ...(existing?.fields ?? {}) } : {};
      if (mask) {
        for (const field of mask) {
          if (field in fields) merged[field] = fields[field] as Value;
          else delete merged[field];
        }
      } else Object.assign(merged, fields);
      const transformResults: Value[] = [];
      for (const transform of (raw.updateTransforms ?? []) as {
        fieldPath?: string;
        setToServerValue?: string;
      }[]) {
        if (transform.setToServerValue !== 'REQUEST_TIME' || typeof transform.fieldPath !== 'string') {
          throw invalid('Only setToServerValue: REQUEST_TIME is supported by this stand-in.');
        }
        merged[transform.fieldPath] = { timestampValue: iso };
        transformResults.push({ timestampValue: iso });
      }
      after.set(path, { fields: merged, createTime: existing?.createTime ?? iso, updateTime: iso });
      results.push({ updateTime: iso, ...(raw.updateTransforms ? { transformResults } : {}) });
    }
    for (const path of touched) if (!mayWrite(caller, path, documents, after, us)) throw denied();
    documents.clear();
    for (const [path, document] of after) documents.set(path, document);
    return { writeResults: results, commitTime: iso };
  };

  type Filter = {
    fieldFilter?: { field: { fieldPath: string }; op: string; value: Value };
    compositeFilter?: { op: string; filters: Filter[] };
  };
  const matches = (document: StoredDocument, filter: Filter): boolean => {
    if (filter.compositeFilter) {
      if (filter.compositeFilter.op !== 'AND')
        throw invalid('Only AND composite filters are supported by this stand-in.');
      return filter.compositeFilter.filters.every((inner) => matches(document, inner));
    }
    const field = filter.fieldFilter;
    if (!field) throw invalid('A filter is a fieldFilter or a compositeFilter.');
    checkValue(field.value);
    const value = document.fields[field.field.fieldPath];
    if (!value) return false;
    const order = compareValues(value, field.value);
    switch (field.op) {
      case 'EQUAL':
        return order === 0;
      case 'GREATER_THAN':
        return order > 0;
      case 'GREATER_THAN_OR_EQUAL':
        return order >= 0;
      case 'LESS_THAN':
        return order < 0;
      case 'LESS_THAN_OR_EQUAL':
        return order <= 0;
      default:
        throw invalid(`Unsupported op ${field.op}.`);
    }
  };

  /** A structured query's matches, in order, and the read time; refused unless the rules allow reading them all. */
  const select = (caller: Caller, parent: string, structuredQuery: unknown) => {
    if (typeof structuredQuery !== 'object' || structuredQuery === null)
      throw invalid('structuredQuery is required.');
    const { from, where, orderBy, limit, ...other } = structuredQuery as {
      from?: { collectionId?: string; allDescendants?: boolean }[];
      where?: Filter;
      orderBy?: { field: { fieldPath: string }; direction?: string }[];
      limit?: number;
    };
    if (Object.keys(other).length > 0)
      throw invalid(
        `Invalid JSON payload received. Unknown name "${Object.keys(other)[0]}" at 'structured_query': Cannot find field.`,
      );
    const collection = from?.[0]?.collectionId;
    if (!collection || from.length !== 1 || from[0]?.allDescendants)
      throw invalid('from names one collection.');
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw invalid('limit is an integer.');
    const collectionPath = parent === '' ? collection : `${parent}/${collection}`;
    const { iso, us } = requestTime();
    // Rules are not filters: the query is refused unless the rules allow reading every match.
    if (!mayRead(caller, collectionPath, us)) throw denied();
    let rows = [...documents.entries()].filter(
      ([path]) =>
        path.startsWith(`${collectionPath}/`) && !path.slice(collectionPath.length + 1).includes('/'),
    );
    if (where) rows = rows.filter(([, document]) => matches(document, where));
    const orders = [...(orderBy ?? [])];
    for (const order of orders) {
      if (!['ASCENDING', 'DESCENDING', undefined].includes(order.direction)) throw invalid('direction?');
      rows = rows.filter(([, document]) => document.fields[order.field.fieldPath] !== undefined);
    }
    rows.sort(([aPath, a], [bPath, b]) => {
      for (const order of orders) {
        const c = compareValues(
          a.fields[order.field.fieldPath] as Value,
          b.fields[order.field.fieldPath] as Value,
        );
        if (c !== 0) return order.direction === 'DESCENDING' ? -c : c;
      }
      return aPath < bPath ? -1 : aPath > bPath ? 1 : 0;
    });
    if (limit !== undefined) rows = rows.slice(0, limit);
    return { rows, readTime: iso };
  };

  const onlyKey = (body: unknown, key: string): unknown => {
    const { [key]: value, ...rest } = (body ?? {}) as Record<string, unknown>;
    if (Object.keys(rest).length > 0)
      throw invalid(
        `Invalid JSON payload received. Unknown name "${Object.keys(rest)[0]}": Cannot find field.`,
      );
    return value;
  };

  const runQuery = (caller: Caller, parent: string, body: unknown) => {
    const { rows, readTime } = select(caller, parent, onlyKey(body, 'structuredQuery'));
    if (rows.length === 0) return [{ readTime }];
    return rows.map(([path, document]) => ({ document: documentJson(path, document), readTime }));
  };

  /** `count` aggregations only (what the chat uses); the answer has one result. */
  const runAggregationQuery = (caller: Caller, parent: string, body: unknown) => {
    const query = onlyKey(body, 'structuredAggregationQuery') as
      | { structuredQuery?: unknown; aggregations?: { alias?: string; count?: object }[] }
      | undefined;
    const aggregations = query?.aggregations ?? [];
    if (
      aggregations.length === 0 ||
      aggregations.some((one) => !one.count || typeof one.alias !== 'string')
    ) {
      throw invalid('Only count aggregations with an alias are supported by this stand-in.');
    }
    const { rows, readTime } = select(caller, parent, query?.structuredQuery);
    const aggregateFields = Object.fromEntries(
      aggregations.map((one) => [one.alias as string, { integerValue: String(rows.length) }]),
    );
    return [{ result: { aggregateFields }, readTime }];
  };

  const firestore = (req: IncomingMessage, path: string, bodyText: string): unknown => {
    const caller = callerOf(req);
    const prefix = `/v1/${databasePrefix}`;
    const rest = path.slice(prefix.length);
    const body = bodyText === '' ? undefined : parseJson(bodyText);
    if (req.method === 'POST' && rest === ':commit') return commit(caller, body);
    const query = /^(?:\/(.+))?:(runQuery|runAggregationQuery)$/.exec(rest);
    if (req.method === 'POST' && query) {
      return query[2] === 'runQuery'
        ? runQuery(caller, query[1] ?? '', body)
        : runAggregationQuery(caller, query[1] ?? '', body);
    }
    const documentPath = pathOf(`${databasePrefix}${rest}`);
    const { us, iso } = requestTime();
    if (req.method === 'GET') {
      if (!mayRead(caller, documentPath, us)) throw denied();
      const document = documents.get(documentPath);
      if (!document) throw new GoogleError(404, `Document "${nameOf(documentPath)}" not found.`);
      return documentJson(documentPath, document);
    }
    if (req.method === 'DELETE' || req.method === 'PATCH') {
      const after = new Map(documents);
      if (req.method === 'DELETE') after.delete(documentPath);
      else {
        const fields = checkFields((body as { fields?: Record<string, unknown> } | undefined)?.fields ?? {});
        const existing = documents.get(documentPath);
        after.set(documentPath, { fields, createTime: existing?.createTime ?? iso, updateTime: iso });
      }
      if (!mayWrite(caller, documentPath, documents, after, us)) throw denied();
      const written = after.get(documentPath);
      if (written) documents.set(documentPath, written);
      else documents.delete(documentPath);
      return written ? documentJson(documentPath, written) : {};
    }
    throw new GoogleError(404, 'Not found.');
  };

  // ── the server ────────────────────────────────────────────────────────────────────────────

  const route = (req: IncomingMessage, url: URL, path: string, body: string): unknown => {
    if (path === '/v1/accounts:signInWithCustomToken' && req.method === 'POST') {
      if (url.searchParams.get('key') !== apiKey)
        throw invalid('API key not valid. Please pass a valid API key.');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        throw invalid('INVALID_REQUEST');
      const parsed = parseJson(body) as { token?: unknown; returnSecureToken?: unknown };
      const admitted = customTokenClaims(parsed.token);
      if (!admitted) throw invalid('INVALID_CUSTOM_TOKEN');
      return {
        kind: 'identitytoolkit#VerifyCustomTokenResponse',
        ...session(admitted.uid, admitted.claims),
        isNewUser: false,
      };
    }
    if (path === '/v1/token' && req.method === 'POST') {
      if (url.searchParams.get('key') !== apiKey)
        throw invalid('API key not valid. Please pass a valid API key.');
      const form = new URLSearchParams(body);
      const known = refreshTokens.get(form.get('refresh_token') ?? '');
      if (form.get('grant_type') !== 'refresh_token' || !known) throw invalid('INVALID_REFRESH_TOKEN');
      const renewed = session(known.uid, known.claims);
      return {
        access_token: renewed.idToken,
        expires_in: renewed.expiresIn,
        token_type: 'Bearer',
        refresh_token: renewed.refreshToken,
        id_token: renewed.idToken,
        user_id: known.uid,
        project_id: projectId,
      };
    }
    if (path === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(body);
      const claims =
        req.headers['content-type'] === 'application/x-www-form-urlencoded' &&
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer'
          ? readJwt(form.get('assertion') ?? '', accountKey)
          : null;
      if (
        claims?.aud !== 'https://oauth2.googleapis.com/token' ||
        claims.iss !== account.clientEmail ||
        claims.scope !== 'https://www.googleapis.com/auth/datastore'
      ) {
        throw invalid('invalid_grant');
      }
      accessTokens += 1;
      const token = `ya29.fake-${accessTokens}`;
      validAccessTokens.add(token);
      return { access_token: token, expires_in: 3599, token_type: 'Bearer' };
    }
    if (path.startsWith(`/v1/${databasePrefix}`)) return firestore(req, path, body);
    throw new GoogleError(404, 'Not found.');
  };

  const cors = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
    res.setHeader('vary', 'origin');
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const path = url.pathname.split('/').map(decodeURIComponent).join('/');
      const seen: SeenRequest = {
        method: req.method ?? '',
        path,
        query: url.searchParams,
        headers: req.headers,
        body,
        status: 0,
      };
      requests.push(seen);
      cors(req, res);
      const answer = (status: number, json: unknown) => {
        seen.status = status;
        res
          .writeHead(status, { 'content-type': 'application/json; charset=UTF-8' })
          .end(JSON.stringify(json));
      };
      if (req.method === 'OPTIONS') {
        seen.status = 204;
        res
          .writeHead(204, {
            'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
            'access-control-allow-headers':
              req.headers['access-control-request-headers'] ?? 'authorization, content-type',
            'access-control-max-age': '3600',
          })
          .end();
        return;
      }
      const fault = faults.find((one) => one.times > 0 && one.match.test(`${req.method} ${path}`));
      if (fault) {
        fault.times -= 1;
        answer(fault.status, errorBody(fault.status, 'injected by the test'));
        return;
      }
      try {
        answer(200, route(req, url, path, body));
      } catch (error) {
        if (error instanceof GoogleError) answer(error.code, errorBody(error.code, error.message));
        else answer(500, errorBody(500, (error as Error).message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

function errorBody(code: number, message: string) {
  return {
    error: {
      code,
      message,
      status: STATUS_NAMES[code] ?? 'UNKNOWN',
      ...(code === 400 && /^[A-Z_]+$/.test(message)
        ? { errors: [{ message, domain: 'global', reason: 'invalid' }] }
        : {}),
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('Invalid JSON payload received.');
  }
}

const VALUE_KINDS = [
  'stringValue',
  'integerValue',
  'doubleValue',
  'booleanValue',
  'nullValue',
  'timestampValue',
  'mapValue',
  'arrayValue',
] as const;

/** A `Value` as Firestore accepts it: exactly one kind, int64 as a decimal string, RFC 3339 timestamps. */
function checkValue(value: unknown): Value {
  if (typeof value !== 'object' || value === null) throw invalid('A value is an object.');
  const keys = Object.keys(value);
  const kind = keys[0];
  if (keys.length !== 1 || !VALUE_KINDS.includes(kind as (typeof VALUE_KINDS)[number])) {
    throw invalid(`Invalid value: ${JSON.stringify(value)}`);
  }
  const inner = (value as Record<string, unknown>)[kind as string];
  const ok =
    (kind === 'stringValue' && typeof inner === 'string') ||
    (kind === 'integerValue' && typeof inner === 'string' && /^-?\d+$/.test(inner)) ||
    (kind === 'doubleValue' && typeof inner === 'number') ||
    (kind === 'booleanValue' && typeof inner === 'boolean') ||
    (kind === 'nullValue' && inner === null) ||
    (kind === 'timestampValue' && typeof inner === 'string' && !Number.isNaN(timestampUsOf(inner))) ||
    kind === 'mapValue' ||
    kind === 'arrayValue';
  if (!ok) throw invalid(`Invalid value for ${kind}: ${JSON.stringify(inner)}`);
  return value as Value;
}

function checkFields(fields: Record<string, unknown>): Record<string, Value> {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, checkValue(value)]));
}

function timestampUsOf(iso: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (!match) return Number.NaN;
  return Date.parse(`${match[1]}${match[3]}`) * 1000 + Number(`${match[2] ?? ''}000000`.slice(0, 6));
}

/** A timestamp value in µs; -∞ for anything else (so comparisons with it fail as the rules' would). */
function timestampUs(value: Value | undefined): bigint {
  if (!value || !('timestampValue' in value)) return -(2n ** 80n);
  return BigInt(timestampUsOf(value.timestampValue));
}

/** proto3 JSON: 0, 3, 6 or 9 fractional digits, as needed. */
function isoOf(us: bigint): string {
  const ms = Number(us / 1000n);
  const micros = Number(us % 1000n);
  const base = new Date(ms).toISOString(); // …ss.mmmZ
  if (micros !== 0) return base.replace('Z', `${String(micros).padStart(3, '0')}Z`);
  if (ms % 1000 !== 0) return base;
  return base.replace('.000Z', 'Z');
}

function compareValues(a: Value, b: Value): number {
  const rank = (value: Value) => VALUE_KINDS.indexOf(Object.keys(value)[0] as (typeof VALUE_KINDS)[number]);
  if ('timestampValue' in a && 'timestampValue' in b) {
    return Math.sign(timestampUsOf(a.timestampValue) - timestampUsOf(b.timestampValue));
  }
  if ('stringValue' in a && 'stringValue' in b)
    return a.stringValue < b.stringValue ? -1 : a.stringValue > b.stringValue ? 1 : 0;
  if ('integerValue' in a && 'integerValue' in b)
    return Math.sign(Number(a.integerValue) - Number(b.integerValue));
  return Math.sign(rank(a) - rank(b));
}

function plainFields(fields: Record<string, Value>): Record<string, unknown> {
  const plain = (value: Value): unknown => {
    if ('stringValue' in value) return value.stringValue;
    if ('timestampValue' in value) return value.timestampValue;
    if ('integerValue' in value) return Number(value.integerValue);
    if ('doubleValue' in value) return value.doubleValue;
    if ('booleanValue' in value) return value.booleanValue;
    if ('nullValue' in value) return null;
    if ('mapValue' in value) return plainFields(value.mapValue.fields ?? {});
    return (value.arrayValue.values ?? []).map(plain);
  };
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, plain(value)]));
}
