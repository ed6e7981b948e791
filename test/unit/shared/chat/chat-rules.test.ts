import { createHmac, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChatTokenError, createChatTokenVerifier } from '#shared/chat/chat-token.ts';
import { parseClientFrame } from '#shared/chat/client-frame.ts';
import { createFirestoreChatModeration } from '#shared/chat/firestore-moderation.ts';
import { toFirestoreFields, toFirestoreValue } from '#shared/chat/firestore-value.ts';
import { jwtBearerAssertion } from '#shared/chat/google-access-token.ts';
import {
  characterCount,
  checkMessageText,
  FINAL_CLOSE_REASONS,
  HISTORY_LENGTH,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_LENGTH,
  RATE_LIMIT_MESSAGES,
  RATE_LIMIT_WINDOW_MS,
} from '#shared/chat/protocol.ts';
import { createSlidingWindowLimiter } from '#shared/chat/rate-limit.ts';
import { createCustomToken, FIREBASE_CUSTOM_TOKEN_AUDIENCE } from '#shared/shows/firebase-token.ts';

const EMAIL = 'chat@forgecast-test.iam.gserviceaccount.com';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const account = { clientEmail: EMAIL, privateKey };
const verifier = createChatTokenVerifier({ clientEmail: EMAIL, key: privateKey });
const SHOW = '01JF8ZQ5V7W0000000000000SH';
const NOW = new Date('2026-12-07T15:00:00Z');

const token = (claims: Record<string, unknown>, options: { uid?: string; ttl?: number; now?: Date } = {}) =>
  createCustomToken(account, {
    uid: options.uid ?? 'u_ada',
    claims,
    ttlSeconds: options.ttl ?? 600,
    now: options.now ?? NOW,
  }).token;

/** A JWT with any header and payload, signed with `key` (for tokens show-access would never make). */
function handMade(header: object, payload: object, key = privateKey): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}

const refusal = (run: () => unknown): ChatTokenError => {
  try {
    run();
  } catch (error) {
    if (error instanceof ChatTokenError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('Module: shared/chat/chat-token', () => {
  describe('Method: verify', () => {
    it('reads uid, show, ticket, role and name from a token show-access signs', () => {
      const identity = verifier.verify(
        token({ showId: SHOW, ticketId: 'T1', role: 'viewer', name: '  Ada Lovelace ' }),
        NOW,
      );
      expect(identity).toEqual({
        uid: 'u_ada',
        showId: SHOW,
        ticketId: 'T1',
        role: 'viewer',
        name: 'Ada Lovelace',
        exp: NOW.getTime() / 1000 + 600,
      });
    });

    it('admits a moderator without a ticket, and a pre-role token naming a ticket as a viewer', () => {
      expect(
        verifier.verify(token({ showId: SHOW, ticketId: null, role: 'moderator', name: 'Studio' }), NOW),
      ).toMatchObject({
        role: 'moderator',
        ticketId: null,
      });
      expect(verifier.verify(token({ showId: SHOW, ticketId: 'T2' }), NOW)).toMatchObject({
        role: 'viewer',
        name: 'u_ada',
      });
    });

    it('refuses a viewer token without a ticket, a token without a show, and an unknown role', () => {
      expect(
        refusal(() => verifier.verify(token({ showId: SHOW, ticketId: null, role: 'viewer' }), NOW)).kind,
      ).toBe('invalid');
      expect(refusal(() => verifier.verify(token({ ticketId: 'T', role: 'viewer' }), NOW)).message).toMatch(
        /showId/,
      );
      expect(
        refusal(() => verifier.verify(token({ showId: SHOW, ticketId: 'T', role: 'admin' }), NOW)).message,
      ).toMatch(/role/);
    });

    it('tells an expired token (fetch a new one) from a bad one', () => {
      const old = token(
        { showId: SHOW, ticketId: 'T', role: 'viewer' },
        { ttl: 60, now: new Date(NOW.getTime() - 61_000) },
      );
      expect(refusal(() => verifier.verify(old, NOW))).toMatchObject({ kind: 'expired' });
    });

    it('refuses another key’s signature, a changed payload, alg none, and HS256 with the public key', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const forged = createCustomToken(
        { clientEmail: EMAIL, privateKey: other },
        { uid: 'u_x', claims: { showId: SHOW, ticketId: 'T', role: 'viewer' }, ttlSeconds: 600, now: NOW },
      ).token;
      expect(refusal(() => verifier.verify(forged, NOW)).message).toBe('bad signature');
      const good = token({ showId: SHOW, ticketId: 'T', role: 'viewer' });
      const [h, , s] = good.split('.');
      const tampered = `${h}.${Buffer.from(JSON.stringify({ showId: 'other' })).toString('base64url')}.${s}`;
      expect(refusal(() => verifier.verify(tampered, NOW)).kind).toBe('invalid');
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${good.split('.')[1]}.`;
      expect(refusal(() => verifier.verify(none, NOW)).message).toMatch(/RS256/);
      const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' });
      const hsInput = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${good.split('.')[1]}`;
      const hs256 = `${hsInput}.${createHmac('sha256', publicPem).update(hsInput).digest('base64url')}`;
      expect(refusal(() => verifier.verify(hs256, NOW)).message).toMatch(/RS256/);
      expect(refusal(() => verifier.verify('a.b', NOW)).message).toMatch(/JWT/);
    });

    it('holds aud, iss, sub, iat and the one-hour lifetime to Firebase’s rules', () => {
      const iat = NOW.getTime() / 1000;
      const base = {
        iss: EMAIL,
        sub: EMAIL,
        aud: FIREBASE_CUSTOM_TOKEN_AUDIENCE,
        iat,
        exp: iat + 600,
        uid: 'u_ada',
        claims: { showId: SHOW, ticketId: 'T', role: 'viewer' },
      };
      const header = { alg: 'RS256', typ: 'JWT' };
      expect(verifier.verify(handMade(header, base), NOW).uid).toBe('u_ada');
      expect(
        refusal(() => verifier.verify(handMade(header, { ...base, aud: 'https://elsewhere' }), NOW)).message,
      ).toMatch(/audience/);
      expect(
        refusal(() => verifier.verify(handMade(header, { ...base, iss: 'x@y.z' }), NOW)).message,
      ).toMatch(/issuer/);
      expect(
        refusal(() => verifier.verify(handMade(header, { ...base, iat: iat + 600, exp: iat + 900 }), NOW))
          .message,
      ).toMatch(/future/);
      expect(
        refusal(() => verifier.verify(handMade(header, { ...base, exp: iat + 7200 }), NOW)).message,
      ).toMatch(/lifetime/);
      expect(refusal(() => verifier.verify(handMade(header, { ...base, uid: '' }), NOW)).message).toMatch(
        /uid/,
      );
    });

    it('cuts a long display name to 60 characters', () => {
      const identity = verifier.verify(
        token({ showId: SHOW, ticketId: 'T', role: 'viewer', name: 'n'.repeat(200) }),
        NOW,
      );
      expect(identity.name).toHaveLength(60);
    });
  });
});

describe('Module: shared/chat/protocol', () => {
  describe('Method: checkMessageText', () => {
    it('trims, counts code points (not UTF-16 units) and keeps markup as plain text', () => {
      expect(checkMessageText('  hi  ')).toEqual({ ok: true, text: 'hi' });
      expect(checkMessageText('😀'.repeat(MAX_MESSAGE_LENGTH))).toMatchObject({ ok: true });
      expect(checkMessageText('😀'.repeat(MAX_MESSAGE_LENGTH + 1))).toMatchObject({
        ok: false,
        code: 'text-too-long',
      });
      expect(checkMessageText('<b>bold</b>')).toEqual({ ok: true, text: '<b>bold</b>' });
    });

    it('refuses empty text, control characters and bidi overrides', () => {
      expect(checkMessageText(' \n ')).toMatchObject({ ok: false, code: 'text-empty' });
      expect(checkMessageText('a\u0000b')).toMatchObject({ ok: false, code: 'text-invalid' });
      expect(checkMessageText('evil\u202Etxt.exe')).toMatchObject({ ok: false, code: 'text-invalid' });
      expect(checkMessageText('two\nlines')).toMatchObject({ ok: true });
    });

    it('fits the longest message in one frame: 500 four-byte characters plus JSON', () => {
      const frame = JSON.stringify({
        type: 'send',
        text: '😀'.repeat(MAX_MESSAGE_LENGTH),
        ref: 'x'.repeat(64),
      });
      expect(Buffer.byteLength(frame)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    });
  });

  describe('Method: parseClientFrame', () => {
    it('reads known frames and refuses the rest', () => {
      expect(parseClientFrame('{"type":"send","text":"hi","ref":"1"}')).toEqual({
        type: 'send',
        text: 'hi',
        ref: '1',
      });
      expect(parseClientFrame('{"type":"mute","uid":"u_x","minutes":10}')).toMatchObject({ type: 'mute' });
      expect(parseClientFrame('{"type":"mute","uid":"u_x","minutes":100000}')).toBeUndefined();
      expect(parseClientFrame('{"type":"shout"}')).toBeUndefined();
      expect(parseClientFrame('not json')).toBeUndefined();
      expect(parseClientFrame('[]')).toBeUndefined();
    });
  });

  it('holds the limits and the close reasons after which a client stops', () => {
    expect(MAX_MESSAGE_LENGTH).toBe(500);
    expect(HISTORY_LENGTH).toBe(50);
    expect(FINAL_CLOSE_REASONS).toEqual(['token-invalid', 'wrong-show', 'revoked', 'protocol-error']);
    expect(characterCount('a😀b')).toBe(3);
    expect(RATE_LIMIT_MESSAGES).toBe(5);
    expect(RATE_LIMIT_WINDOW_MS).toBe(10_000);
  });
});

describe('Module: shared/chat/rate-limit', () => {
  it('allows `limit` events in any window and says when the next one may come', () => {
    const limiter = createSlidingWindowLimiter({ limit: 2, windowMs: 1000 });
    expect(limiter.take('a', 0)).toEqual({ allowed: true });
    expect(limiter.take('a', 100)).toEqual({ allowed: true });
    expect(limiter.take('a', 200)).toEqual({ allowed: false, retryAfterMs: 800 });
    expect(limiter.take('b', 200)).toEqual({ allowed: true });
    expect(limiter.take('a', 1000)).toEqual({ allowed: true });
    expect(limiter.take('a', 1050)).toEqual({ allowed: false, retryAfterMs: 50 });
  });

  it('forgets quiet keys, so memory follows the active people', () => {
    const limiter = createSlidingWindowLimiter({ limit: 5, windowMs: 1000 });
    for (let i = 0; i < 100; i += 1) limiter.take(`k${i}`, 0);
    expect(limiter.size).toBe(100);
    limiter.take('late', 5000);
    expect(limiter.size).toBe(1);
  });
});

describe('Module: shared/chat/firestore-value', () => {
  it('encodes values as Firestore’s REST API types them', () => {
    expect(
      toFirestoreFields({
        text: 'hi',
        count: 3,
        ratio: 0.5,
        big: 2 ** 60,
        on: true,
        none: null,
        at: new Date('2026-12-07T15:00:00.000Z'),
        list: ['a', 1],
        nested: { uid: 'u_x' },
      }),
    ).toEqual({
      text: { stringValue: 'hi' },
      count: { integerValue: '3' },
      ratio: { doubleValue: 0.5 },
      big: { doubleValue: 2 ** 60 },
      on: { booleanValue: true },
      none: { nullValue: null },
      at: { timestampValue: '2026-12-07T15:00:00.000Z' },
      list: { arrayValue: { values: [{ stringValue: 'a' }, { integerValue: '1' }] } },
      nested: { mapValue: { fields: { uid: { stringValue: 'u_x' } } } },
    });
    expect(() => toFirestoreValue(Number.NaN)).toThrow(RangeError);
  });
});

describe('Module: shared/chat/google-access-token', () => {
  it('signs the JWT-bearer assertion Google documents (iss, scope, aud, iat, exp ≤ 1 h)', () => {
    const assertion = jwtBearerAssertion(account, 'https://www.googleapis.com/auth/datastore', NOW.getTime());
    const [header, payload] = assertion
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toEqual({
      iss: EMAIL,
      scope: 'https://www.googleapis.com/auth/datastore',
      aud: 'https://oauth2.googleapis.com/token',
      iat: NOW.getTime() / 1000,
      exp: NOW.getTime() / 1000 + 3600,
    });
  });

  it('refuses a project id that is not one', () => {
    expect(() => createFirestoreChatModeration({ projectId: '../etc', account })).toThrow(RangeError);
  });
});
