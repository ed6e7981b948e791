import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { z } from 'zod';

/**
 * Firebase Authentication custom tokens, minted locally (no network, no firebase-admin): a JWT
 * signed RS256 with a service account's private key, which a client exchanges through
 * signInWithCustomToken. The claims are the ones Firebase documents for tokens made with a
 * third-party JWT library:
 *   iss, sub  the service account's email
 *   aud       the Identity Toolkit audience below
 *   iat, exp  seconds since the epoch; exp at most one hour after iat
 *   uid       the user id, 1–128 characters
 *   claims    optional developer claims, exposed to Security Rules as auth.token.<name>
 */
export const FIREBASE_CUSTOM_TOKEN_AUDIENCE =
  'https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit';
export const MAX_CUSTOM_TOKEN_SECONDS = 3600;
const MAX_UID_LENGTH = 128;

/** Names Firebase keeps for itself (OIDC and its own): a developer claim may not use them. */
const RESERVED_CLAIMS = new Set([
  'acr',
  'amr',
  'at_hash',
  'aud',
  'auth_time',
  'azp',
  'cnf',
  'c_hash',
  'exp',
  'firebase',
  'iat',
  'iss',
  'jti',
  'nbf',
  'nonce',
  'sub',
]);

export interface FirebaseServiceAccount {
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
}

export interface CustomTokenRequest {
  readonly uid: string;
  readonly claims?: Readonly<Record<string, unknown>>;
  /** 1..3600; Firebase refuses custom tokens that live longer than an hour. */
  readonly ttlSeconds: number;
  readonly now?: Date;
}

export interface CustomToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export class FirebaseServiceAccountError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FirebaseServiceAccountError';
  }
}

const serviceAccountJson = z.object({
  client_email: z.email(),
  private_key: z.string().min(1),
});

/**
 * Reads a service-account key file's JSON (as downloaded from the Google Cloud console). Only
 * client_email and private_key are used; messages never quote the key.
 */
export function parseServiceAccount(json: string): FirebaseServiceAccount {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new FirebaseServiceAccountError('the service account is not JSON');
  }
  const result = serviceAccountJson.safeParse(parsed);
  if (!result.success) {
    const fields = [...new Set(result.error.issues.map((issue) => String(issue.path[0] ?? '?')))];
    throw new FirebaseServiceAccountError(`the service account lacks a valid ${fields.join(', ')}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: result.data.private_key, format: 'pem' });
  } catch {
    throw new FirebaseServiceAccountError('private_key is not a PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new FirebaseServiceAccountError('private_key is not an RSA key (RS256 needs one)');
  }
  return { clientEmail: result.data.client_email, privateKey };
}

export function createCustomToken(account: FirebaseServiceAccount, request: CustomTokenRequest): CustomToken {
  if (request.uid.length < 1 || request.uid.length > MAX_UID_LENGTH) {
    throw new RangeError(`uid must be 1–${MAX_UID_LENGTH} characters`);
  }
  if (
    !Number.isInteger(request.ttlSeconds) ||
    request.ttlSeconds < 1 ||
    request.ttlSeconds > MAX_CUSTOM_TOKEN_SECONDS
  ) {
    throw new RangeError(`ttlSeconds must be 1–${MAX_CUSTOM_TOKEN_SECONDS}`);
  }
  const reserved = Object.keys(request.claims ?? {}).filter((name) => RESERVED_CLAIMS.has(name));
  if (reserved.length > 0) throw new RangeError(`reserved claim names: ${reserved.join(', ')}`);

  const iat = Math.floor((request.now ?? new Date()).getTime() / 1000);
  const exp = iat + request.ttlSeconds;
  const header = { alg: 'RS256', typ: 'JWT' };
  const payload = {
    iss: account.clientEmail,
    sub: account.clientEmail,
    aud: FIREBASE_CUSTOM_TOKEN_AUDIENCE,
    iat,
    exp,
    uid: request.uid,
    ...(request.claims && Object.keys(request.claims).length > 0 ? { claims: request.claims } : {}),
  };
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), account.privateKey);
  return { token: `${signingInput}.${signature.toString('base64url')}`, expiresAt: new Date(exp * 1000) };
}

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** `FIREBASE_SERVICE_ACCOUNT_JSON`: the key file's JSON; compose into a function's readConfig shape. */
export const firebaseConfig = {
  FIREBASE_SERVICE_ACCOUNT_JSON: z.string().transform((json, context) => {
    try {
      return parseServiceAccount(json);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  }),
};
