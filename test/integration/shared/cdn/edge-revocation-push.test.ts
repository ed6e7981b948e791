import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createFastlyRevocationList, RevocationPushError } from '#shared/cdn/revocation-list.ts';
import { pushRevocations } from '#shared/cdn/revocation-push.ts';
import { liveRevocationCount, recordRevokedGrants } from '#shared/cdn/revocation-repository.ts';
import { withTransaction } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type RunningLocalEdge, startLocalEdge } from '../../../../infra/local/edge/edge.ts';
import {
  type BatchItem,
  LOCAL_REVOCATION_DICTIONARY_ID,
} from '../../../../infra/local/edge/revocation-list-api.ts';

const SERVICE_ID = 'PushTestService';
const TOKEN = randomBytes(16).toString('hex');

/**
 * The revocation pusher against MariaDB and the local edge's Fastly dictionary API: what is
 * recorded with a revocation's transaction, what each pass sends, and how the list stays bounded.
 */
describe('Function logic: pushRevocations', () => {
  let db: TestDatabase;
  let edge: RunningLocalEdge;

  const list = (token = TOKEN) =>
    createFastlyRevocationList({
      apiBase: edge.url,
      serviceId: SERVICE_ID,
      dictionaryId: LOCAL_REVOCATION_DICTIONARY_ID,
      apiToken: token,
      timeoutMs: 5000,
    });
  const push = (options: { batch?: number; resyncSeconds?: number } = {}) =>
    pushRevocations(db.pool, list(), {
      batch: options.batch ?? 500,
      resyncSeconds: options.resyncSeconds ?? 300,
    });

  async function record(count: number, reason = 'refunded'): Promise<string[]> {
    const ids = Array.from({ length: count }, () => newId());
    await withTransaction(db.pool, (connection) =>
      recordRevokedGrants(connection, { kind: 'ticket', grantIds: ids, reason }),
    );
    return ids;
  }

  const rows = async (sql: string, params: unknown[] = []) =>
    (await db.pool.query<RowDataPacket[]>(sql, params))[0];

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'edge_revocation_push');
    edge = await startLocalEdge({
      // The pusher never reads media; an unreachable store proves it.
      store: createS3ObjectStore({
        endpoint: 'http://127.0.0.1:9',
        region: 'local-1',
        accessKeyId: 'unused',
        secretAccessKey: 'unused',
      }),
      bucket: 'media',
      tokenKeys: [randomBytes(32)],
      serviceId: SERVICE_ID,
      apiToken: TOKEN,
    });
  });
  afterAll(async () => {
    await edge?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await db.pool.query('DELETE FROM edge_revocations');
    const stale = edge.revoked.entries().map(([key]): BatchItem => ({ op: 'delete', item_key: key }));
    if (stale.length > 0) edge.revoked.applyBatch(stale);
  });

  it('records nothing when the revoking transaction rolls back', async () => {
    // Act
    const grantId = newId();
    await withTransaction(db.pool, async (connection) => {
      await recordRevokedGrants(connection, { kind: 'ticket', grantIds: [grantId], reason: 'disputed' });
      throw new Error('the revocation failed');
    }).catch(() => undefined);

    // Assess
    expect(await rows('SELECT grant_id FROM edge_revocations')).toEqual([]);
  });

  it('pushes new revocations once, with their keep-until, and not again before the resync', async () => {
    // Prepare
    const ids = await record(3);

    // Act
    const first = await push();
    const second = await push();

    // Assess
    expect(first).toEqual({ pushed: 3, removed: 0, busy: false });
    expect(second).toEqual({ pushed: 0, removed: 0, busy: false });
    const keepUntil = await rows(
      'SELECT grant_id, UNIX_TIMESTAMP(keep_until) AS until FROM edge_revocations',
    );
    expect(new Map(edge.revoked.entries())).toEqual(
      new Map(keepUntil.map((row) => [String(row.grant_id), String(Math.floor(Number(row.until)))])),
    );
    expect(ids.every((id) => edge.revoked.has(id))).toBe(true);
  });

  it('pushes a live revocation again after the resync interval (an edge that lost its list relearns it)', async () => {
    // Prepare
    const [id] = (await record(1)) as [string];
    await push();
    edge.revoked.applyBatch([{ op: 'delete', item_key: id }]);
    await db.pool.query('UPDATE edge_revocations SET pushed_at = NOW(3) - INTERVAL 20 SECOND');

    // Act
    const resynced = await push({ resyncSeconds: 10 });

    // Assess
    expect(resynced.pushed).toBe(1);
    expect(edge.revoked.has(id)).toBe(true);
  });

  it('sends at most one batch per pass, oldest first, and catches up on the next passes', async () => {
    // Prepare
    await record(25);

    // Act
    const passes = [await push({ batch: 10 }), await push({ batch: 10 }), await push({ batch: 10 })];

    // Assess
    expect(passes.map((pass) => pass.pushed)).toEqual([10, 10, 5]);
    expect(edge.revoked.size).toBe(25);
  });

  it('removes expired revocations from the edge and the database; one never pushed only here', async () => {
    // Prepare
    const [pushed, kept] = (await record(2)) as [string, string];
    await push();
    const [neverPushed] = (await record(1)) as [string];
    await db.pool.query(
      'UPDATE edge_revocations SET keep_until = NOW(3) - INTERVAL 1 SECOND WHERE grant_id IN (?)',
      [[pushed, neverPushed]],
    );

    // Act
    const pass = await push();

    // Assess
    expect(pass).toEqual({ pushed: 0, removed: 2, busy: false });
    expect(edge.revoked.has(pushed)).toBe(false);
    expect(edge.revoked.has(neverPushed)).toBe(false);
    expect(edge.revoked.has(kept)).toBe(true);
    expect((await rows('SELECT grant_id FROM edge_revocations')).map((row) => row.grant_id)).toEqual([kept]);
    expect(await liveRevocationCount(db.pool)).toBe(1);
  });

  it('counts a refused push on the rows and throws it; nothing is marked pushed', async () => {
    // Prepare
    const [id] = (await record(1)) as [string];

    // Act
    const failure = await pushRevocations(db.pool, list('not the token'), {
      batch: 10,
      resyncSeconds: 300,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toBeInstanceOf(RevocationPushError);
    expect(failure).toMatchObject({ failure: 'auth', httpStatus: 401, retryable: false });
    expect(
      await rows('SELECT pushed_at, push_failures FROM edge_revocations WHERE grant_id = ?', [id]),
    ).toEqual([{ pushed_at: null, push_failures: 1 }]);
    expect(edge.revoked.has(id)).toBe(false);
  });

  it('lets one pusher at a time work; the other reports busy and changes nothing', async () => {
    // Prepare
    await record(5);

    // Act
    const passes = await Promise.all([push(), push(), push()]);

    // Assess
    expect(passes.reduce((sum, pass) => sum + pass.pushed, 0)).toBe(5);
    expect(edge.revoked.size).toBe(5);
  });
});
