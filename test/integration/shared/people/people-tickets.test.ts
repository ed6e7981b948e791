import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountsManifest } from '#functions/accounts/manifest.ts';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { showAccessManifest } from '#functions/show-access/manifest.ts';
import { showsManifest } from '#functions/shows/manifest.ts';
import { stripeWebhookManifest } from '#functions/stripe-webhook/manifest.ts';
import { ticketsManifest } from '#functions/tickets/manifest.ts';
import { insertOrganisation } from '#shared/accounts/api-key-store.ts';
import { newId } from '#shared/ids.ts';
import { putMembership } from '#shared/people/membership-repository.ts';
import { hashSessionId, newSessionId } from '#shared/people/session-cookie.ts';
import { insertSession } from '#shared/people/session-repository.ts';
import { upsertUserFromIdentity } from '#shared/people/user-repository.ts';
import { verifyTicketCode } from '#shared/shows/ticket-code.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { startTestStripe, stripeEnv } from '#test/support/stripe.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';
import type { RunningLocalStripe } from '../../../../infra/local/stripe/server.ts';

/**
 * Tickets belong to people (issue 16), end to end through the real gateway and authorizer: a
 * person signed in with a portal session (with or without an organisation) checks out at the
 * local Stripe server, the webhook issues the tickets to them, and they list, read, play and chat
 * with them; API keys keep acting for their organisation.
 */
const PORTAL = 'http://shows.forgecast.test';
const CHAT_URL = 'ws://127.0.0.1:9/chat';
const TICKET_KEY = randomBytes(32);
const EDGE_KEY = randomBytes(32);
const FIREBASE_KEYS = generateKeyPairSync('rsa', { modulusLength: 2048 });
const LIFETIME = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 };

interface Person {
  userId: string;
  name: string;
  cookie: string;
}

interface Org {
  orgId: string;
  key: string;
}

interface Hold {
  id: string;
  showId: string;
  quantity: number;
  amountTotal: number;
  currency: string;
  status: string;
  expiresAt: string;
  releaseReason: string | null;
  ticketIds: string[];
}

interface TicketView {
  id: string;
  status: string;
  showId: string;
  showTitle: string;
  showStartsAt: string;
  holderOrgId: string | null;
  code?: string | null;
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
    uid: string;
    claims: Record<string, unknown>;
  };

describe('Tickets of people: checkout, fulfilment, tickets, playback and chat', () => {
  let db: TestDatabase;
  let stripe: RunningLocalStripe & { secretKey: string; webhookSecret: string };
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: Org;
  let creatorName: string;
  let boxOffice: Org;
  let loner: Person;
  let member: Person;
  let moderator: Person;
  let memberOrg: Org;

  /** A person with a live session: no organisation, or a membership in `org` with `role`. */
  async function person(name: string, org?: { orgId: string; role: 'viewer' | 'creator' }): Promise<Person> {
    const { user } = await upsertUserFromIdentity(db.pool, {
      issuer: 'https://id.forgecast.test',
      subject: newId(),
      email: `${name.toLowerCase().replace(/\W/g, '.')}.${newId().slice(-6).toLowerCase()}@example.test`,
      name,
      locale: null,
    });
    if (org) await putMembership(db.pool, user.id, org.orgId, org.role);
    const sessionId = newSessionId();
    await insertSession(
      db.pool,
      { idHash: hashSessionId(sessionId), userId: user.id, orgId: org?.orgId ?? null, userAgent: null },
      LIFETIME,
      new Date(),
    );
    return { userId: user.id, name, cookie: `fc_session=${sessionId}` };
  }

  const call = (path: string, who: Person | Org, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...('cookie' in who
          ? { cookie: who.cookie, origin: PORTAL }
          : { authorization: `Bearer ${who.key}` }),
        ...(init.headers ?? {}),
      },
    });
  const post = (path: string, who: Person | Org, body?: unknown) =>
    call(path, who, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function insertShow(options: { videoId?: string; startsAt?: string } = {}): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency, video_id)
       VALUES (?, ?, ?, ?, 20, 1500, 'eur', ?)`,
      [
        id,
        creator.orgId,
        `Show ${id.slice(-6)}`,
        options.startsAt ?? '2031-05-01 19:30:00',
        options.videoId ?? null,
      ],
    );
    return id;
  }

  async function insertReadyVideo(): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, {
      id,
      orgId: creator.orgId,
      title: 'Concert',
      contentType: 'video/mp4',
      declaredBytes: 1000,
    });
    await db.pool.query("UPDATE video_assets SET status = 'ready', media_prefix = ? WHERE id = ?", [
      `videos/${id}/v1/`,
      id,
    ]);
    return id;
  }

  /** Checks out and pays at the local Stripe server; the webhook lands before this returns. */
  async function buyAndPay(showId: string, who: Person | Org, quantity = 1) {
    const response = await post(`/shows/${showId}/checkout`, who, { quantity });
    expect(response.status).toBe(201);
    const order = (await response.json()) as { holdId: string; sessionId: string; checkoutUrl: string };
    const paid = await stripe.complete(order.sessionId);
    expect(paid.delivery?.status).toBe(200);
    return order;
  }

  async function holdOf(holdId: string, who: Person | Org): Promise<Hold> {
    const response = await call(`/holds/${holdId}`, who);
    expect(response.status).toBe(200);
    return (await response.json()) as Hold;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'people_tickets');
    stripe = await startTestStripe();
    creator = await createOrgWithKey(db.pool, ['shows:write', 'videos:write'], { kind: 'creator' });
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT name FROM organisations WHERE id = ?', [
      creator.orgId,
    ]);
    creatorName = String(rows[0]?.name);
    boxOffice = await createOrgWithKey(db.pool, ['tickets:buy', 'tickets:read'], { kind: 'integrator' });
    memberOrg = await createOrgWithKey(db.pool, ['tickets:buy', 'tickets:read'], { kind: 'viewer' });
    loner = await person('Ada Loner');
    member = await person('Bea Member', { orgId: memberOrg.orgId, role: 'viewer' });
    moderator = await person('Carla Creator', { orgId: creator.orgId, role: 'creator' });
    const serviceAccount = JSON.stringify({
      type: 'service_account',
      client_email: 'chat@forgecast-test.iam.gserviceaccount.com',
      private_key: FIREBASE_KEYS.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    const env = { MYSQL_URL: db.url };
    runner = new FnRunner([
      bundledFunction(
        'shows',
        {
          ...env,
          ...stripeEnv(stripe),
          CHECKOUT_SUCCESS_URL: 'https://box-office.test/paid?hold={HOLD_ID}',
          CHECKOUT_CANCEL_URL: 'https://box-office.test/cancelled?hold={HOLD_ID}',
          PORTAL_ORIGIN: PORTAL,
          // Posters are not read here (studio-api.test.ts streams them from a real S3 server).
          S3_ENDPOINT: 'http://127.0.0.1:9',
          S3_REGION: 'local',
          S3_ACCESS_KEY_ID: 'unused',
          S3_SECRET_ACCESS_KEY: 'unused',
          MEDIA_BUCKET: 'media',
        },
        30,
      ),
      bundledFunction(
        'stripe-webhook',
        { ...env, ...stripeEnv(stripe), STRIPE_WEBHOOK_SECRETS: stripe.webhookSecret },
        30,
      ),
      bundledFunction('tickets', { ...env, TICKET_CODE_KEY: TICKET_KEY.toString('hex') }),
      bundledFunction('show-access', {
        ...env,
        EDGE_BASE_URL: 'https://media.forgecast.test',
        EDGE_TOKEN_KEYS: EDGE_KEY.toString('hex'),
        FIREBASE_SERVICE_ACCOUNT_JSON: serviceAccount,
        CHAT_WEBSOCKET_URL: CHAT_URL,
      }),
      bundledFunction('accounts', env),
      bundledFunction(AUTHORIZER_FUNCTION, { ...env, PORTAL_ORIGIN: PORTAL }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(
        showsManifest,
        stripeWebhookManifest,
        ticketsManifest,
        showAccessManifest,
        accountsManifest,
      ),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
    stripe.setWebhookUrl(`${gateway.url}/webhooks/stripe`);
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await stripe?.close();
    await db?.drop();
  });

  describe('Method: checkout and the order', () => {
    it('holds seats for a person without an organisation and returns them to the shows app', async () => {
      // Prepare
      const showId = await insertShow();

      // Act
      const response = await post(`/shows/${showId}/checkout`, loner, { quantity: 2 });

      // Assess
      expect(response.status).toBe(201);
      const order = (await response.json()) as { holdId: string; sessionId: string; expiresAt: string };
      const session = stripe.session(order.sessionId);
      expect(session?.success_url).toBe(`${PORTAL}/shows/${showId}/bought?hold=${order.holdId}`);
      expect(session?.cancel_url).toBe(`${PORTAL}/shows/${showId}?checkout=cancelled&hold=${order.holdId}`);
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT buyer_org_id, buyer_user_id, quantity FROM seat_holds WHERE id = ?',
        [order.holdId],
      );
      expect({ ...rows[0] }).toEqual({ buyer_org_id: null, buyer_user_id: loner.userId, quantity: 2 });
      expect(await holdOf(order.holdId, loner)).toEqual({
        id: order.holdId,
        showId,
        quantity: 2,
        amountTotal: 3000,
        currency: 'eur',
        status: 'held',
        expiresAt: expect.any(String),
        releaseReason: null,
        ticketIds: [],
      });
    });

    it('issues the paid order’s tickets to the person, and shows the order paid with them', async () => {
      // Prepare
      const showId = await insertShow();

      // Act
      const order = await buyAndPay(showId, member, 2);

      // Assess
      const hold = await holdOf(order.holdId, member);
      expect(hold.status).toBe('paid');
      expect(hold.ticketIds).toHaveLength(2);
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT holder_org_id, holder_user_id FROM tickets WHERE hold_id = ? ORDER BY seat',
        [order.holdId],
      );
      // The person's, not their active organisation's.
      expect(rows.map((row) => ({ ...row }))).toEqual([
        { holder_org_id: null, holder_user_id: member.userId },
        { holder_org_id: null, holder_user_id: member.userId },
      ]);
      const [events] = await db.pool.query<RowDataPacket[]>(
        "SELECT payload FROM outbox WHERE event_type = 'tickets.issued' AND aggregate_id = ?",
        [order.holdId],
      );
      expect(JSON.parse(String(events[0]?.payload))).toMatchObject({
        holderOrgId: null,
        holderUserId: member.userId,
      });
    });

    it('shows an order to its buyer only: another person and the person’s organisation get 404', async () => {
      const showId = await insertShow();
      const order = await buyAndPay(showId, member);

      for (const who of [loner, memberOrg, moderator]) {
        const response = await call(`/holds/${order.holdId}`, who);
        expect(response.status).toBe(404);
      }
      expect((await call('/holds/not-an-id', member)).status).toBe(400);
    });

    it('keeps API keys buying for their organisation, returning to the deployment’s URLs', async () => {
      const showId = await insertShow();

      const order = await buyAndPay(showId, boxOffice);

      expect(stripe.session(order.sessionId)?.success_url).toBe(
        `https://box-office.test/paid?hold=${order.holdId}`,
      );
      const [rows] = await db.pool.query<RowDataPacket[]>(
        'SELECT holder_org_id, holder_user_id FROM tickets WHERE hold_id = ?',
        [order.holdId],
      );
      expect({ ...rows[0] }).toEqual({ holder_org_id: boxOffice.orgId, holder_user_id: null });
      expect((await holdOf(order.holdId, boxOffice)).status).toBe('paid');
    });

    it('says released and expired for an order whose time ran out', async () => {
      const showId = await insertShow();
      const response = await post(`/shows/${showId}/checkout`, loner, { quantity: 1 });
      const { holdId } = (await response.json()) as { holdId: string };
      await db.pool.query('UPDATE seat_holds SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?', [
        holdId,
      ]);

      expect(await holdOf(holdId, loner)).toMatchObject({ status: 'released', releaseReason: 'expired' });
    });
  });

  describe('Method: the person’s tickets', () => {
    it('lists the person’s own tickets with the show’s title and start, and gives each its code', async () => {
      // Prepare
      const who = await person('Dora Lister');
      const showId = await insertShow({ startsAt: '2031-06-01 18:00:00' });
      const order = await buyAndPay(showId, who, 2);
      await buyAndPay(showId, boxOffice);

      // Act
      const list = await call('/tickets', who);
      const one = await call(`/tickets/${(await holdOf(order.holdId, who)).ticketIds[0]}`, who);

      // Assess
      expect(list.status).toBe(200);
      const { items } = (await list.json()) as { items: TicketView[] };
      expect(items).toHaveLength(2);
      for (const item of items) {
        expect(item).toMatchObject({
          showId,
          showTitle: `Show ${showId.slice(-6)}`,
          showStartsAt: '2031-06-01T18:00:00.000Z',
          status: 'valid',
          holderOrgId: null,
        });
      }
      const ticket = (await one.json()) as TicketView;
      expect(verifyTicketCode(ticket.code as string, [TICKET_KEY])).toMatchObject({
        ok: true,
        ticketId: ticket.id,
      });
      // Not anyone else's: another person, the box office's key.
      expect((await call(`/tickets/${ticket.id}`, loner)).status).toBe(404);
      expect((await call(`/tickets/${ticket.id}`, boxOffice)).status).toBe(404);
      const boxOfficeTickets = (await (await call('/tickets', boxOffice)).json()) as { items: TicketView[] };
      expect(boxOfficeTickets.items.map((t) => t.id)).not.toContain(ticket.id);
    });

    it('lets both the person and the organisation see a ticket migrated from a one-member viewer organisation', async () => {
      // Prepare: a pre-0013 order of memberOrg, as migration 0013 leaves it (both holders).
      const showId = await insertShow();
      const holdId = newId();
      await db.pool.query(
        `INSERT INTO seat_holds (id, show_id, buyer_org_id, buyer_user_id, quantity, amount_total, currency, status, expires_at)
         VALUES (?, ?, ?, ?, 1, 1500, 'eur', 'paid', NOW(3))`,
        [holdId, showId, memberOrg.orgId, member.userId],
      );
      const ticketId = newId();
      await db.pool.query(
        'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, holder_user_id, seat) VALUES (?, ?, ?, ?, ?, 1)',
        [ticketId, showId, holdId, memberOrg.orgId, member.userId],
      );

      // Act + Assess
      expect((await call(`/tickets/${ticketId}`, member)).status).toBe(200);
      expect((await call(`/tickets/${ticketId}`, memberOrg)).status).toBe(200);
      expect((await holdOf(holdId, member)).ticketIds).toEqual([ticketId]);
      expect((await holdOf(holdId, memberOrg)).ticketIds).toEqual([ticketId]);
    });
  });

  describe('Method: playback and chat', () => {
    it('plays a person’s ticket and gives them a viewer chat token with the contract’s claims', async () => {
      // Prepare
      const who = await person('Elio Viewer');
      const showId = await insertShow({ videoId: await insertReadyVideo() });
      const order = await buyAndPay(showId, who);
      const [ticketId] = (await holdOf(order.holdId, who)).ticketIds;

      // Act
      const playback = await post(`/shows/${showId}/playback`, who);
      const chat = await post(`/shows/${showId}/chat-token`, who);

      // Assess
      expect(playback.status).toBe(200);
      expect(new URL(((await playback.json()) as { url: string }).url).pathname).toContain('/master.m3u8');
      expect(chat.status).toBe(200);
      const body = (await chat.json()) as { token: string; uid: string; role: string; chat: unknown };
      expect(body).toMatchObject({
        uid: `u_${who.userId}`,
        role: 'viewer',
        chat: { transport: 'websocket', url: CHAT_URL },
      });
      expect(claimsOf(body.token)).toMatchObject({
        uid: `u_${who.userId}`,
        claims: { showId, ticketId, role: 'viewer', name: 'Elio Viewer' },
      });
    });

    it('lets the show’s own organisation watch without a ticket (no grant in the token), and no other creator', async () => {
      // Prepare
      const showId = await insertShow({ videoId: await insertReadyVideo() });
      const otherCreator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });

      // Act
      const asMember = await post(`/shows/${showId}/playback`, moderator);
      const asKey = await post(`/shows/${showId}/playback`, creator);
      const asOther = await post(`/shows/${showId}/playback`, otherCreator);

      // Assess: /t/<exp>_<sig>/ — two parts, no ticket between them
      expect(asMember.status).toBe(200);
      const token = /\/t\/([^/]+)\//.exec(((await asMember.json()) as { url: string }).url)?.[1] ?? '';
      expect(token.split('_')).toHaveLength(2);
      expect(asKey.status).toBe(200);
      expect(asOther.status).toBe(403);
      expect(((await asOther.json()) as { code: string }).code).toBe('no_valid_ticket');
    });

    it('refuses a person without a ticket, and a ticket of the organisation to its member', async () => {
      const showId = await insertShow({ videoId: await insertReadyVideo() });
      await buyAndPay(showId, memberOrg);

      for (const who of [loner, member]) {
        for (const path of ['playback', 'chat-token']) {
          const response = await post(`/shows/${showId}/${path}`, who);
          expect(response.status).toBe(403);
          expect(((await response.json()) as { code: string }).code).toBe('no_valid_ticket');
        }
      }
      // The organisation's key still plays it.
      expect((await post(`/shows/${showId}/playback`, memberOrg)).status).toBe(200);
    });

    it('makes the show’s organisation moderators without a ticket: its members and its keys', async () => {
      const showId = await insertShow();

      const asMember = await post(`/shows/${showId}/chat-token`, moderator);
      const asKey = await post(`/shows/${showId}/chat-token`, creator);

      expect(asMember.status).toBe(200);
      const member = (await asMember.json()) as { token: string; uid: string; role: string };
      expect(member).toMatchObject({ uid: `u_${moderator.userId}`, role: 'moderator' });
      expect(claimsOf(member.token).claims).toEqual({
        showId,
        ticketId: null,
        role: 'moderator',
        name: 'Carla Creator',
      });
      expect(asKey.status).toBe(200);
      const key = (await asKey.json()) as { token: string; uid: string; role: string };
      expect(key).toMatchObject({ uid: `o_${creator.orgId}`, role: 'moderator' });
      expect(claimsOf(key.token).claims).toMatchObject({
        ticketId: null,
        role: 'moderator',
        name: creatorName,
      });
    });

    it('does not make another organisation’s creator a moderator', async () => {
      const otherCreator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
      const showId = await insertShow();

      const response = await post(`/shows/${showId}/chat-token`, otherCreator);

      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('no_valid_ticket');
    });
  });

  describe('organisation keys and the person’s own scopes', () => {
    it('refuses API-key routes to a person signed in without an organisation', async () => {
      const listed = await call('/api-keys', loner);
      const made = await post('/api-keys', loner, { name: 'mine', scopes: ['tickets:buy'] });

      expect(listed.status).toBe(403);
      expect(made.status).toBe(403);
      expect(((await made.json()) as { detail: string }).detail).toMatch(/without one/);
    });

    it('does not let a creator hand their own ticket scopes to the organisation’s keys', async () => {
      const withTickets = await post('/api-keys', moderator, { name: 'box', scopes: ['tickets:buy'] });
      const ownScopes = await post('/api-keys', moderator, { name: 'studio', scopes: ['shows:write'] });

      expect(withTickets.status).toBe(403);
      expect(ownScopes.status).toBe(201);
    });

    it('lets a viewer organisation’s member make a key with ticket scopes (the kind grants them)', async () => {
      const made = await post('/api-keys', member, { name: 'box office', scopes: ['tickets:read'] });

      expect(made.status).toBe(201);
    });
  });

  it('refuses a session that names no person’s organisation membership any more', async () => {
    // A member removed from their organisation: the session stays live until revoked, and admits nothing.
    const orgId = newId();
    await insertOrganisation(db.pool, { id: orgId, name: 'Gone', kind: 'viewer' });
    const gone = await person('Gino Gone', { orgId, role: 'viewer' });
    await db.pool.query('DELETE FROM memberships WHERE user_id = ?', [gone.userId]);

    expect((await call('/tickets', gone)).status).toBe(401);
  });
});
