import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { FIREBASE_CUSTOM_TOKEN_AUDIENCE, MAX_CUSTOM_TOKEN_SECONDS } from '../shows/firebase-token.ts';
import { type ChatIdentity, MAX_NAME_LENGTH } from './protocol.ts';

/**
 * Verifies a chat token: the Firebase custom token `show-access` signs (RS256 with the service
 * account's key; shared/shows/firebase-token.ts). Firebase itself trades it for an ID token at
 * sign-in; the local chat server, which has no Firebase, reads it directly with the service
 * account's public key and holds it to the same rules: the signature, `alg` RS256, `aud` the
 * Identity Toolkit audience, `iss` and `sub` the service account's email, `iat` not in the future,
 * `exp` not past and at most an hour after `iat`, a uid, and the chat claims
 * `{showId, ticketId, role, name}`.
 */
export class ChatTokenError extends Error {
  /** `expired`: a fresh token fixes it; `invalid`: it was never good. */
  readonly kind: 'expired' | 'invalid';
  constructor(kind: 'expired' | 'invalid', message: string) {
    super(message);
    this.name = 'ChatTokenError';
    this.kind = kind;
  }
}

export interface ChatTokenVerifier {
  verify(token: string, now?: Date): ChatIdentity;
}

/** Clock differences between the signer and the verifier that are forgiven. */
const CLOCK_SKEW_SECONDS = 60;

export function createChatTokenVerifier(account: {
  readonly clientEmail: string;
  /** The service account's private key (its public half is derived) or the public key itself. */
  readonly key: KeyObject;
}): ChatTokenVerifier {
  const publicKey = account.key.type === 'private' ? createPublicKey(account.key) : account.key;
  const invalid = (message: string) => new ChatTokenError('invalid', message);
  return {
    verify(token, now = new Date()) {
      if (typeof token !== 'string' || token.length > 8192) throw invalid('not a token');
      const parts = token.split('.');
      if (parts.length !== 3) throw invalid('not a JWT');
      const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
      const header = decodeSegment(headerPart);
      if (header?.alg !== 'RS256') throw invalid('not an RS256 token');
      const signature = Buffer.from(signaturePart, 'base64url');
      const good = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), publicKey, signature);
      if (!good) throw invalid('bad signature');
      const payload = decodeSegment(payloadPart);
      if (!payload) throw invalid('unreadable claims');
      if (payload.aud !== FIREBASE_CUSTOM_TOKEN_AUDIENCE) throw invalid('wrong audience');
      if (payload.iss !== account.clientEmail || payload.sub !== account.clientEmail) {
        throw invalid('wrong issuer');
      }
      const iat = payload.iat;
      const exp = payload.exp;
      if (typeof iat !== 'number' || typeof exp !== 'number') throw invalid('no iat or exp');
      const nowSeconds = Math.floor(now.getTime() / 1000);
      if (iat > nowSeconds + CLOCK_SKEW_SECONDS) throw invalid('issued in the future');
      if (exp - iat > MAX_CUSTOM_TOKEN_SECONDS || exp <= iat) throw invalid('lifetime out of range');
      if (exp <= nowSeconds) throw new ChatTokenError('expired', 'the token has expired');
      const uid = payload.uid;
      if (typeof uid !== 'string' || uid.length < 1 || uid.length > 128) throw invalid('no uid');
      const claims = payload.claims;
      if (typeof claims !== 'object' || claims === null) throw invalid('no chat claims');
      const { showId, ticketId, name } = claims as Record<string, unknown>;
      // Tokens signed before roles existed name a ticket and nothing else: a viewer's.
      const role =
        (claims as Record<string, unknown>).role ?? (typeof ticketId === 'string' ? 'viewer' : undefined);
      if (typeof showId !== 'string' || showId.length === 0) throw invalid('no showId claim');
      if (role !== 'viewer' && role !== 'moderator') throw invalid('no role claim');
      if (role === 'viewer' && (typeof ticketId !== 'string' || ticketId.length === 0)) {
        throw invalid('a viewer token names its ticket');
      }
      if (ticketId !== null && ticketId !== undefined && typeof ticketId !== 'string') {
        throw invalid('ticketId is not a string');
      }
      const shownName = typeof name === 'string' && name.trim() !== '' ? name.trim() : uid;
      return {
        uid,
        showId,
        ticketId: typeof ticketId === 'string' ? ticketId : null,
        role,
        name: [...shownName].slice(0, MAX_NAME_LENGTH).join(''),
        exp,
      };
    },
  };
}

function decodeSegment(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
