import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import {
  createCustomToken,
  FIREBASE_CUSTOM_TOKEN_AUDIENCE,
  FirebaseServiceAccountError,
  firebaseConfig,
  parseServiceAccount,
} from '#shared/shows/firebase-token.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const CLIENT_EMAIL = 'chat-minter@forgecast-test.iam.gserviceaccount.com';
/** Shaped like a key file from the Google Cloud console (extra members included). */
const KEY_FILE = JSON.stringify({
  type: 'service_account',
  project_id: 'forgecast-test',
  private_key_id: 'a1b2c3',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  client_email: CLIENT_EMAIL,
  client_id: '1234567890',
});
const NOW = new Date('2030-06-01T12:00:00.750Z');

function decode(token: string) {
  const [header, payload, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header as string, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<string, unknown>,
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature as string, 'base64url'),
  };
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Firebase custom tokens', () => {
  it('signs RS256 with the service account key: the public key verifies it', () => {
    // Prepare
    const account = parseServiceAccount(KEY_FILE);

    // Act
    const { token } = createCustomToken(account, { uid: 'viewer-1', ttlSeconds: 3600, now: NOW });

    // Assess
    const { header, signingInput, signature } = decode(token);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(verify('RSA-SHA256', Buffer.from(signingInput), publicKey, signature)).toBe(true);
    expect(verify('RSA-SHA256', Buffer.from(`${signingInput}x`), publicKey, signature)).toBe(false);
  });

  it('carries exactly the documented claims, the developer claims under `claims`', () => {
    // Prepare
    const account = parseServiceAccount(KEY_FILE);

    // Act
    const minted = createCustomToken(account, {
      uid: 'viewer-1',
      claims: { showId: 'S1', ticketId: 'T1' },
      ttlSeconds: 900,
      now: NOW,
    });

    // Assess
    const iat = Math.floor(NOW.getTime() / 1000);
    expect(decode(minted.token).payload).toEqual({
      iss: CLIENT_EMAIL,
      sub: CLIENT_EMAIL,
      aud: FIREBASE_CUSTOM_TOKEN_AUDIENCE,
      iat,
      exp: iat + 900,
      uid: 'viewer-1',
      claims: { showId: 'S1', ticketId: 'T1' },
    });
    expect(FIREBASE_CUSTOM_TOKEN_AUDIENCE).toBe(
      'https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit',
    );
    expect(minted.expiresAt).toEqual(new Date((iat + 900) * 1000));
  });

  it('leaves `claims` out when there are none', () => {
    const { token } = createCustomToken(parseServiceAccount(KEY_FILE), { uid: 'u', ttlSeconds: 60 });
    expect(Object.keys(decode(token).payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'sub', 'uid']);
  });

  it('refuses what Firebase would refuse: over an hour, a uid outside 1–128, a reserved claim', () => {
    const account = parseServiceAccount(KEY_FILE);
    expect(thrown(() => createCustomToken(account, { uid: 'u', ttlSeconds: 3601 }))).toBeInstanceOf(
      RangeError,
    );
    expect(thrown(() => createCustomToken(account, { uid: 'u', ttlSeconds: 0 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => createCustomToken(account, { uid: '', ttlSeconds: 60 }))).toBeInstanceOf(RangeError);
    expect(thrown(() => createCustomToken(account, { uid: 'u'.repeat(129), ttlSeconds: 60 }))).toBeInstanceOf(
      RangeError,
    );
    expect(
      thrown(() => createCustomToken(account, { uid: 'u', claims: { firebase: {} }, ttlSeconds: 60 })),
    ).toBeInstanceOf(RangeError);
    expect(createCustomToken(account, { uid: 'u'.repeat(128), ttlSeconds: 3600 }).token).toMatch(
      /^[\w-]+\.[\w-]+\.[\w-]+$/,
    );
  });

  it('refuses a key file that is not JSON, lacks a field, or holds a non-RSA key', () => {
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    for (const json of [
      'not json',
      JSON.stringify({ private_key: 'x' }),
      JSON.stringify({ client_email: CLIENT_EMAIL, private_key: 'not a pem' }),
      JSON.stringify({ client_email: CLIENT_EMAIL, private_key: ecKey }),
    ]) {
      expect(thrown(() => parseServiceAccount(json))).toBeInstanceOf(FirebaseServiceAccountError);
    }
  });

  it('reads FIREBASE_SERVICE_ACCOUNT_JSON from config and never echoes the key', () => {
    expect(
      readConfig(firebaseConfig, { FIREBASE_SERVICE_ACCOUNT_JSON: KEY_FILE }).FIREBASE_SERVICE_ACCOUNT_JSON
        .clientEmail,
    ).toBe(CLIENT_EMAIL);

    const secretText = '-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----';
    const error = thrown(() =>
      readConfig(firebaseConfig, {
        FIREBASE_SERVICE_ACCOUNT_JSON: JSON.stringify({
          client_email: CLIENT_EMAIL,
          private_key: secretText,
        }),
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variables).toEqual(['FIREBASE_SERVICE_ACCOUNT_JSON']);
    expect((error as Error).message).not.toContain('TOPSECRET');
  });
});
