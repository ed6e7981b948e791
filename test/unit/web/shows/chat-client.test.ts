import { describe, expect, it } from 'vitest';
import type { ChatTokenAnswer, ServerFrame } from '#shared/chat/protocol.ts';
import {
  type ChatSnapshot,
  ChatTokenRefused,
  createChatClient,
  MAX_KEPT_MESSAGES,
  type SocketLike,
} from '../../../../web/src/shows/chat/chat-client.ts';
import { canWrite, errorText, statusKey } from '../../../../web/src/shows/chat/chat-view.ts';
import { chatMessages } from '../../../../web/src/shows/chat/messages.ts';

/** A socket the test drives: it records what the client sends and delivers what the test says. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string) {
    this.closedWith = { code, reason };
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  frame(frame: ServerFrame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code: number, reason: string) {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

const answer = (token = 'tok'): ChatTokenAnswer => ({
  token,
  uid: 'u_ada',
  expiresAt: '2026-12-07T16:00:00Z',
  role: 'viewer',
  chat: { transport: 'websocket', url: 'ws://chat.test/chat' },
});

const welcome = (overrides: Partial<Extract<ServerFrame, { type: 'welcome' }>> = {}): ServerFrame => ({
  type: 'welcome',
  uid: 'u_ada',
  name: 'Ada',
  role: 'viewer',
  history: [],
  mutedUntil: null,
  limits: { maxLength: 500, rateMessages: 5, rateWindowMs: 10_000 },
  ...overrides,
});

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function harness(tokens: Array<() => Promise<ChatTokenAnswer>>) {
  const sockets: FakeSocket[] = [];
  const snapshots: ChatSnapshot[] = [];
  let calls = 0;
  const client = createChatClient({
    showId: 'SHOW',
    fetchToken: () => {
      const next = tokens[Math.min(calls, tokens.length - 1)] as () => Promise<ChatTokenAnswer>;
      calls += 1;
      return next();
    },
    connect: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onChange: (snapshot) => snapshots.push(snapshot),
    backoff: { firstMs: 5, maxMs: 20 },
    random: () => 0.5,
  });
  return { client, sockets, snapshots, tokenCalls: () => calls };
}

describe('Module: web/src/shows/chat/chat-client', () => {
  it('asks for a token, says hello with it, and goes live with the history', async () => {
    const { client, sockets } = harness([async () => answer()]);
    expect(client.snapshot().status).toBe('connecting');
    await tick();
    const socket = sockets[0] as FakeSocket;
    expect(socket.url).toBe('ws://chat.test/chat');
    socket.open();
    expect(socket.sent).toEqual([{ type: 'hello', showId: 'SHOW', token: 'tok' }]);
    socket.frame(
      welcome({
        history: [
          { id: 'm1', uid: 'u_bob', name: 'Bob', role: 'viewer', text: 'hi', sentAt: '2026-12-07T15:00:00Z' },
        ],
      }),
    );
    expect(client.snapshot()).toMatchObject({
      status: 'live',
      uid: 'u_ada',
      role: 'viewer',
      messages: [{ id: 'm1' }],
    });
    const ref = client.send('hello');
    expect(socket.sent.at(-1)).toEqual({ type: 'send', text: 'hello', ref });
    socket.frame({ type: 'deleted', messageId: 'm1' });
    expect(client.snapshot().messages).toEqual([]);
    client.close();
    expect(socket.closedWith).toEqual({ code: 1000, reason: 'bye' });
  });

  it('says "no ticket" on a 403 from chat-token and stops; "signed out" on 401', async () => {
    const noTicket = harness([
      async () => {
        throw new ChatTokenRefused(403);
      },
    ]);
    await tick();
    expect(noTicket.client.snapshot().status).toBe('no-ticket');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(noTicket.tokenCalls()).toBe(1);
    const signedOut = harness([
      async () => {
        throw new ChatTokenRefused(401);
      },
    ]);
    await tick();
    expect(signedOut.client.snapshot().status).toBe('signed-out');
  });

  it('reconnects with a fresh token after a dropped connection, and stops when the ticket was revoked', async () => {
    const { client, sockets, tokenCalls } = harness([async () => answer('one'), async () => answer('two')]);
    await tick();
    sockets[0]?.open();
    sockets[0]?.frame(welcome());
    sockets[0]?.drop(1006, '');
    expect(client.snapshot().status).toBe('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(tokenCalls()).toBe(2);
    sockets[1]?.open();
    expect(sockets[1]?.sent).toEqual([{ type: 'hello', showId: 'SHOW', token: 'two' }]);
    sockets[1]?.frame(welcome());
    sockets[1]?.drop(4410, 'revoked');
    expect(client.snapshot().status).toBe('removed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(tokenCalls()).toBe(2);
    expect(client.send('anyone?')).toBeNull();
  });

  it('goes straight back with a new token when the old one expired, without saying it was lost', async () => {
    const { client, sockets, tokenCalls } = harness([async () => answer()]);
    await tick();
    sockets[0]?.open();
    sockets[0]?.frame(welcome());
    sockets[0]?.drop(4401, 'token-expired');
    expect(client.snapshot().status).toBe('live');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(tokenCalls()).toBe(2);
    client.close();
  });

  it('keeps refusals and mutes for the panel, and a bounded list of messages', async () => {
    const { client, sockets } = harness([async () => answer()]);
    await tick();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.frame(welcome());
    socket.frame({
      type: 'error',
      code: 'rate-limited',
      message: 'slow down',
      retryAfterMs: 3200,
      ref: 'm1',
    });
    expect(client.snapshot().lastError).toEqual({
      code: 'rate-limited',
      message: 'slow down',
      retryAfterMs: 3200,
      ref: 'm1',
    });
    socket.frame({ type: 'muted', uid: 'u_ada', until: '2099-01-01T00:00:00Z' });
    expect(client.snapshot().mutedUntil).toBe('2099-01-01T00:00:00Z');
    expect(canWrite(client.snapshot())).toBe(false);
    for (let i = 0; i < MAX_KEPT_MESSAGES + 10; i += 1) {
      socket.frame({
        type: 'message',
        message: {
          id: `m${i}`,
          uid: 'u_bob',
          name: 'Bob',
          role: 'viewer',
          text: String(i),
          sentAt: '2026-12-07T15:00:00Z',
        },
      });
    }
    expect(client.snapshot().messages).toHaveLength(MAX_KEPT_MESSAGES);
    expect(client.snapshot().messages[0]?.id).toBe('m10');
    client.close();
  });

  it('stops with "unsupported" when the chat runs on Firestore and no Firestore transport was given', async () => {
    const { client } = harness([
      async () => ({ ...answer(), chat: { transport: 'firestore', projectId: 'forgecast-prod' } }),
    ]);
    await tick();
    expect(client.snapshot().status).toBe('unsupported');
  });

  it('opens the Firestore transport with the project and Web API key; "unavailable" without a key', async () => {
    const opened: { projectId: string; apiKey: string }[] = [];
    const sockets: FakeSocket[] = [];
    const firestore = (apiKey?: string) =>
      createChatClient({
        showId: 'SHOW',
        fetchToken: async () => ({
          ...answer('custom'),
          chat: { transport: 'firestore', projectId: 'forgecast-prod', ...(apiKey ? { apiKey } : {}) },
        }),
        connect: () => {
          throw new Error('no WebSocket for a Firestore answer');
        },
        connectFirestore: async (chat) => {
          opened.push(chat);
          const socket = new FakeSocket('firestore');
          sockets.push(socket);
          return socket;
        },
        onChange: () => {},
      });
    const withKey = firestore('AIzaSyTest-key_0123456789');
    await tick();
    await tick();
    expect(opened).toEqual([{ projectId: 'forgecast-prod', apiKey: 'AIzaSyTest-key_0123456789' }]);
    const socket = sockets[0] as FakeSocket;
    socket.open();
    expect(socket.sent).toEqual([{ type: 'hello', showId: 'SHOW', token: 'custom' }]);
    socket.frame(welcome());
    expect(withKey.snapshot().status).toBe('live');
    socket.drop(4410, 'revoked');
    expect(withKey.snapshot().status).toBe('removed');

    const withoutKey = firestore();
    await tick();
    expect(withoutKey.snapshot().status).toBe('unavailable');
    expect(opened).toHaveLength(1);
  });
});

describe('Module: web/src/shows/chat/chat-view', () => {
  const base: ChatSnapshot = {
    status: 'live',
    uid: 'u_ada',
    name: 'Ada',
    role: 'viewer',
    messages: [],
    mutedUntil: null,
    lastError: null,
    lastMute: null,
    retryInMs: null,
  };

  it('has a sentence in English and Italian for every state and refusal', () => {
    for (const status of [
      'connecting',
      'live',
      'reconnecting',
      'no-ticket',
      'signed-out',
      'removed',
      'unavailable',
      'unsupported',
      'closed',
    ] as const) {
      const key = statusKey({ ...base, status });
      expect(chatMessages.en[key]).toBeTruthy();
      expect(chatMessages.it[key]).toBeTruthy();
    }
    expect(statusKey({ ...base, role: 'moderator' })).toBe('status.liveModerator');
    expect(errorText({ code: 'rate-limited', message: '', retryAfterMs: 3200 })).toEqual({
      key: 'error.rate-limited',
      params: { seconds: 4, max: 500 },
    });
    expect(errorText({ code: 'something-new', message: '' }).key).toBe('error.other');
  });

  it('lets moderators write while muted flags apply to viewers only, and nobody while offline', () => {
    const now = Date.parse('2026-12-07T15:00:00Z');
    expect(canWrite(base, now)).toBe(true);
    expect(canWrite({ ...base, mutedUntil: '2026-12-07T15:10:00Z' }, now)).toBe(false);
    expect(canWrite({ ...base, mutedUntil: '2026-12-07T14:50:00Z' }, now)).toBe(true);
    expect(canWrite({ ...base, role: 'moderator', mutedUntil: '2026-12-07T15:10:00Z' }, now)).toBe(true);
    expect(canWrite({ ...base, status: 'reconnecting' }, now)).toBe(false);
  });
});
