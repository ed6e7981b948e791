import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirestoreChatModeration } from '#shared/chat/firestore-moderation.ts';
import type { ChatTokenAnswer } from '#shared/chat/protocol.ts';
import { newId } from '#shared/ids.ts';
import { chatToken, testServiceAccount } from '#test/support/chat-helpers.ts';
import { type FakeFirebase, startFakeFirebase } from '#test/support/fake-firebase.ts';
import {
  type ChatClient,
  type ChatSnapshot,
  ChatTokenRefused,
  createChatClient,
} from '../../../../web/src/shows/chat/chat-client.ts';
import { openFirestoreChat, type Visibility } from '../../../../web/src/shows/chat/firestore-transport.ts';

const PROJECT = 'forgecast-test';
const DOCS = `/v1/projects/${PROJECT}/databases/(default)/documents`;
const POLL = { fastMs: 100, slowMs: 250, checkMs: 400, muteMs: 500, hiddenMs: 2000 };

interface Person {
  readonly uid: string;
  readonly name: string;
  readonly role: 'viewer' | 'moderator';
  readonly ticketId: string | null;
}

/**
 * The browser's Firestore chat transport (web/src/shows/chat/firestore-transport.ts) behind the
 * real chat client, in Node, against the Firebase stand-in (test/support/fake-firebase.ts): sign-in
 * with show-access's custom token at Identity Toolkit, the newest 50 by runQuery, polls, commits
 * of a message with its poster document (REQUEST_TIME), moderation, and the security rules of
 * infra/firebase/firestore.rules deciding every request.
 */
describe('Chat on Firestore from the browser’s transport (REST, against the Firebase stand-in)', () => {
  const account = testServiceAccount();
  let fake: FakeFirebase;
  const clients: ChatClient[] = [];

  beforeAll(async () => {
    fake = await startFakeFirebase({ account, projectId: PROJECT });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await fake?.close();
  });

  function join(
    showId: string,
    person: Person | null,
    options: { ttlSeconds?: number; visibility?: Visibility } = {},
  ) {
    const snapshots: ChatSnapshot[] = [];
    let tokens = 0;
    const client = createChatClient({
      showId,
      fetchToken: async (): Promise<ChatTokenAnswer> => {
        tokens += 1;
        if (!person) throw new ChatTokenRefused(403);
        return {
          token: chatToken(
            account,
            { showId, ticketId: person.ticketId, role: person.role, name: person.name, uid: person.uid },
            options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {},
          ),
          uid: person.uid,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
          role: person.role,
          chat: { transport: 'firestore', projectId: PROJECT, apiKey: fake.apiKey },
        };
      },
      connect: () => {
        throw new Error('a Firestore answer opens no WebSocket');
      },
      connectFirestore: async (chat) =>
        openFirestoreChat({
          showId,
          ...chat,
          endpoints: { identityToolkit: fake.url, secureToken: fake.url, firestore: fake.url },
          poll: POLL,
          ...(options.visibility ? { visibility: options.visibility } : {}),
        }),
      onChange: (snapshot) => snapshots.push(snapshot),
      backoff: { firstMs: 50, maxMs: 200 },
    });
    clients.push(client);
    return { client, snapshots, tokenCalls: () => tokens };
  }

  const until = async <T>(
    what: () => T | undefined | null | false,
    label: string,
    timeoutMs = 10_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = what();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const live = (client: ChatClient) => until(() => client.snapshot().status === 'live', 'live');
  const viewer = (name: string): Person => ({
    uid: `u_${newId()}`,
    name,
    role: 'viewer',
    ticketId: newId(),
  });
  const host: Person = { uid: 'o_studio', name: 'Studio Aurora', role: 'moderator', ticketId: null };

  it('signs in with the custom token, posts a message with its poster document, and a second viewer reads it', async () => {
    // Prepare
    const showId = newId();
    const ada = viewer('Ada Lovelace ✨');
    const bruno = viewer('Bruno');
    const first = join(showId, ada);
    const second = join(showId, bruno);
    await live(first.client);
    await live(second.client);
    const from = fake.requests.length;

    // Act
    const ref = first.client.send('  <b>ciao</b> a tutti 🎭  ');
    const received = await until(
      () => second.client.snapshot().messages.find((message) => message.uid === ada.uid),
      'Bruno reads Ada',
    );

    // Assess: what the stand-in received, in Google's wire format
    expect(ref).toMatch(/^m\d+$/);
    expect(received).toMatchObject({
      name: 'Ada Lovelace ✨',
      role: 'viewer',
      text: '<b>ciao</b> a tutti 🎭',
    });
    expect(first.client.snapshot().messages.map((message) => message.id)).toEqual([received.id]);
    expect(first.client.snapshot().messages[0]?.sentAt).toBe(received.sentAt);
    const signIns = fake.requests.filter((request) => request.path === '/v1/accounts:signInWithCustomToken');
    expect(signIns.length).toBeGreaterThanOrEqual(2);
    expect(signIns[0]?.query.get('key')).toBe(fake.apiKey);
    expect(JSON.parse(signIns[0]?.body ?? '{}')).toEqual({
      token: expect.any(String),
      returnSecureToken: true,
    });
    const commit = fake.requests.slice(from).find((request) => request.path === `${DOCS}:commit`);
    expect(commit?.status).toBe(200);
    expect(commit?.headers.authorization).toMatch(/^Bearer ey/);
    const name = `projects/${PROJECT}/databases/(default)/documents/shows/${showId}`;
    expect(JSON.parse(commit?.body ?? '{}')).toEqual({
      writes: [
        {
          update: {
            name: `${name}/messages/${received.id}`,
            fields: {
              uid: { stringValue: ada.uid },
              name: { stringValue: 'Ada Lovelace ✨' },
              role: { stringValue: 'viewer' },
              text: { stringValue: '<b>ciao</b> a tutti 🎭' },
            },
          },
          updateTransforms: [{ fieldPath: 'sentAt', setToServerValue: 'REQUEST_TIME' }],
          currentDocument: { exists: false },
        },
        {
          update: { name: `${name}/posters/${ada.uid}`, fields: {} },
          updateTransforms: [{ fieldPath: 'lastPostAt', setToServerValue: 'REQUEST_TIME' }],
        },
      ],
    });
    expect(fake.read(`shows/${showId}/posters/${ada.uid}`)).toEqual({ lastPostAt: received.sentAt });
    const polls = fake.requests
      .slice(from)
      .filter((request) => request.path === `${DOCS}/shows/${showId}:runQuery`);
    expect(polls.length).toBeGreaterThan(0);
    expect(polls.every((request) => request.status === 200)).toBe(true);
  }, 30_000);

  it('gives a newcomer the newest 50 in order, and reads a burst of more than 50 without losing any', async () => {
    // Prepare: 60 messages written by the back end's stand-in clock, one apart
    const showId = newId();
    const start = Date.parse('2026-12-07T20:00:00Z');
    for (let i = 0; i < 60; i += 1) {
      const at = new Date(start + i * 1000).toISOString();
      fake.documents.set(`shows/${showId}/messages/seed${String(i).padStart(2, '0')}`, {
        fields: {
          uid: { stringValue: 'u_old' },
          name: { stringValue: 'Old' },
          role: { stringValue: 'viewer' },
          text: { stringValue: `message ${i}` },
          sentAt: { timestampValue: at },
        },
        createTime: at,
        updateTime: at,
      });
    }
    const reader = join(showId, viewer('Reader'));
    await live(reader.client);
    expect(reader.client.snapshot().messages.map((message) => message.text)).toEqual(
      Array.from({ length: 50 }, (_, i) => `message ${i + 10}`),
    );

    // Act: 55 more arrive between two polls
    const later = Date.now();
    for (let i = 0; i < 55; i += 1) {
      const at = new Date(later + i).toISOString();
      fake.documents.set(`shows/${showId}/messages/burst${String(i).padStart(2, '0')}`, {
        fields: {
          uid: { stringValue: 'u_busy' },
          name: { stringValue: 'Busy' },
          role: { stringValue: 'viewer' },
          text: { stringValue: `burst ${i}` },
          sentAt: { timestampValue: at },
        },
        createTime: at,
        updateTime: at,
      });
    }

    // Assess
    await until(() => reader.client.snapshot().messages.length === 105, 'all 105 messages');
    expect(
      reader.client
        .snapshot()
        .messages.slice(50)
        .map((message) => message.text),
    ).toEqual(Array.from({ length: 55 }, (_, i) => `burst ${i}`));
  }, 30_000);

  it('holds the rules’ rate limit: a second message within 2 s is refused in words, with the wait', async () => {
    const showId = newId();
    const ada = viewer('Ada');
    const first = join(showId, ada);
    await live(first.client);
    first.client.send('one');
    await until(() => first.client.snapshot().messages.length === 1, 'the first message');

    // A second tab of the same person: its own clock does not know, the rules do.
    const second = join(showId, ada);
    await live(second.client);
    const ref = second.client.send('two');
    const refusal = await until(() => second.client.snapshot().lastError, 'a refusal');
    expect(refusal).toMatchObject({ code: 'rate-limited', ref, retryAfterMs: 2000 });
    const commits = fake.requests.filter((request) => request.path === `${DOCS}:commit`);
    expect(commits.at(-1)?.status).toBe(403);
    const stored = [...fake.documents.keys()].filter((path) => path.startsWith(`shows/${showId}/messages/`));
    expect(stored).toHaveLength(1);

    // The same tab refuses by itself, without asking.
    const before = fake.requests.length;
    first.client.send('three');
    const own = await until(() => first.client.snapshot().lastError, 'a local refusal');
    expect(own.code).toBe('rate-limited');
    expect(own.retryAfterMs).toBeGreaterThan(0);
    expect(fake.requests.slice(before).some((request) => request.path === `${DOCS}:commit`)).toBe(false);

    // After 2 s it goes through.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    second.client.send('four');
    await until(
      () => first.client.snapshot().messages.some((message) => message.text === 'four'),
      'the message after the wait',
    );
  }, 30_000);

  it('lets the host delete a message and mute a viewer; the viewer learns both; a viewer may do neither', async () => {
    // Prepare
    const showId = newId();
    const ada = viewer('Ada');
    const moderator = join(showId, host);
    const person = join(showId, ada);
    await live(moderator.client);
    await live(person.client);
    expect(moderator.client.snapshot().role).toBe('moderator');
    person.client.send('delete me');
    const message = await until(
      () => moderator.client.snapshot().messages.find((one) => one.text === 'delete me'),
      'the host reads it',
    );

    // Act: a viewer tries to delete and mute; then the host does
    person.client.deleteMessage(message.id);
    await until(() => person.client.snapshot().lastError?.code === 'forbidden', 'the viewer refused');
    moderator.client.deleteMessage(message.id);
    moderator.client.mute(ada.uid, 10);

    // Assess: the deletion reaches Ada by the next count check (checkMs), the mute by muteMs
    await until(() => person.client.snapshot().messages.length === 0, 'the deletion reaches Ada');
    expect(fake.read(`shows/${showId}/messages/${message.id}`)).toBeUndefined();
    await until(() => moderator.client.snapshot().lastMute?.uid === ada.uid, 'the host’s confirmation');
    const mutedUntil = await until(() => person.client.snapshot().mutedUntil, 'Ada learns she is muted');
    expect(Date.parse(mutedUntil) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(fake.read(`shows/${showId}/mutes/${ada.uid}`)).toEqual({
      uid: ada.uid,
      until: expect.any(String),
    });
    person.client.send('let me talk');
    await until(() => person.client.snapshot().lastError?.code === 'muted', 'refused: muted');

    // The rules hold even if the page did not know (a page that missed the mute).
    const fresh = join(showId, ada);
    await live(fresh.client);
    expect(fresh.client.snapshot().mutedUntil).not.toBeNull();

    moderator.client.unmute(ada.uid);
    await until(() => person.client.snapshot().mutedUntil === null, 'Ada unmuted');
    expect(fake.read(`shows/${showId}/mutes/${ada.uid}`)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 2100)); // the rules' gap since 'delete me'
    person.client.send('thanks');
    await until(
      () => moderator.client.snapshot().messages.some((one) => one.text === 'thanks'),
      'Ada writes again',
    );
  }, 40_000);

  it('notices deletions by a count, not by re-reading: a quiet room costs polls and counts only', async () => {
    const showId = newId();
    const ada = viewer('Ada');
    const person = join(showId, ada);
    await live(person.client);
    person.client.send('still here');
    await until(() => person.client.snapshot().messages.length === 1, 'the message');
    const from = fake.requests.length;
    await new Promise((resolve) => setTimeout(resolve, POLL.checkMs * 3));
    const mine = fake.requests.slice(from).filter((request) => request.path.includes(showId));
    const counts = mine.filter((request) => request.path.endsWith(':runAggregationQuery'));
    const windows = mine.filter(
      (request) => request.path.endsWith(':runQuery') && !request.body.includes('"where"'),
    );
    expect(counts.length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(counts[0]?.body ?? '{}').structuredAggregationQuery.aggregations).toEqual([
      { alias: 'n', count: {} },
    ]);
    expect(counts.every((request) => request.status === 200)).toBe(true);
    expect(windows).toEqual([]);
  }, 30_000);

  it('polls at most every hiddenMs while the page is hidden, and at once when it is shown again', async () => {
    // Prepare: a page in a background tab
    const showId = newId();
    let hidden = true;
    const listeners: (() => void)[] = [];
    const visibility: Visibility = {
      hidden: () => hidden,
      subscribe(onChange) {
        listeners.push(onChange);
        return () => listeners.splice(listeners.indexOf(onChange), 1);
      },
    };
    const background = join(showId, viewer('Ada'), { visibility });
    const talker = join(showId, viewer('Bruno'));
    await live(background.client);
    await live(talker.client);
    const polls = () =>
      fake.requests.filter(
        (request) => request.path === `${DOCS}/shows/${showId}:runQuery` && request.body.includes('"where"'),
      ).length;
    const talkerPolls = polls();

    // Act: Bruno talks while Ada's tab is hidden
    talker.client.send('anyone there?');
    await new Promise((resolve) => setTimeout(resolve, POLL.hiddenMs * 0.6));

    // Assess: only Bruno's page polled (his own, at the fast pace); Ada's waits
    expect(background.client.snapshot().messages).toEqual([]);
    expect(listeners).toHaveLength(1);
    const whileHidden = polls() - talkerPolls;
    expect(whileHidden).toBeGreaterThan(2);

    // Act: Ada comes back to the tab
    hidden = false;
    for (const listener of listeners) listener();
    await until(
      () => background.client.snapshot().messages.length === 1,
      'the message on return',
      POLL.hiddenMs,
    );

    // Assess: it came within the hidden pace's interval, so the return itself polled
    background.client.close();
    expect(listeners).toHaveLength(0);
  }, 30_000);

  it('removes a viewer whose ticket is revoked (the server port writes revokedTickets) at the next poll', async () => {
    const showId = newId();
    const ada = viewer('Ada');
    const person = join(showId, ada);
    await live(person.client);
    const port = createFirestoreChatModeration({
      projectId: PROJECT,
      account,
      apiBase: fake.url,
      tokenUrl: `${fake.url}/token`,
    });
    await port.revokeTickets([ada.ticketId as string]);
    await until(() => person.client.snapshot().status === 'removed', 'removed');
    const tokensBefore = person.tokenCalls();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(person.tokenCalls()).toBe(tokensBefore);
    const refused = fake.requests.filter((request) => request.status === 403);
    expect(refused.length).toBeGreaterThan(0);
  }, 30_000);

  it('renews the ID token through Secure Token before it expires, and keeps polling', async () => {
    const showId = newId();
    fake.idTokenSeconds = 301; // renewed 5 minutes early: at once, and again on every call after
    try {
      const person = join(showId, viewer('Ada'));
      await live(person.client);
      await until(
        () => fake.requests.some((request) => request.path === '/v1/token' && request.status === 200),
        'a refresh',
      );
      const refresh = fake.requests.find((request) => request.path === '/v1/token');
      expect(refresh?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(refresh?.query.get('key')).toBe(fake.apiKey);
      expect(new URLSearchParams(refresh?.body).get('grant_type')).toBe('refresh_token');
      expect(person.client.snapshot().status).toBe('live');
    } finally {
      fake.idTokenSeconds = 3600;
    }
  }, 30_000);

  it('rides out a Firestore hiccup (503) without leaving the room; refuses a token signed by another key', async () => {
    const showId = newId();
    const person = join(showId, viewer('Ada'));
    await live(person.client);
    const statuses: string[] = [];
    const watch = setInterval(() => statuses.push(person.client.snapshot().status), 10);
    fake.fail(new RegExp(`^POST .*/shows/${showId}:runQuery$`), 503, 1);
    await until(
      () => fake.requests.some((request) => request.status === 503 && request.path.includes(showId)),
      'the 503',
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    clearInterval(watch);
    expect(new Set(statuses)).toEqual(new Set(['live']));

    // A custom token from another service account: Identity Toolkit says INVALID_CUSTOM_TOKEN.
    const forger = testServiceAccount();
    const forged = chatToken(forger, { showId, ticketId: newId(), role: 'viewer', uid: 'u_forger' });
    const socket = openFirestoreChat({
      showId,
      projectId: PROJECT,
      apiKey: fake.apiKey,
      endpoints: { identityToolkit: fake.url, secureToken: fake.url, firestore: fake.url },
      poll: POLL,
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      socket.onclose = resolve;
    });
    socket.onopen = () => socket.send(JSON.stringify({ type: 'hello', showId, token: forged }));
    expect(await closed).toMatchObject({ reason: 'token-expired' });
    const signIn = fake.requests
      .filter((request) => request.path === '/v1/accounts:signInWithCustomToken')
      .at(-1);
    expect(signIn?.status).toBe(400);
  }, 30_000);

  it('the stand-in holds writes to the rules, not to what the page meant: forged name, own sentAt, no poster, other show, too long', async () => {
    // Prepare: Ada's ID token, as her browser would have it
    const showId = newId();
    const ada = viewer('Ada');
    const signIn = await fetch(`${fake.url}/v1/accounts:signInWithCustomToken?key=${fake.apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        token: chatToken(account, {
          showId,
          ticketId: ada.ticketId,
          role: 'viewer',
          name: ada.name,
          uid: ada.uid,
        }),
        returnSecureToken: true,
      }),
    });
    const { idToken } = (await signIn.json()) as { idToken: string };
    const commit = async (
      show: string,
      fields: Record<string, unknown>,
      options: { poster?: boolean; sentAt?: boolean } = {},
    ) => {
      const base = `projects/${PROJECT}/databases/(default)/documents/shows/${show}`;
      const response = await fetch(`${fake.url}${DOCS}:commit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${idToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          writes: [
            {
              update: { name: `${base}/messages/${newId()}`, fields },
              ...(options.sentAt === false
                ? {}
                : { updateTransforms: [{ fieldPath: 'sentAt', setToServerValue: 'REQUEST_TIME' }] }),
            },
            ...(options.poster === false
              ? []
              : [
                  {
                    update: { name: `${base}/posters/${ada.uid}`, fields: {} },
                    updateTransforms: [{ fieldPath: 'lastPostAt', setToServerValue: 'REQUEST_TIME' }],
                  },
                ]),
          ],
        }),
      });
      return { status: response.status, body: (await response.json()) as { error?: { status?: string } } };
    };
    const good = {
      uid: { stringValue: ada.uid },
      name: { stringValue: ada.name },
      role: { stringValue: 'viewer' },
      text: { stringValue: 'hello' },
    };

    // Act + Assess: each bend of the rules is refused with Google's 403 body
    const refusals = [
      await commit(showId, { ...good, name: { stringValue: 'Studio Aurora' } }),
      await commit(showId, { ...good, role: { stringValue: 'moderator' } }),
      await commit(
        showId,
        { ...good, sentAt: { timestampValue: '2030-01-01T00:00:00Z' } },
        { sentAt: false },
      ),
      await commit(showId, good, { poster: false }),
      await commit(newId(), good),
      await commit(showId, { ...good, text: { stringValue: 'x'.repeat(501) } }),
      await commit(showId, { ...good, text: { stringValue: ' padded ' } }),
      await commit(showId, { ...good, text: { stringValue: 'bidi \u202e trick' } }),
      await commit(showId, { ...good, extra: { booleanValue: true } }),
    ];
    for (const refusal of refusals) {
      expect(refusal).toEqual({
        status: 403,
        body: {
          error: { code: 403, message: 'Missing or insufficient permissions.', status: 'PERMISSION_DENIED' },
        },
      });
    }
    expect(await commit(showId, { ...good, text: { stringValue: '🎭'.repeat(500) } })).toMatchObject({
      status: 200,
    });
    const bad = await fetch(`${fake.url}${DOCS}:commit`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
      body: '{"writes":[]}',
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  it('says "no ticket" to a person show-access refuses, and asks nothing of Firebase', async () => {
    const showId = newId();
    const signIns = () =>
      fake.requests.filter((request) => request.path === '/v1/accounts:signInWithCustomToken').length;
    const before = signIns();
    const nobody = join(showId, null);
    await until(() => nobody.client.snapshot().status === 'no-ticket', 'no-ticket');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(nobody.tokenCalls()).toBe(1);
    expect(signIns()).toBe(before);
    expect(fake.requests.some((request) => request.path.includes(showId))).toBe(false);
  });
});
