import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadShowAccessConfig } from '#functions/show-access/config.ts';
import { toFirestoreFields } from '#shared/chat/firestore-value.ts';
import { createCustomToken } from '#shared/shows/firebase-token.ts';
import { POST_GAP_MS } from '../../../../web/src/shows/chat/firestore-transport.ts';
import {
  claimsOf,
  countFrom,
  countQuery,
  decodeFields,
  decodeValue,
  deleteWrites,
  documentId,
  documentName,
  googleErrorOf,
  instantMs,
  instantUs,
  messageFrom,
  messagesFrom,
  messagesQuery,
  muteWrites,
  newDocumentId,
  postWrites,
  refreshBody,
  sentAtOf,
  sessionFromRefresh,
  sessionFromSignIn,
  signInBody,
  unmuteWrites,
} from '../../../../web/src/shows/chat/firestore-wire.ts';

const P = 'forgecast-prod';
const DOCS = `projects/${P}/databases/(default)/documents`;

describe('Module: web/src/shows/chat/firestore-wire (Firestore REST and Identity Toolkit formats)', () => {
  it('decodes every Value kind, int64 from its decimal string, nested maps and arrays', () => {
    expect(
      decodeFields({
        s: { stringValue: 'ciao' },
        i: { integerValue: '42' },
        d: { doubleValue: 1.5 },
        b: { booleanValue: true },
        n: { nullValue: null },
        t: { timestampValue: '2026-12-07T20:00:00.123456Z' },
        m: { mapValue: { fields: { a: { arrayValue: { values: [{ stringValue: 'x' }] } } } } },
        e: { arrayValue: {} },
        em: { mapValue: {} },
      }),
    ).toEqual({
      s: 'ciao',
      i: 42,
      d: 1.5,
      b: true,
      n: null,
      t: '2026-12-07T20:00:00.123456Z',
      m: { a: ['x'] },
      e: [],
      em: {},
    });
    // What the server adapter writes, the browser reads back.
    const at = new Date('2026-12-07T16:00:00.000Z');
    expect(decodeFields(toFirestoreFields({ uid: 'u_a', until: at, n: 7 }))).toEqual({
      uid: 'u_a',
      until: '2026-12-07T16:00:00.000Z',
      n: 7,
    });
    expect(decodeValue({ integerValue: '-3' })).toBe(-3);
  });

  it('names documents with escaped segments and reads ids back', () => {
    expect(documentName(P, 'shows', 'S1', 'messages', 'a/b c')).toBe(`${DOCS}/shows/S1/messages/a%2Fb%20c`);
    expect(documentId(`${DOCS}/shows/S1/messages/a%2Fb%20c`)).toBe('a/b c');
  });

  it('asks runQuery for the newest 50 newest-first, and for what came since a time oldest-first', () => {
    expect(messagesQuery()).toEqual({
      structuredQuery: {
        from: [{ collectionId: 'messages' }],
        orderBy: [{ field: { fieldPath: 'sentAt' }, direction: 'DESCENDING' }],
        limit: 50,
      },
    });
    expect(messagesQuery({ since: '2026-12-07T20:00:00.5Z', limit: 10 })).toEqual({
      structuredQuery: {
        from: [{ collectionId: 'messages' }],
        where: {
          fieldFilter: {
            field: { fieldPath: 'sentAt' },
            op: 'GREATER_THAN_OR_EQUAL',
            value: { timestampValue: '2026-12-07T20:00:00.5Z' },
          },
        },
        orderBy: [{ field: { fieldPath: 'sentAt' }, direction: 'ASCENDING' }],
        limit: 10,
      },
    });
  });

  it('counts the messages between two instants with one aggregation, and reads the count back', () => {
    expect(countQuery('2026-12-07T20:00:00.1Z', '2026-12-07T20:05:00.000002Z')).toEqual({
      structuredAggregationQuery: {
        structuredQuery: {
          from: [{ collectionId: 'messages' }],
          where: {
            compositeFilter: {
              op: 'AND',
              filters: [
                {
                  fieldFilter: {
                    field: { fieldPath: 'sentAt' },
                    op: 'GREATER_THAN_OR_EQUAL',
                    value: { timestampValue: '2026-12-07T20:00:00.1Z' },
                  },
                },
                {
                  fieldFilter: {
                    field: { fieldPath: 'sentAt' },
                    op: 'LESS_THAN_OR_EQUAL',
                    value: { timestampValue: '2026-12-07T20:05:00.000002Z' },
                  },
                },
              ],
            },
          },
        },
        aggregations: [{ alias: 'n', count: {} }],
      },
    });
    expect(countFrom([{ result: { aggregateFields: { n: { integerValue: '12' } } }, readTime: 'r' }])).toBe(
      12,
    );
    expect(countFrom([{ readTime: 'r' }])).toBeNull();
    expect(countFrom({ error: {} })).toBeNull();
  });

  it('reads runQuery’s answer: documents become messages, a bare readTime is an empty answer, bad ones are dropped', () => {
    const document = {
      name: `${DOCS}/shows/S1/messages/M1`,
      fields: {
        uid: { stringValue: 'u_a' },
        name: { stringValue: 'Ada' },
        role: { stringValue: 'viewer' },
        text: { stringValue: '<b>hi</b>' },
        sentAt: { timestampValue: '2026-12-07T20:00:00.1Z' },
      },
      createTime: '2026-12-07T20:00:00.1Z',
      updateTime: '2026-12-07T20:00:00.1Z',
    };
    expect(messageFrom(document)).toEqual({
      id: 'M1',
      uid: 'u_a',
      name: 'Ada',
      role: 'viewer',
      text: '<b>hi</b>',
      sentAt: '2026-12-07T20:00:00.1Z',
    });
    expect(
      messagesFrom([
        { document, readTime: 'r' },
        { document: { ...document, fields: { ...document.fields, role: { stringValue: 'admin' } } } },
        { document: { ...document, fields: { ...document.fields, sentAt: { integerValue: '1' } } } },
      ]),
    ).toHaveLength(1);
    expect(messagesFrom([{ readTime: '2026-12-07T20:00:00Z' }])).toEqual([]);
  });

  it('orders instants with 0, 3, 6 or 9 fractional digits (they do not sort as text)', () => {
    const times = [
      '2026-12-07T20:00:00Z',
      '2026-12-07T20:00:00.12Z',
      '2026-12-07T20:00:00.120001Z',
      '2026-12-07T20:00:00.123Z',
      '2026-12-07T20:00:00.123000001Z',
      '2026-12-07T20:00:00.123001Z',
      '2026-12-07T21:00:00.1+01:00',
    ];
    const us = times.map(instantUs);
    expect(us.slice(0, 6)).toEqual([...us.slice(0, 6)].sort((a, b) => a - b));
    expect(new Set(us.slice(0, 6).filter((_, i) => i !== 4)).size).toBe(5);
    expect(us[4]).toBe(us[3]); // nanoseconds below a microsecond are not told apart
    expect(us[6]).toBe(instantUs('2026-12-07T20:00:00.100Z'));
    expect(instantMs('2026-12-07T20:00:00.123456Z')).toBe(Date.parse('2026-12-07T20:00:00.123Z'));
    expect(instantUs('yesterday')).toBeNaN();
  });

  it('posts a message and its poster document in one commit, both stamped with REQUEST_TIME, the message created only', () => {
    expect(postWrites(P, 'S1', { id: 'M1', uid: 'u_a', name: 'Ada', role: 'viewer', text: 'hi' })).toEqual({
      writes: [
        {
          update: {
            name: `${DOCS}/shows/S1/messages/M1`,
            fields: {
              uid: { stringValue: 'u_a' },
              name: { stringValue: 'Ada' },
              role: { stringValue: 'viewer' },
              text: { stringValue: 'hi' },
            },
          },
          updateTransforms: [{ fieldPath: 'sentAt', setToServerValue: 'REQUEST_TIME' }],
          currentDocument: { exists: false },
        },
        {
          update: { name: `${DOCS}/shows/S1/posters/u_a`, fields: {} },
          updateTransforms: [{ fieldPath: 'lastPostAt', setToServerValue: 'REQUEST_TIME' }],
        },
      ],
    });
    expect(
      sentAtOf({
        writeResults: [
          { updateTime: 'u', transformResults: [{ timestampValue: '2026-12-07T20:00:00.000001Z' }] },
        ],
        commitTime: '2026-12-07T20:00:00.000002Z',
      }),
    ).toBe('2026-12-07T20:00:00.000001Z');
    expect(sentAtOf({ commitTime: 'c' })).toBe('c');
    expect(sentAtOf({})).toBeNull();
  });

  it('writes moderation as the rules and the server adapter name it', () => {
    expect(deleteWrites(P, 'S1', 'M1')).toEqual({ writes: [{ delete: `${DOCS}/shows/S1/messages/M1` }] });
    expect(muteWrites(P, 'S1', 'u_a', new Date('2026-12-07T20:10:00Z'))).toEqual({
      writes: [
        {
          update: {
            name: `${DOCS}/shows/S1/mutes/u_a`,
            fields: { uid: { stringValue: 'u_a' }, until: { timestampValue: '2026-12-07T20:10:00.000Z' } },
          },
        },
      ],
    });
    expect(unmuteWrites(P, 'S1', 'u_a')).toEqual({ writes: [{ delete: `${DOCS}/shows/S1/mutes/u_a` }] });
  });

  it('reads Google’s error bodies, sign-in and refresh answers', () => {
    expect(
      googleErrorOf(403, {
        error: { code: 403, message: 'Missing or insufficient permissions.', status: 'PERMISSION_DENIED' },
      }),
    ).toEqual({
      httpStatus: 403,
      status: 'PERMISSION_DENIED',
      message: 'Missing or insufficient permissions.',
    });
    expect(
      googleErrorOf(400, {
        error: { code: 400, message: 'INVALID_CUSTOM_TOKEN', errors: [{ reason: 'invalid' }] },
      }),
    ).toEqual({ httpStatus: 400, status: '', message: 'INVALID_CUSTOM_TOKEN' });
    expect(googleErrorOf(502, '<html>')).toEqual({ httpStatus: 502, status: '', message: '' });

    expect(signInBody('tok')).toEqual({ token: 'tok', returnSecureToken: true });
    expect(
      sessionFromSignIn({ idToken: 'id', refreshToken: 'r', expiresIn: '3600', isNewUser: false }, 1000),
    ).toEqual({ idToken: 'id', refreshToken: 'r', expiresAtMs: 3_601_000 });
    expect(sessionFromSignIn({ refreshToken: 'r' }, 0)).toBeNull();
    expect(new URLSearchParams(refreshBody('a+b/c='))).toEqual(
      new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'a+b/c=' }),
    );
    expect(
      sessionFromRefresh(
        { id_token: 'id2', refresh_token: 'r2', expires_in: '600', token_type: 'Bearer' },
        0,
      ),
    ).toEqual({ idToken: 'id2', refreshToken: 'r2', expiresAtMs: 600_000 });
    expect(sessionFromRefresh({ id_token: 'id2' }, 0)).toBeNull();
  });

  it('reads who the custom token admits (UTF-8 names included), and the old viewer-only tokens', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const account = { clientEmail: 'chat@forgecast-test.iam.gserviceaccount.com', privateKey };
    const token = createCustomToken(account, {
      uid: 'u_ada',
      claims: { showId: 'S1', ticketId: 'T1', role: 'viewer', name: 'Adà 🎭 Lovelace' },
      ttlSeconds: 600,
    }).token;
    expect(claimsOf(token)).toEqual({ uid: 'u_ada', showId: 'S1', role: 'viewer', name: 'Adà 🎭 Lovelace' });
    const old = createCustomToken(account, {
      uid: 'u_b',
      claims: { showId: 'S1', ticketId: 'T2' },
      ttlSeconds: 60,
    });
    expect(claimsOf(old.token)).toMatchObject({ role: 'viewer', name: '' });
    const noRole = createCustomToken(account, { uid: 'u_c', claims: { showId: 'S1' }, ttlSeconds: 60 });
    expect(claimsOf(noRole.token)).toBeNull();
    expect(claimsOf('not a token')).toBeNull();
  });

  it('makes 20-character document ids from 62 characters without favouring any', () => {
    const ids = Array.from({ length: 200 }, () => newDocumentId());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(new Set(ids).size).toBe(200);
    // Bytes at or above 248 are skipped (248 = 4 × 62), so no letter wins more often.
    let call = 0;
    const id = newDocumentId((count) => {
      call += 1;
      return Uint8Array.from({ length: count }, (_, i) => (call === 1 && i < 30 ? 250 : i));
    });
    // First call: 30 skipped bytes, then 30..39 → 'e'..'n'; second call: 0..9 → 'A'..'J'.
    expect(id).toBe('efghijklmnABCDEFGHIJ');
    expect(call).toBe(2);
  });
});

describe('The browser’s writes and reads against infra/firebase/firestore.rules', () => {
  const rules = readFileSync(new URL('../../../../infra/firebase/firestore.rules', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('//'))
    .join('\n');
  const keysAllowed = (path: string) => {
    const block = rules.slice(rules.indexOf(`match ${path}`));
    const list = /hasOnly\(\[([^\]]*)\]\)/.exec(block)?.[1] ?? '';
    return list
      .split(',')
      .map((key) => key.trim().replace(/^'|'$/g, ''))
      .filter(Boolean)
      .sort();
  };

  it('writes a message with exactly the keys the rules allow, sentAt and lastPostAt by REQUEST_TIME in the same batch', () => {
    const { writes } = postWrites(P, 'S1', { id: 'M1', uid: 'u_a', name: 'Ada', role: 'viewer', text: 'hi' });
    const [message, poster] = writes;
    const messageKeys = [
      ...Object.keys(message?.update.fields ?? {}),
      ...(message?.updateTransforms ?? []).map((transform) => transform.fieldPath),
    ].sort();
    expect(messageKeys).toEqual(keysAllowed('/shows/{showId}/messages/{messageId}'));
    expect(rules).toContain('request.resource.data.sentAt == request.time');
    const posterKeys = [
      ...Object.keys(poster?.update.fields ?? {}),
      ...(poster?.updateTransforms ?? []).map((transform) => transform.fieldPath),
    ].sort();
    expect(posterKeys).toEqual(keysAllowed('/shows/{showId}/posters/{uid}'));
    expect(rules).toContain(
      'getAfter(/databases/$(database)/documents/shows/$(showId)/posters/$(request.auth.uid)).data.lastPostAt == request.time',
    );
    expect(rules).toContain("resource.data.lastPostAt + duration.value(2, 's') <= request.time");
    expect(POST_GAP_MS).toBe(2000);
  });

  it('mutes with the keys the rules allow, for at most a day; reads what the rules let a member read', () => {
    const mute = muteWrites(P, 'S1', 'u_a', new Date()).writes[0];
    expect(Object.keys(mute?.update.fields ?? {}).sort()).toEqual(keysAllowed('/shows/{showId}/mutes/{uid}'));
    expect(rules).toContain("request.resource.data.until <= request.time + duration.value(1, 'd')");
    expect(rules).toMatch(
      /match \/shows\/\{showId\}\/messages\/\{messageId\} \{\s*allow read: if member\(showId\);/,
    );
    expect(rules).toContain('allow read: if member(showId) && (uid == request.auth.uid || isModerator());');
    expect(rules).toMatch(
      /allow delete: if member\(showId\) && isModerator\(\);\s*\}\s*match \/shows\/\{showId\}\/posters/,
    );
  });
});

describe('Function: loadShowAccessConfig (the Firestore answer’s Web API key)', () => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
    type: 'pkcs8',
    format: 'pem',
  });
  const base = {
    MYSQL_URL: 'mysql://u:p@127.0.0.1:3306/db',
    EDGE_BASE_URL: 'https://media.example.test',
    EDGE_TOKEN_KEYS: 'ab'.repeat(32),
    FIREBASE_SERVICE_ACCOUNT_JSON: JSON.stringify({
      client_email: 'chat@forgecast-prod.iam.gserviceaccount.com',
      private_key: key,
    }),
  };

  it('hands FIREBASE_WEB_API_KEY to browsers with the project; leaves it out when unset; refuses a malformed one', () => {
    expect(
      loadShowAccessConfig({ ...base, FIREBASE_WEB_API_KEY: 'AIzaSyA-0123456789_abcdefghijklmnopqr' }).chat,
    ).toEqual({
      transport: 'firestore',
      projectId: 'forgecast-prod',
      apiKey: 'AIzaSyA-0123456789_abcdefghijklmnopqr',
    });
    expect(loadShowAccessConfig(base).chat).toEqual({ transport: 'firestore', projectId: 'forgecast-prod' });
    expect(() => loadShowAccessConfig({ ...base, FIREBASE_WEB_API_KEY: 'short key!' })).toThrow(
      /FIREBASE_WEB_API_KEY is invalid/,
    );
    // The local chat server needs no key.
    expect(
      loadShowAccessConfig({
        ...base,
        FIREBASE_WEB_API_KEY: 'AIzaSyA-0123456789_abcdefghijklmnopqr',
        CHAT_WEBSOCKET_URL: 'ws://127.0.0.1:4100/chat',
      }).chat,
    ).toEqual({ transport: 'websocket', url: 'ws://127.0.0.1:4100/chat' });
  });
});
