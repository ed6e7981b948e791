import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatModerationConfig, chatModerationFromConfig } from '#shared/chat/chat-from-config.ts';
import { createFirestoreChatModeration } from '#shared/chat/firestore-moderation.ts';
import { ChatModerationError } from '#shared/chat/moderation.ts';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { testServiceAccount } from '#test/support/chat-helpers.ts';
import { type FakeFirebase, startFakeFirebase } from '#test/support/fake-firebase.ts';

const PROJECT = 'forgecast-test';
const DOCS = `/v1/projects/${PROJECT}/databases/(default)/documents`;

/**
 * Google's two endpoints as they document them, standing in on loopback (the Firebase stand-in,
 * test/support/fake-firebase.ts, which the browser's Firestore transport is tested against too):
 * the OAuth token endpoint (JWT-bearer grant: form-encoded `grant_type` + `assertion`, the
 * assertion an RS256 JWT from the service account, scope datastore) and Firestore's REST API v1
 * (documents by full path, `fields` in typed values, `:commit` with `writes`). The stand-in checks
 * the wire format and records every request.
 */
describe('Chat port on Firestore (REST, against a stand-in that checks the wire format)', () => {
  const account = testServiceAccount();
  let fake: FakeFirebase;
  let base = '';
  let mark = 0;
  /** The requests of this test. */
  const seen = () => fake.requests.slice(mark);

  beforeAll(async () => {
    fake = await startFakeFirebase({ account, projectId: PROJECT });
    base = fake.url;
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    mark = fake.requests.length;
  });

  const port = () =>
    createFirestoreChatModeration({ projectId: PROJECT, account, apiBase: base, tokenUrl: `${base}/token` });

  it('exchanges a signed JWT for an access token once, then writes the documents the rules read', async () => {
    // Prepare
    const chat = port();
    const showId = newId();
    const tickets = [newId(), newId()];
    const until = new Date('2026-12-07T16:00:00.000Z');

    // Act
    await chat.revokeTickets(tickets);
    await chat.muteUser(showId, 'u_loud', until);
    await chat.removeMessage(showId, 'MSG1');

    // Assess
    expect(seen().map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /token',
      `POST ${DOCS}:commit`,
      `PATCH ${DOCS}/shows/${showId}/mutes/u_loud`,
      `DELETE ${DOCS}/shows/${showId}/messages/MSG1`,
    ]);
    const commit = JSON.parse(seen()[1]?.body ?? '{}') as {
      writes: { update: { name: string; fields: Record<string, unknown> } }[];
    };
    expect(seen()[1]?.headers['content-type']).toBe('application/json');
    expect(commit.writes.map((write) => write.update.name)).toEqual(
      tickets.map((id) => `projects/${PROJECT}/databases/(default)/documents/revokedTickets/${id}`),
    );
    expect(commit.writes[0]?.update.fields).toEqual({
      ticketId: { stringValue: tickets[0] },
      revokedAt: { timestampValue: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    });
    expect(JSON.parse(seen()[2]?.body ?? '{}')).toEqual({
      fields: { uid: { stringValue: 'u_loud' }, until: { timestampValue: '2026-12-07T16:00:00.000Z' } },
    });
    expect(seen()[3]?.body).toBe('');
  });

  it('commits at most 500 writes at a time (Firestore’s limit)', async () => {
    await port().revokeTickets(Array.from({ length: 501 }, () => newId()));
    const commits = seen().filter((request) => request.path.endsWith(':commit'));
    expect(
      commits.map((request) => (JSON.parse(request.body) as { writes: unknown[] }).writes.length),
    ).toEqual([500, 1]);
  });

  it('says whether a failure is worth retrying: 503 yes, 403 no; a refused token exchange names no secret', async () => {
    const chat = port();
    fake.fail(/^DELETE \/v1\//, 503);
    await expect(chat.removeMessage(newId(), 'M')).rejects.toMatchObject({
      httpStatus: 503,
      retryable: true,
    });
    fake.fail(/^DELETE \/v1\//, 403);
    await expect(chat.removeMessage(newId(), 'M')).rejects.toMatchObject({
      httpStatus: 403,
      retryable: false,
    });

    fake.fail(/^POST \/token$/, 400);
    const fresh = port();
    const error = await fresh.revokeTickets([newId()]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChatModerationError);
    expect((error as ChatModerationError).message).toMatch(
      /Google refused the service account’s token exchange \(HTTP 400\)/,
    );
    expect((error as ChatModerationError).message).not.toContain('PRIVATE KEY');
    await expect(fresh.revokeTickets(['not-a-ulid'])).rejects.toThrow(RangeError);
  });

  it('is chosen by CHAT_BACKEND=firestore, and a missing project or key is a ConfigError naming it', async () => {
    const json = JSON.stringify({
      client_email: account.clientEmail,
      private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    const chat = chatModerationFromConfig(
      readConfig(chatModerationConfig, {
        CHAT_BACKEND: 'firestore',
        FIREBASE_PROJECT_ID: PROJECT,
        FIREBASE_SERVICE_ACCOUNT_JSON: json,
        FIRESTORE_API_BASE: base,
        GOOGLE_TOKEN_URL: `${base}/token`,
      }),
    );
    await chat.revokeTickets([newId()]);
    expect(seen().at(-1)?.path).toBe(`${DOCS}:commit`);

    let thrown: unknown;
    try {
      chatModerationFromConfig(readConfig(chatModerationConfig, { CHAT_BACKEND: 'firestore' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variables).toEqual(['FIREBASE_SERVICE_ACCOUNT_JSON']);
    // Without FIREBASE_PROJECT_ID the service account's own project (as show-access does).
    const own = chatModerationFromConfig(
      readConfig(chatModerationConfig, {
        CHAT_BACKEND: 'firestore',
        FIREBASE_SERVICE_ACCOUNT_JSON: json,
        FIRESTORE_API_BASE: base,
        GOOGLE_TOKEN_URL: `${base}/token`,
      }),
    );
    await own.revokeTickets([newId()]);
    expect(seen().at(-1)?.path).toBe('/v1/projects/forgecast-test/databases/(default)/documents:commit');
    const elsewhere = JSON.stringify({
      client_email: 'chat@example.com',
      private_key: account.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    expect(() =>
      chatModerationFromConfig(
        readConfig(chatModerationConfig, {
          CHAT_BACKEND: 'firestore',
          FIREBASE_SERVICE_ACCOUNT_JSON: elsewhere,
        }),
      ),
    ).toThrow(/FIREBASE_PROJECT_ID is required/);
    expect(() =>
      chatModerationFromConfig(readConfig(chatModerationConfig, { CHAT_BACKEND: 'local' })),
    ).toThrow(/CHAT_ADMIN_URL is required when CHAT_BACKEND=local/);
  });
});
