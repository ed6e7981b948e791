import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { edgeRevocationsManifest } from '#functions/edge-revocations/manifest.ts';
import { recordRevokedGrants } from '#shared/cdn/revocation-repository.ts';
import { CHAT_CLOSE } from '#shared/chat/protocol.ts';
import { newId } from '#shared/ids.ts';
import { chatToken, connectChat, testServiceAccount } from '#test/support/chat-helpers.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { type RunningLocalChatServer, startLocalChatServer } from '../../../../infra/local/chat/server.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { Scheduler, scheduledCalls } from '../../../../infra/local/scheduler.ts';

const PORTAL = 'http://127.0.0.1:8082';
const ADMIN_TOKEN = 'chat-revocation-admin-token-0123456789';
/** The local bound: the scheduler ticks edge-revocations every 2 s; a busy machine gets slack. */
const LOCAL_BOUND_MS = 15_000;

/**
 * Revocation reaches the chat: whatever revokes a ticket writes it to edge_revocations in its
 * transaction; the edge-revocations function (ticked every 2 s, as the local cloud does) tells the
 * chat through the port's local adapter, and the chat server closes the holder's socket with
 * reason `revoked` and refuses them from then on.
 */
describe('Revocation reaches the chat (edge-revocations → chat port → local chat server)', () => {
  const account = testServiceAccount();
  let db: TestDatabase;
  let chat: RunningLocalChatServer;
  let runner: FnRunner;
  let scheduler: Scheduler;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'chat_revocation');
    chat = await startLocalChatServer({
      serviceAccount: account,
      adminToken: ADMIN_TOKEN,
      allowedOrigins: [PORTAL],
    });
    runner = new FnRunner([
      functionFromSource(
        'edge-revocations',
        {
          MYSQL_URL: db.url,
          CDN_BACKEND: 'none',
          CHAT_BACKEND: 'local',
          CHAT_ADMIN_URL: chat.url,
          CHAT_ADMIN_TOKEN: ADMIN_TOKEN,
        },
        { timeoutSeconds: 30 },
      ),
    ]);
    scheduler = new Scheduler({ runner, calls: scheduledCalls([edgeRevocationsManifest]) });
    scheduler.start();
  }, 120_000);

  afterAll(async () => {
    await scheduler?.close();
    await runner?.close();
    await chat?.close();
    await db?.drop();
  });

  async function revoke(ticketIds: string[]): Promise<void> {
    const connection = await db.pool.getConnection();
    try {
      await recordRevokedGrants(connection, { kind: 'ticket', grantIds: ticketIds, reason: 'refund' });
    } finally {
      connection.release();
    }
  }

  it('closes the revoked holder’s socket within the local bound, refuses a reconnect, keeps the others', async () => {
    // Prepare
    const showId = newId();
    const ticketId = newId();
    const holder = await connectChat(chat.websocketUrl, PORTAL);
    holder.send({ type: 'hello', showId, token: chatToken(account, { showId, ticketId, role: 'viewer' }) });
    await holder.next('welcome');
    const other = await connectChat(chat.websocketUrl, PORTAL);
    other.send({
      type: 'hello',
      showId,
      token: chatToken(account, { showId, ticketId: newId(), role: 'viewer' }),
    });
    await other.next('welcome');

    // Act
    const started = Date.now();
    await revoke([ticketId]);
    const closed = await Promise.race([
      holder.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('not removed in time')), LOCAL_BOUND_MS),
      ),
    ]);
    const ms = Date.now() - started;

    // Assess
    expect(closed).toEqual({ code: CHAT_CLOSE.revoked.code, reason: 'revoked' });
    expect(ms).toBeLessThan(LOCAL_BOUND_MS);
    console.log(`chat removal after revocation: ${ms} ms`);
    const again = await connectChat(chat.websocketUrl, PORTAL);
    again.send({ type: 'hello', showId, token: chatToken(account, { showId, ticketId, role: 'viewer' }) });
    expect((await again.closed).reason).toBe('revoked');
    other.send({ type: 'send', text: 'still here' });
    expect((await other.next('message')).message.text).toBe('still here');
    // The row is marked pushed once both sinks answered: the chat closes the socket first.
    await expect
      .poll(
        async () =>
          (
            await db.pool.query<RowDataPacket[]>(
              'SELECT pushed_at IS NOT NULL AS pushed, push_failures FROM edge_revocations WHERE grant_id = ?',
              [ticketId],
            )
          )[0][0],
        { timeout: 15_000, interval: 100 },
      )
      .toEqual({ pushed: 1, push_failures: 0 });
    other.close();
  }, 60_000);

  it('keeps a revocation the chat refused unacknowledged, the failure counted for a later pass (and the token never logged)', async () => {
    // Prepare: a second pusher whose chat refuses its token (an operator's mistake), with its own database.
    const lonely = await createTestDatabase(inject('mysqlUrl'), 'chat_revocation_refused');
    const refused = new FnRunner([
      functionFromSource(
        'edge-revocations',
        {
          MYSQL_URL: lonely.url,
          CDN_BACKEND: 'none',
          CHAT_BACKEND: 'local',
          CHAT_ADMIN_URL: chat.url,
          CHAT_ADMIN_TOKEN: 'a-token-the-chat-does-not-know',
        },
        { timeoutSeconds: 30 },
      ),
    ]);
    const refusedScheduler = new Scheduler({
      runner: refused,
      calls: scheduledCalls([edgeRevocationsManifest]),
      autoStart: false,
    });
    try {
      const ticketId = newId();
      const connection = await lonely.pool.getConnection();
      try {
        await recordRevokedGrants(connection, { kind: 'ticket', grantIds: [ticketId], reason: 'dispute' });
      } finally {
        connection.release();
      }

      // Act
      await refusedScheduler.runNow(edgeRevocationsManifest.name);

      // Assess
      const [row] = (
        await lonely.pool.query<RowDataPacket[]>(
          'SELECT pushed_at IS NOT NULL AS pushed, push_failures, last_error FROM edge_revocations WHERE grant_id = ?',
          [ticketId],
        )
      )[0];
      expect(row).toMatchObject({ pushed: 0, push_failures: 1 });
      expect(String(row?.last_error)).toMatch(/chat: The chat refused the credentials/);
      expect(String(row?.last_error)).not.toContain('a-token-the-chat-does-not-know');
    } finally {
      await refusedScheduler.close();
      await refused.close();
      await lonely.drop();
    }
  }, 60_000);
});
