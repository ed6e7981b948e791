import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLocalChatModeration } from '#shared/chat/local-moderation.ts';
import { CHAT_CLOSE, MAX_FRAME_BYTES, MAX_MESSAGE_LENGTH } from '#shared/chat/protocol.ts';
import { newId } from '#shared/ids.ts';
import {
  chatToken,
  connectChat,
  type TestChatClient,
  testServiceAccount,
} from '#test/support/chat-helpers.ts';
import { type RunningLocalChatServer, startLocalChatServer } from '../../../../infra/local/chat/server.ts';

const PORTAL = 'http://127.0.0.1:8082';
const ADMIN_TOKEN = 'a-test-admin-token-of-enough-length';

describe('Local chat server (real WebSocket server, real sockets)', () => {
  const account = testServiceAccount();
  let server: RunningLocalChatServer;
  const open: TestChatClient[] = [];

  beforeAll(async () => {
    server = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
      rate: { messages: 3, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await server?.close();
  });

  /** Connects and says hello; returns the client (welcome awaited unless `expectWelcome` is false). */
  async function join(
    showId: string,
    claims: {
      ticketId: string | null;
      role?: 'viewer' | 'moderator';
      name?: string;
      uid?: string;
      showId?: string;
    },
    options: { ttlSeconds?: number; now?: Date; expectWelcome?: boolean; token?: string } = {},
  ): Promise<TestChatClient> {
    const client = await connectChat(server.websocketUrl, PORTAL);
    open.push(client);
    const token =
      options.token ??
      chatToken(
        account,
        { showId: claims.showId ?? showId, role: claims.role ?? 'viewer', ...claims },
        {
          ...(options.ttlSeconds ? { ttlSeconds: options.ttlSeconds } : {}),
          ...(options.now ? { now: options.now } : {}),
        },
      );
    client.send({ type: 'hello', showId, token });
    if (options.expectWelcome !== false) await client.next('welcome');
    return client;
  }

  it('admits a ticket holder, sends history to newcomers, and fans a message out to the room only', async () => {
    const showId = newId();
    const otherShow = newId();
    const ada = await join(showId, { ticketId: newId(), name: 'Ada', uid: 'u_ada' });
    const bob = await join(showId, { ticketId: newId(), name: 'Bob', uid: 'u_bob' });
    const elsewhere = await join(otherShow, { ticketId: newId(), uid: 'u_eve' });

    ada.send({ type: 'send', text: '  hello everyone  ', ref: 'r1' });
    const own = await ada.next('message');
    expect(own.ref).toBe('r1');
    expect(own.message).toMatchObject({ uid: 'u_ada', name: 'Ada', role: 'viewer', text: 'hello everyone' });
    const seen = await bob.next('message');
    expect(seen.message.id).toBe(own.message.id);
    expect(seen.ref).toBeUndefined();

    const late = await join(showId, { ticketId: newId(), uid: 'u_carol' });
    const welcome = late.frames.find((frame) => frame.type === 'welcome');
    expect(welcome).toMatchObject({ uid: 'u_carol', role: 'viewer', mutedUntil: null });
    expect(welcome?.type === 'welcome' && welcome.history.map((m) => m.text)).toEqual(['hello everyone']);
    expect(welcome?.type === 'welcome' && welcome.limits.maxLength).toBe(MAX_MESSAGE_LENGTH);

    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(elsewhere.frames.filter((frame) => frame.type === 'message')).toEqual([]);
  });

  it('keeps markup as text: the message comes back exactly as typed, never as HTML', async () => {
    const showId = newId();
    const ada = await join(showId, { ticketId: newId(), uid: 'u_ada2' });
    const markup = '<img src=x onerror="alert(1)"><script>alert(2)</script> & &amp;';
    ada.send({ type: 'send', text: markup });
    expect((await ada.next('message')).message.text).toBe(markup);
  });

  it('refuses a token for another show, an expired token, a forged token and a viewer without a ticket', async () => {
    const showId = newId();
    const wrongShow = await join(showId, { ticketId: newId(), showId: newId() }, { expectWelcome: false });
    expect(await wrongShow.closed).toEqual({ code: CHAT_CLOSE.wrongShow.code, reason: 'wrong-show' });

    const expired = await join(
      showId,
      { ticketId: newId() },
      { ttlSeconds: 60, now: new Date(Date.now() - 120_000), expectWelcome: false },
    );
    expect(await expired.closed).toEqual({ code: CHAT_CLOSE.tokenExpired.code, reason: 'token-expired' });

    const other = testServiceAccount();
    const forged = await join(
      showId,
      { ticketId: newId() },
      { token: chatToken(other, { showId, ticketId: newId(), role: 'viewer' }), expectWelcome: false },
    );
    expect(await forged.closed).toEqual({ code: CHAT_CLOSE.tokenInvalid.code, reason: 'token-invalid' });

    const noTicket = await join(showId, { ticketId: null, role: 'viewer' }, { expectWelcome: false });
    expect((await noTicket.closed).reason).toBe('token-invalid');
  });

  it('answers frames before hello with not-ready, and closes a socket that never says hello', async () => {
    const quiet = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
      helloTimeoutMs: 300,
    });
    try {
      const client = await connectChat(quiet.websocketUrl, PORTAL);
      client.send({ type: 'send', text: 'hi' });
      expect((await client.next('error')).code).toBe('not-ready');
      expect(await client.closed).toEqual({ code: CHAT_CLOSE.helloTimeout.code, reason: 'hello-timeout' });
    } finally {
      await quiet.close();
    }
  });

  it('refuses empty and too long messages and limits each person’s rate with a clear error', async () => {
    const showId = newId();
    const ada = await join(showId, { ticketId: newId(), uid: 'u_rate' });
    ada.send({ type: 'send', text: '   ', ref: 'empty' });
    expect(await ada.next('error')).toMatchObject({ code: 'text-empty', ref: 'empty' });
    ada.send({ type: 'send', text: 'é'.repeat(MAX_MESSAGE_LENGTH + 1), ref: 'long' });
    expect(await ada.next('error')).toMatchObject({ code: 'text-too-long', ref: 'long' });
    ada.send({ type: 'send', text: 'bell\u0007', ref: 'ctl' });
    expect(await ada.next('error')).toMatchObject({ code: 'text-invalid', ref: 'ctl' });
    // Exactly the limit is fine (500 two-byte characters fit the frame).
    ada.send({ type: 'send', text: 'é'.repeat(MAX_MESSAGE_LENGTH) });
    await ada.next('message');
    ada.send({ type: 'send', text: 'two' });
    ada.send({ type: 'send', text: 'three' });
    ada.send({ type: 'send', text: 'four', ref: 'over' });
    const limited = await ada.next('error');
    expect(limited).toMatchObject({ code: 'rate-limited', ref: 'over' });
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.message).toMatch(/At most 3 messages/);
    // The same person on a second socket shares the limit.
    const again = await join(showId, { ticketId: newId(), uid: 'u_rate' });
    again.send({ type: 'send', text: 'five' });
    expect((await again.next('error')).code).toBe('rate-limited');
  });

  it('closes a socket that sends a frame larger than the limit (1009) and answers junk with bad-frame', async () => {
    const showId = newId();
    const ada = await join(showId, { ticketId: newId() });
    ada.send('not json');
    expect((await ada.next('error')).code).toBe('bad-frame');
    ada.send({ type: 'send', text: 'x'.repeat(MAX_FRAME_BYTES + 10) });
    expect((await ada.closed).code).toBe(1009);
  });

  it('lets a moderator delete a message and mute a viewer; the viewer is told and refused', async () => {
    const showId = newId();
    const mod = await join(showId, { ticketId: null, role: 'moderator', uid: 'o_creator', name: 'Studio' });
    const viewer = await join(showId, { ticketId: newId(), uid: 'u_loud' });
    viewer.send({ type: 'send', text: 'spam' });
    const spam = await mod.next('message');

    viewer.send({ type: 'delete', messageId: spam.message.id, ref: 'd' });
    expect(await viewer.next('error')).toMatchObject({ code: 'forbidden', ref: 'd' });

    mod.send({ type: 'delete', messageId: spam.message.id });
    expect((await viewer.next('deleted')).messageId).toBe(spam.message.id);
    const late = await join(showId, { ticketId: newId(), uid: 'u_late' });
    expect(late.frames.find((frame) => frame.type === 'welcome')).toMatchObject({ history: [] });

    mod.send({ type: 'mute', uid: 'u_loud', minutes: 10 });
    const muted = await viewer.next('muted');
    expect(muted.uid).toBe('u_loud');
    expect(Date.parse(muted.until ?? '')).toBeGreaterThan(Date.now() + 9 * 60_000);
    viewer.send({ type: 'send', text: 'still here', ref: 'm' });
    expect(await viewer.next('error')).toMatchObject({ code: 'muted', ref: 'm' });
    // A reconnect does not shake the mute off.
    const rejoined = await join(showId, { ticketId: newId(), uid: 'u_loud' });
    expect(rejoined.frames.find((frame) => frame.type === 'welcome')).toMatchObject({
      mutedUntil: muted.until,
    });

    mod.send({ type: 'mute', uid: 'o_creator', minutes: 5, ref: 'self' });
    expect(await mod.next('error')).toMatchObject({ code: 'forbidden', ref: 'self' });

    mod.send({ type: 'unmute', uid: 'u_loud' });
    expect((await viewer.next('muted')).until).toBeNull();
    viewer.send({ type: 'send', text: 'sorry' });
    expect((await mod.next('message')).message.text).toBe('sorry');
  });

  it('moderates through the admin API (the port’s local adapter): remove, mute; wrong bearer refused', async () => {
    const showId = newId();
    const port = createLocalChatModeration({ adminUrl: server.url, adminToken: ADMIN_TOKEN });
    const viewer = await join(showId, { ticketId: newId(), uid: 'u_admin_target' });
    viewer.send({ type: 'send', text: 'to be removed' });
    const sent = await viewer.next('message');
    await port.removeMessage(showId, sent.message.id);
    expect((await viewer.next('deleted')).messageId).toBe(sent.message.id);
    await port.muteUser(showId, 'u_admin_target', new Date(Date.now() + 60_000));
    expect((await viewer.next('muted')).until).not.toBeNull();

    const wrong = createLocalChatModeration({
      adminUrl: server.url,
      adminToken: 'not-the-admin-token-at-all',
    });
    await expect(wrong.revokeTickets([newId()])).rejects.toMatchObject({ httpStatus: 401, retryable: false });
    const bad = await fetch(`${server.url}/admin/revoked-tickets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ticketIds: ['not-a-ulid'] }),
    });
    expect(bad.status).toBe(400);
  });

  it('closes a revoked ticket’s sockets at once with reason revoked and refuses its reconnects', async () => {
    const showId = newId();
    const ticketId = newId();
    const port = createLocalChatModeration({ adminUrl: server.url, adminToken: ADMIN_TOKEN });
    const refunded = await join(showId, { ticketId, uid: 'u_refunded' });
    const stays = await join(showId, { ticketId: newId(), uid: 'u_stays' });
    const started = Date.now();
    await port.revokeTickets([ticketId]);
    expect(await refunded.closed).toEqual({ code: CHAT_CLOSE.revoked.code, reason: 'revoked' });
    expect(Date.now() - started).toBeLessThan(5000);
    const retry = await join(showId, { ticketId, uid: 'u_refunded' }, { expectWelcome: false });
    expect((await retry.closed).reason).toBe('revoked');
    stays.send({ type: 'send', text: 'still in' });
    expect((await stays.next('message')).message.text).toBe('still in');
  });

  it('refuses a WebSocket from another origin, or with no origin, before it opens (403)', async () => {
    await expect(connectChat(server.websocketUrl, 'https://evil.example')).rejects.toThrow(/403/);
    await expect(connectChat(server.websocketUrl, undefined)).rejects.toThrow(/403/);
    await expect(connectChat(server.websocketUrl.replace('/chat', '/other'), PORTAL)).rejects.toThrow(/404/);
  });

  it('drops a client that stops answering pings (heartbeat)', async () => {
    const beating = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
      heartbeatMs: 200,
    });
    try {
      // autoPong off: this socket never answers a ping.
      const socket = new WebSocket(beating.websocketUrl, { origin: PORTAL, autoPong: false });
      const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
      await new Promise((resolve) => socket.once('open', resolve));
      expect(await closed).toBe(1006);
      const deadline = Date.now() + 10_000;
      while (beating.connections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(beating.connections()).toBe(0);
    } finally {
      await beating.close();
    }
  });

  it('drops a slow consumer whose unsent data passes the bound instead of buffering for it', async () => {
    const tight = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
      maxBufferedBytes: 1,
      rate: { messages: 1_000_000, windowMs: 1000 },
    });
    try {
      const showId = newId();
      const slow = await connectChat(tight.websocketUrl, PORTAL);
      slow.send({
        type: 'hello',
        showId,
        token: chatToken(account, { showId, ticketId: newId(), role: 'viewer' }),
      });
      await slow.next('welcome');
      slow.socket.pause(); // stops reading: the server's buffer for it grows
      const talker = await connectChat(tight.websocketUrl, PORTAL);
      talker.send({
        type: 'hello',
        showId,
        token: chatToken(account, { showId, ticketId: newId(), role: 'viewer', uid: 'u_talker' }),
      });
      await talker.next('welcome');
      // Past the kernel's socket buffers (a few MB on loopback), the server's own buffer grows.
      const deadline = Date.now() + 30_000;
      const text = 'y'.repeat(MAX_MESSAGE_LENGTH);
      while (tight.connections() > 1 && Date.now() < deadline) {
        for (let i = 0; i < 100; i += 1) talker.send({ type: 'send', text });
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(tight.connections()).toBe(1);
      talker.close();
      slow.socket.resume();
    } finally {
      await tight.close();
    }
  });

  it('says goodbye (1001) to every socket when it stops', async () => {
    const stopping = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
    });
    const client = await connectChat(stopping.websocketUrl, PORTAL);
    await stopping.close();
    expect((await client.closed).code).toBe(1001);
  });
});
