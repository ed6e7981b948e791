import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { showAccessManifest } from '#functions/show-access/manifest.ts';
import { ticketsManifest } from '#functions/tickets/manifest.ts';
import { verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import { newId } from '#shared/ids.ts';
import { FIREBASE_CUSTOM_TOKEN_AUDIENCE } from '#shared/shows/firebase-token.ts';
import { signTicketCode, verifyTicketCode } from '#shared/shows/ticket-code.ts';
import { insertVideo } from '#shared/video/video-repository.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionUnderTest } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

const TICKET_KEY = randomBytes(32);
const RETIRING_TICKET_KEY = randomBytes(32);
const EDGE_KEY = randomBytes(32);
const EDGE_BASE_URL = 'https://media.forgecast.test';
const PLAYBACK_TTL_SECONDS = 600;
const CHAT_TTL_SECONDS = 1800;
const FIREBASE_KEYS = generateKeyPairSync('rsa', { modulusLength: 2048 });
const FIREBASE_CLIENT_EMAIL = 'chat@forgecast-test.iam.gserviceaccount.com';

interface Org {
  orgId: string;
  key: string;
}

interface TicketView {
  id: string;
  status: 'valid' | 'checked_in' | 'revoked';
  seat: number;
  holderOrgId: string;
  show: { id: string; title: string; startsAt: string; status: string };
  checkedInAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  code?: string | null;
}

interface Problem {
  type: string;
  status: number;
  code?: string;
  checkedInAt?: string;
}

/** The tickets and show-access functions behind the real gateway and authorizer, on MariaDB. */
describe('Functions: tickets and show-access', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: Org;
  let otherCreator: Org;
  let viewer: Org;
  let otherViewer: Org;
  let readOnlyViewer: Org;

  const call = (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  const post = (path: string, key: string, body?: unknown) =>
    call(path, key, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function problemOf(response: Response): Promise<Problem> {
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return (await response.json()) as Problem;
  }

  async function insertShow(
    orgId: string,
    options: { videoId?: string; title?: string; status?: 'on_sale' | 'cancelled' } = {},
  ): Promise<string> {
    const id = newId();
    await db.pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, seats_sold, price_amount, currency, video_id, status)
       VALUES (?, ?, ?, '2031-05-01 19:30:00', 100, 1, 1500, 'eur', ?, ?)`,
      [
        id,
        orgId,
        options.title ?? `Show ${id.slice(-6)}`,
        options.videoId ?? null,
        options.status ?? 'on_sale',
      ],
    );
    return id;
  }

  /** A paid order of `seats` seats and its tickets, as fulfilment writes them. */
  // Tickets list newest first by id; ids made in the same millisecond would sort at random.
  let ticketClock = Date.now();
  async function insertTickets(showId: string, holderOrgId: string, seats = 1): Promise<string[]> {
    const holdId = newId();
    await db.pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status,
         checkout_session_id, payment_status, expires_at, paid_at)
       VALUES (?, ?, ?, ?, ?, 'eur', 'paid', ?, 'paid', NOW(3) + INTERVAL 30 MINUTE, NOW(3))`,
      [holdId, showId, holderOrgId, seats, 1500 * seats, `cs_test_${holdId}`],
    );
    const ids: string[] = [];
    for (let seat = 1; seat <= seats; seat += 1) {
      ticketClock = Math.max(ticketClock + 1, Date.now());
      const id = newId(ticketClock);
      await db.pool.query(
        'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, seat) VALUES (?, ?, ?, ?, ?)',
        [id, showId, holdId, holderOrgId, seat],
      );
      ids.push(id);
    }
    return ids;
  }

  async function insertReadyVideo(orgId: string, status = 'ready'): Promise<string> {
    const id = newId();
    await insertVideo(db.pool, {
      id,
      orgId,
      title: 'Concert',
      contentType: 'video/mp4',
      declaredBytes: 1000,
    });
    await db.pool.query(
      "UPDATE video_assets SET status = ?, media_prefix = IF(? = 'ready', ?, NULL) WHERE id = ?",
      [status, status, `videos/${id}/v2/`, id],
    );
    return id;
  }

  async function ticketRow(id: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM tickets WHERE id = ?', [id]);
    return rows[0];
  }

  async function revokedEvents(ticketId: string) {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      "SELECT payload FROM outbox WHERE event_type = 'tickets.revoked' AND aggregate_id = ?",
      [ticketId],
    );
    return rows.map((row) => JSON.parse(row.payload as string) as Record<string, unknown>);
  }

  async function codeOf(ticketId: string, holder: Org = viewer): Promise<string> {
    const response = await call(`/tickets/${ticketId}`, holder.key);
    expect(response.status).toBe(200);
    const ticket = (await response.json()) as TicketView;
    return ticket.code as string;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'tickets_access');
    creator = await createOrgWithKey(db.pool, ['shows:write', 'videos:write'], { kind: 'creator' });
    otherCreator = await createOrgWithKey(db.pool, ['shows:write'], { kind: 'creator' });
    viewer = await createOrgWithKey(db.pool, ['tickets:read', 'tickets:buy'], { kind: 'viewer' });
    otherViewer = await createOrgWithKey(db.pool, ['tickets:buy'], { kind: 'viewer' });
    readOnlyViewer = await createOrgWithKey(db.pool, ['tickets:read'], { kind: 'viewer' });
    const serviceAccount = JSON.stringify({
      type: 'service_account',
      client_email: FIREBASE_CLIENT_EMAIL,
      private_key: FIREBASE_KEYS.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    runner = new FnRunner([
      functionUnderTest('tickets', {
        MYSQL_URL: db.url,
        TICKET_CODE_KEY: `${TICKET_KEY.toString('hex')},${RETIRING_TICKET_KEY.toString('base64url')}`,
      }),
      functionUnderTest('show-access', {
        MYSQL_URL: db.url,
        EDGE_BASE_URL,
        EDGE_TOKEN_KEYS: EDGE_KEY.toString('hex'),
        PLAYBACK_TTL_SECONDS: String(PLAYBACK_TTL_SECONDS),
        FIREBASE_SERVICE_ACCOUNT_JSON: serviceAccount,
        CHAT_TOKEN_TTL_SECONDS: String(CHAT_TTL_SECONDS),
      }),
      bundledFunction(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }),
    ]);
    gateway = await startGateway({
      runner,
      routes: routesOf(ticketsManifest, showAccessManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Method: list and read tickets', () => {
    it('lists the caller’s own tickets newest first with the show and their state, page by page', async () => {
      // Prepare
      const showA = await insertShow(creator.orgId, { title: 'Matinee' });
      const showB = await insertShow(creator.orgId, { title: 'Late show' });
      const [first, second] = (await insertTickets(showA, readOnlyViewer.orgId, 2)) as [string, string];
      const [third] = (await insertTickets(showB, readOnlyViewer.orgId)) as [string];
      await insertTickets(showA, otherViewer.orgId);
      await db.pool.query("UPDATE tickets SET status = 'revoked', revoked_at = NOW(3) WHERE id = ?", [first]);
      await db.pool.query('UPDATE tickets SET checked_in_at = NOW(3) WHERE id = ?', [second]);

      // Act
      const page1 = await call('/tickets?limit=2', readOnlyViewer.key);
      const body1 = (await page1.json()) as { items: TicketView[]; nextCursor: string | null };
      const page2 = await call(`/tickets?limit=2&cursor=${body1.nextCursor}`, readOnlyViewer.key);
      const body2 = (await page2.json()) as { items: TicketView[]; nextCursor: string | null };
      const onlyB = (await (await call(`/tickets?showId=${showB}`, readOnlyViewer.key)).json()) as {
        items: TicketView[];
      };

      // Assess
      expect(page1.status).toBe(200);
      expect(page1.headers.get('cache-control')).toBe('private, no-store');
      expect([...body1.items, ...body2.items].map((t) => t.id)).toEqual([third, second, first]);
      expect(body2.nextCursor).toBeNull();
      expect(body1.items[0]).toMatchObject({
        id: third,
        status: 'valid',
        seat: 1,
        holderOrgId: readOnlyViewer.orgId,
        show: { id: showB, title: 'Late show', startsAt: '2031-05-01T19:30:00.000Z', status: 'on_sale' },
        checkedInAt: null,
        revokedAt: null,
      });
      expect(body1.items[0]).not.toHaveProperty('code');
      expect(body1.items[1]).toMatchObject({ id: second, status: 'checked_in', seat: 2 });
      expect(body2.items[0]).toMatchObject({ id: first, status: 'revoked' });
      expect(onlyB.items.map((t) => t.id)).toEqual([third]);
    });

    it('gives the holder a signed code for a valid ticket, and none once it is revoked', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId, revokedId] = (await insertTickets(show, viewer.orgId, 2)) as [string, string];
      await db.pool.query("UPDATE tickets SET status = 'revoked', revoked_at = NOW(3) WHERE id = ?", [
        revokedId,
      ]);

      // Act
      const response = await call(`/tickets/${ticketId}`, viewer.key);
      const revoked = (await (await call(`/tickets/${revokedId}`, viewer.key)).json()) as TicketView;

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const ticket = (await response.json()) as TicketView;
      expect(ticket).toMatchObject({ id: ticketId, status: 'valid', show: { id: show } });
      expect(ticket.code).toBe(signTicketCode(ticketId, [TICKET_KEY]));
      expect(verifyTicketCode(ticket.code as string, [TICKET_KEY])).toEqual({ ok: true, ticketId });
      expect(revoked).toMatchObject({ status: 'revoked', code: null });
    });

    it('answers 404 for another organisation’s ticket and 400 for a malformed id', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];

      // Act
      const foreign = await call(`/tickets/${ticketId}`, otherViewer.key);
      const malformed = await call('/tickets/not-a-ticket', viewer.key);

      // Assess
      expect(foreign.status).toBe(404);
      expect((await problemOf(foreign)).type).toBe('https://forgecast.dev/problems/not-found');
      expect(malformed.status).toBe(400);
      expect((await problemOf(malformed)).type).toBe('https://forgecast.dev/problems/validation');
    });

    it('refuses a creator key at the gateway (scope)', async () => {
      const response = await call('/tickets', creator.key);
      expect(response.status).toBe(403);
      expect((await problemOf(response)).type).toBe('https://forgecast.dev/problems/forbidden');
    });
  });

  describe('Method: check-in', () => {
    it('admits a genuine code once; a second scan is 409 already_checked_in', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const code = await codeOf(ticketId);

      // Act
      const first = await post('/tickets/check-in', creator.key, { code: `${code}\n`, showId: show });
      const second = await post('/tickets/check-in', creator.key, { code });

      // Assess
      expect(first.status).toBe(200);
      const admitted = (await first.json()) as TicketView;
      expect(admitted).toMatchObject({ id: ticketId, status: 'checked_in', show: { id: show } });
      expect(second.status).toBe(409);
      const problem = await problemOf(second);
      expect(problem).toMatchObject({
        type: 'https://forgecast.dev/problems/already-checked-in',
        code: 'already_checked_in',
        checkedInAt: admitted.checkedInAt,
      });
      expect((await ticketRow(ticketId))?.checked_in_at).toEqual(new Date(admitted.checkedInAt as string));
    });

    it('admits one of eight scanners reading the same code at once', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const code = await codeOf(ticketId);

      // Act
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => post('/tickets/check-in', creator.key, { code })),
      );

      // Assess
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      for (const response of responses.filter((r) => r.status === 409)) {
        expect((await problemOf(response)).code).toBe('already_checked_in');
      }
    });

    it('accepts a code signed with the retiring key', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];

      // Act
      const response = await post('/tickets/check-in', creator.key, {
        code: signTicketCode(ticketId, [RETIRING_TICKET_KEY]),
      });

      // Assess
      expect(response.status).toBe(200);
    });

    it('refuses forged, tampered and malformed codes with their codes, and admits nobody', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const genuine = await codeOf(ticketId);
      const forged = signTicketCode(ticketId, [randomBytes(32)]);
      const last = genuine.at(-2) === 'A' ? 'B' : 'A';
      const tampered = `${genuine.slice(0, -2)}${last}${genuine.at(-1)}`;
      const otherId = newId();
      const swappedId = genuine.replace(ticketId, otherId);

      // Act
      const responses = await Promise.all(
        [forged, tampered, swappedId, 'FCT1.nonsense', 'hello'].map((code) =>
          post('/tickets/check-in', creator.key, { code }),
        ),
      );

      // Assess
      const problems = await Promise.all(
        responses.map(async (r) => ({ ...(await problemOf(r)), httpStatus: r.status })),
      );
      expect(problems.map((p) => [p.httpStatus, p.code])).toEqual([
        [403, 'invalid_ticket_code'],
        [403, 'invalid_ticket_code'],
        [403, 'invalid_ticket_code'],
        [400, 'malformed_ticket_code'],
        [400, 'malformed_ticket_code'],
      ]);
      expect((await ticketRow(ticketId))?.checked_in_at).toBeNull();
    });

    it('refuses a ticket of another creator’s show (403) and of another show at this door (409)', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const otherShow = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const code = await codeOf(ticketId);

      // Act
      const foreign = await post('/tickets/check-in', otherCreator.key, { code });
      const wrongDoor = await post('/tickets/check-in', creator.key, { code, showId: otherShow });

      // Assess
      expect(foreign.status).toBe(403);
      expect((await problemOf(foreign)).code).toBe('not_your_show');
      expect(wrongDoor.status).toBe(409);
      expect((await problemOf(wrongDoor)).code).toBe('wrong_show');
      expect((await ticketRow(ticketId))?.checked_in_at).toBeNull();
    });

    it('refuses a viewer key at the gateway (scope)', async () => {
      const response = await post('/tickets/check-in', viewer.key, { code: 'x' });
      expect(response.status).toBe(403);
    });
  });

  describe('Method: revoke', () => {
    it('revokes for the show’s creator with one tickets.revoked event; the door then refuses it', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const code = await codeOf(ticketId);

      // Act
      const revoked = await post(`/tickets/${ticketId}/revoke`, creator.key, { reason: 'chargeback' });
      const again = await post(`/tickets/${ticketId}/revoke`, creator.key);
      const atTheDoor = await post('/tickets/check-in', creator.key, { code });

      // Assess
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({
        id: ticketId,
        status: 'revoked',
        revokedReason: 'chargeback',
      });
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ status: 'revoked', revokedReason: 'chargeback' });
      expect(await revokedEvents(ticketId)).toEqual([
        {
          ticketId,
          showId: show,
          holdId: expect.any(String),
          holderOrgId: viewer.orgId,
          holderUserId: null,
          reason: 'chargeback',
          revokedBy: creator.orgId,
        },
      ]);
      expect(atTheDoor.status).toBe(409);
      expect(await problemOf(atTheDoor)).toMatchObject({
        type: 'https://forgecast.dev/problems/ticket-revoked',
        code: 'ticket_revoked',
      });
      expect(await ticketRow(ticketId)).toMatchObject({ status: 'revoked', revoked_reason: 'chargeback' });
      // On the edge's revocation list from the same transaction, once.
      const [listed] = await db.pool.query<RowDataPacket[]>(
        'SELECT kind, reason, keep_until > NOW(3) + INTERVAL 3600 SECOND AS outlives_tokens FROM edge_revocations WHERE grant_id = ?',
        [ticketId],
      );
      expect(listed).toEqual([{ kind: 'ticket', reason: 'chargeback', outlives_tokens: 1 }]);
    });

    it('hides another creator’s ticket (404) and changes nothing', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];

      // Act
      const response = await post(`/tickets/${ticketId}/revoke`, otherCreator.key);

      // Assess
      expect(response.status).toBe(404);
      expect((await problemOf(response)).type).toBe('https://forgecast.dev/problems/not-found');
      expect((await ticketRow(ticketId))?.status).toBe('valid');
      expect(await revokedEvents(ticketId)).toEqual([]);
    });
  });

  describe('Method: playback', () => {
    it('gives a holder a short-lived edge URL for the master playlist that the edge accepts', async () => {
      // Prepare
      const videoId = await insertReadyVideo(creator.orgId);
      const show = await insertShow(creator.orgId, { videoId });
      const [ticketId] = (await insertTickets(show, viewer.orgId)) as [string];
      const before = Date.now();

      // Act
      const response = await post(`/shows/${show}/playback`, viewer.key);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const playback = (await response.json()) as { url: string; expiresAt: string };
      const url = new URL(playback.url);
      expect(url.origin).toBe(EDGE_BASE_URL);
      const verdict = verifyEdgeRequest(url.pathname, [EDGE_KEY], new Date());
      expect(verdict).toMatchObject({
        ok: true,
        assetId: videoId,
        objectPath: `videos/${videoId}/v2/master.m3u8`,
        // Bound to the ticket, so revoking it reaches the edge (playback-revocation.test.ts).
        grantId: ticketId,
      });
      const expiresAt = Date.parse(playback.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + PLAYBACK_TTL_SECONDS * 1000 - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + PLAYBACK_TTL_SECONDS * 1000);
      expect(verifyEdgeRequest(url.pathname, [EDGE_KEY], new Date(expiresAt + 1000))).toMatchObject({
        ok: false,
        status: 410,
      });
    });

    it('refuses a viewer without a ticket, with another show’s ticket, or with a revoked one', async () => {
      // Prepare
      const videoId = await insertReadyVideo(creator.orgId);
      const show = await insertShow(creator.orgId, { videoId });
      const otherShow = await insertShow(creator.orgId, { videoId });
      await insertTickets(otherShow, otherViewer.orgId);
      const [ticketId] = (await insertTickets(show, readOnlyViewer.orgId)) as [string];
      const beforeRevocation = await post(`/shows/${show}/playback`, readOnlyViewer.key);
      expect(beforeRevocation.status).toBe(200);
      expect((await post(`/tickets/${ticketId}/revoke`, creator.key)).status).toBe(200);

      // Act
      const responses = [
        await post(`/shows/${show}/playback`, otherViewer.key),
        await post(`/shows/${show}/playback`, readOnlyViewer.key),
        await post(`/shows/${show}/chat-token`, readOnlyViewer.key),
      ];

      // Assess
      for (const response of responses) {
        expect(response.status).toBe(403);
        expect(await problemOf(response)).toMatchObject({
          type: 'https://forgecast.dev/problems/no-valid-ticket',
          code: 'no_valid_ticket',
        });
      }
    });

    it('answers 409 not_ready while the video is not ready or when the show has none', async () => {
      // Prepare
      const transcoding = await insertReadyVideo(creator.orgId, 'transcoding');
      const showTranscoding = await insertShow(creator.orgId, { videoId: transcoding });
      const showWithoutVideo = await insertShow(creator.orgId);
      await insertTickets(showTranscoding, viewer.orgId);
      await insertTickets(showWithoutVideo, viewer.orgId);

      // Act
      const responses = [
        await post(`/shows/${showTranscoding}/playback`, viewer.key),
        await post(`/shows/${showWithoutVideo}/playback`, viewer.key),
      ];

      // Assess
      for (const response of responses) {
        expect(response.status).toBe(409);
        expect((await problemOf(response)).code).toBe('not_ready');
      }
    });

    it('answers 404 for a show that does not exist', async () => {
      const response = await post(`/shows/${newId()}/playback`, viewer.key);
      expect(response.status).toBe(404);
      expect((await problemOf(response)).type).toBe('https://forgecast.dev/problems/not-found');
    });
  });

  describe('Method: chat token', () => {
    it('gives a holder a Firebase custom token that the service account’s public key verifies', async () => {
      // Prepare
      const show = await insertShow(creator.orgId);
      const [ticketId] = (await insertTickets(show, otherViewer.orgId)) as [string];
      const before = Math.floor(Date.now() / 1000);

      // Act
      const response = await post(`/shows/${show}/chat-token`, otherViewer.key);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('private, no-store');
      const body = (await response.json()) as { token: string; uid: string; expiresAt: string };
      const [header, payload, signature] = body.token.split('.') as [string, string, string];
      expect(
        verify(
          'RSA-SHA256',
          Buffer.from(`${header}.${payload}`),
          FIREBASE_KEYS.publicKey,
          Buffer.from(signature, 'base64url'),
        ),
      ).toBe(true);
      expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toEqual({
        iss: FIREBASE_CLIENT_EMAIL,
        sub: FIREBASE_CLIENT_EMAIL,
        aud: FIREBASE_CUSTOM_TOKEN_AUDIENCE,
        iat: expect.any(Number),
        exp: (claims.iat as number) + CHAT_TTL_SECONDS,
        uid: `o_${otherViewer.orgId}`,
        claims: { showId: show, ticketId, role: 'viewer', name: `org ${otherViewer.orgId}` },
      });
      expect(claims.iat as number).toBeGreaterThanOrEqual(before);
      expect(body.uid).toBe(`o_${otherViewer.orgId}`);
      expect(Date.parse(body.expiresAt)).toBe(((claims.iat as number) + CHAT_TTL_SECONDS) * 1000);
    });
  });
});
