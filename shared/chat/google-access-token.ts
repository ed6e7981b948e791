import { sign } from 'node:crypto';
import type { FirebaseServiceAccount } from '../shows/firebase-token.ts';
import { ChatModerationError } from './moderation.ts';

/**
 * An OAuth 2.0 access token for a Google service account, by the JWT-bearer grant Google documents
 * for server-to-server calls ("Using OAuth 2.0 for Server to Server Applications", HTTP/REST;
 * RFC 7523): a JWT signed RS256 with the account's key,
 *   header {"alg":"RS256","typ":"JWT"}
 *   claims {iss: client_email, scope, aud: "https://oauth2.googleapis.com/token", iat, exp ≤ iat+3600}
 * POSTed form-encoded to the token endpoint as
 *   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<jwt>
 * which answers {"access_token", "expires_in", "token_type":"Bearer"}. Tokens are kept until a
 * minute before they expire; concurrent callers share one exchange.
 */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const DATASTORE_SCOPE = 'https://www.googleapis.com/auth/datastore';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ASSERTION_SECONDS = 3600;
const REFRESH_EARLY_MS = 60_000;

export interface GoogleAccessTokenSource {
  token(): Promise<string>;
}

export interface GoogleAccessTokenOptions {
  readonly account: FirebaseServiceAccount;
  readonly scope: string;
  /** Where to exchange (a stand-in in tests); the assertion's audience stays GOOGLE_TOKEN_URL. */
  readonly tokenUrl?: string;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** The signed assertion; exported for the wire-format test. */
export function jwtBearerAssertion(account: FirebaseServiceAccount, scope: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
    iss: account.clientEmail,
    scope,
    aud: GOOGLE_TOKEN_URL,
    iat,
    exp: iat + ASSERTION_SECONDS,
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), account.privateKey).toString('base64url')}`;
}

export function createGoogleAccessTokenSource(options: GoogleAccessTokenOptions): GoogleAccessTokenSource {
  const now = options.now ?? Date.now;
  const tokenUrl = options.tokenUrl ?? GOOGLE_TOKEN_URL;
  const timeoutMs = options.timeoutMs ?? 10_000;
  let cached: { readonly token: string; readonly refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;

  const exchange = async (): Promise<string> => {
    const body = new URLSearchParams({
      grant_type: JWT_BEARER_GRANT,
      assertion: jwtBearerAssertion(options.account, options.scope, now()),
    });
    let response: Response;
    let text: string;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (cause) {
      throw new ChatModerationError('Google’s token endpoint got no answer', { retryable: true, cause });
    }
    if (!response.ok) {
      // 400 invalid_grant: a revoked key or a clock far off; never quote the answer (it may echo input).
      const retryable = response.status === 429 || response.status >= 500;
      throw new ChatModerationError(
        `Google refused the service account’s token exchange (HTTP ${response.status})`,
        {
          httpStatus: response.status,
          retryable,
        },
      );
    }
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      throw new ChatModerationError('Google’s token endpoint answered without JSON', { retryable: true });
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new ChatModerationError('Google’s token endpoint answered without an access token', {
        retryable: true,
      });
    }
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
    cached = { token: answer.access_token, refreshAt: now() + seconds * 1000 - REFRESH_EARLY_MS };
    return answer.access_token;
  };

  return {
    async token() {
      if (cached && now() < cached.refreshAt) return cached.token;
      pending ??= exchange().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
