import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectChat } from '#test/support/chat-helpers.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { ensureOperatorKey } from '../../../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../../../infra/local/cloud.ts';

/** The local bound: edge-revocations runs every 2 s; slack for a busy 2-core machine. */
const LOCAL_BOUND_MS = 20_000;

interface ChatTokenAnswer {
  token: string;
  uid: string;
  expiresAt: string;
  role: 'viewer' | 'moderator';
  chat: { transport: string; url?: string };
}

/**
 * The show chat through the whole local cloud, as its clients use it: a viewer pays at the local
 * Stripe, gets a chat token from show-access (POST /v1/shows/{id}/chat-token, which names the
 * local chat server), talks with the creator (a moderator without a ticket); someone without a
 * ticket is refused; the creator revokes the ticket and the viewer is out of the chat within
 * seconds (edge-revocations → chat port → chat server) and refused a new token.
 */
describe('Show chat end to end (local cloud: show-access, chat server, edge-revocations)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let creator: string;
  let viewer: string;
  let stranger: string;

  const call = (key: string, method: string, path: string, body?: unknown) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function newShow(): Promise<string> {
    const created = await call(creator, 'POST', '/shows', {
      title: 'Chat night',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      capacity: 5,
      price: { amount: 1500, currency: 'eur' },
    });
    expect(created.status).toBe(201);
    return ((await created.json()) as { id: string }).id;
  }

  /** A seat paid at the local Stripe's Pay page, as a browser pays; its ticket and Checkout Session. */
  async function buySeat(showId: string, buyer: string): Promise<{ ticketId: string; sessionId: string }> {
    const checkout = await call(buyer, 'POST', `/shows/${showId}/checkout`, { quantity: 1 });
    expect(checkout.status).toBe(201);
    const order = (await checkout.json()) as { checkoutUrl: string; sessionId: string };
    const paid = await fetch(order.checkoutUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choice=pay',
      redirect: 'manual',
    });
    expect(paid.status).toBe(303);
    for (const started = Date.now(); Date.now() - started < 60_000; ) {
      const page = (await (await call(buyer, 'GET', '/tickets')).json()) as {
        items: { id: string; showId: string; status: string }[];
      };
      const ticket = page.items.find((item) => item.showId === showId && item.status === 'valid');
      if (ticket) return { ticketId: ticket.id, sessionId: order.sessionId };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('no ticket within 60 s');
  }

  /** Resolves with the close once the socket closes within the bound, and the time it took. */
  async function closedWithin(
    closed: Promise<{ code: number; reason: string }>,
    started: number,
  ): Promise<{ code: number; reason: string; ms: number }> {
    const result = await Promise.race([
      closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('still in the chat')), LOCAL_BOUND_MS),
      ),
    ]);
    return { ...result, ms: Date.now() - started };
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-chat-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'chat_cloud');
    cloud = await startLocalCloud({
      dataDir,
      mysqlUrl: db.url,
      logLevel: 'warn',
      authorizerCacheMs: 0,
      transcoders: { count: 0 },
      liveIngest: { enabled: false },
    });
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const org = async (kind: string, scopes: string[]) => {
      const response = await call(operator, 'POST', '/orgs', { name: `${kind} org`, kind, scopes });
      expect(response.status).toBe(201);
      return ((await response.json()) as { apiKey: { key: string } }).apiKey.key;
    };
    creator = await org('creator', ['shows:write']);
    viewer = await org('viewer', ['tickets:buy', 'tickets:read']);
    stranger = await org('viewer', ['tickets:buy', 'tickets:read']);
  }, 240_000);

  afterAll(async () => {
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('admits ticket holders and the creator, refuses others, and removes a revoked ticket’s holder', async () => {
    // Prepare: a show, a seat paid at the local Stripe
    const show = { id: await newShow() };
    const { ticketId } = await buySeat(show.id, viewer);

    // Act: tokens from show-access
    const viewerToken = await call(viewer, 'POST', `/shows/${show.id}/chat-token`);
    expect(viewerToken.status).toBe(200);
    const viewerAccess = (await viewerToken.json()) as ChatTokenAnswer;
    const creatorAccess = (await (
      await call(creator, 'POST', `/shows/${show.id}/chat-token`)
    ).json()) as ChatTokenAnswer;
    const refused = await call(stranger, 'POST', `/shows/${show.id}/chat-token`);

    // Assess: the answers name the local chat server and the roles
    expect(viewerAccess).toMatchObject({
      role: 'viewer',
      chat: { transport: 'websocket', url: cloud.chat.websocketUrl },
    });
    expect(creatorAccess).toMatchObject({
      role: 'moderator',
      chat: { transport: 'websocket', url: cloud.chat.websocketUrl },
    });
    expect(refused.status).toBe(403);

    // Act: both join from the portal's origin and talk
    const portal = new URL(cloud.webUrl).origin;
    await expect(connectChat(cloud.chat.websocketUrl, 'https://elsewhere.example')).rejects.toThrow(/403/);
    const viewerChat = await connectChat(cloud.chat.websocketUrl, portal);
    viewerChat.send({ type: 'hello', showId: show.id, token: viewerAccess.token });
    expect((await viewerChat.next('welcome')).role).toBe('viewer');
    const creatorChat = await connectChat(cloud.chat.websocketUrl, portal);
    creatorChat.send({ type: 'hello', showId: show.id, token: creatorAccess.token });
    expect((await creatorChat.next('welcome')).role).toBe('moderator');
    viewerChat.send({ type: 'send', text: 'hello from seat 1' });
    expect((await creatorChat.next('message')).message).toMatchObject({
      text: 'hello from seat 1',
      uid: viewerAccess.uid,
    });

    // Act: the creator revokes the ticket
    const started = Date.now();
    const revoked = await call(creator, 'POST', `/tickets/${ticketId}/revoke`, { reason: 'resold' });
    expect(revoked.status).toBe(200);
    const closed = await closedWithin(viewerChat.closed, started);
    console.log(`chat removal after a creator's revocation through the local cloud: ${closed.ms} ms`);

    // Assess
    expect(closed.reason).toBe('revoked');
    expect((await call(viewer, 'POST', `/shows/${show.id}/chat-token`)).status).toBe(403);
    creatorChat.send({ type: 'send', text: 'the show goes on' });
    expect((await creatorChat.next('message')).message.text).toBe('the show goes on');
    creatorChat.close();
  }, 180_000);
  it('removes a holder whose payment is refunded at the local Stripe, within the local bound', async () => {
    // Prepare
    const showId = await newShow();
    const { sessionId } = await buySeat(showId, stranger);
    const access = (await (
      await call(stranger, 'POST', `/shows/${showId}/chat-token`)
    ).json()) as ChatTokenAnswer;
    const chat = await connectChat(cloud.chat.websocketUrl, new URL(cloud.webUrl).origin);
    chat.send({ type: 'hello', showId, token: access.token });
    await chat.next('welcome');

    // Act: refunded at Stripe (charge.refunded reaches stripe-webhook, which revokes the ticket)
    const started = Date.now();
    const refund = await fetch(`${cloud.stripe.url}/v1/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${cloud.platformEnv.STRIPE_SECRET_KEY}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        payment_intent: String(cloud.stripe.session(sessionId)?.payment_intent),
        reason: 'requested_by_customer',
      }),
    });
    expect(refund.status).toBe(200);
    const closed = await closedWithin(chat.closed, started);
    console.log(`chat removal after a refund at the local Stripe: ${closed.ms} ms`);

    // Assess
    expect(closed.reason).toBe('revoked');
    expect((await call(stranger, 'POST', `/shows/${showId}/chat-token`)).status).toBe(403);
  }, 180_000);
});
