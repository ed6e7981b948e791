import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { withTransaction } from '#shared/db/pool.ts';
import { appendToOutbox, type DomainEvent, InvalidDomainEventError } from '#shared/outbox/outbox.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

describe('Function: appendToOutbox (MariaDB)', () => {
  let db: TestDatabase | undefined;
  const database = () => db as TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'outbox');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const rowsFor = async (aggregateId: string) => {
    const [rows] = await database().pool.query<RowDataPacket[]>(
      'SELECT aggregate_type, event_type, payload, created_at FROM outbox WHERE aggregate_id = ? ORDER BY seq',
      [aggregateId],
    );
    return rows;
  };

  it('stores a typed event with its occurredAt, and the database clock when it has none', async () => {
    // Prepare
    const occurredAt = new Date('2026-12-07T12:34:56.789Z');
    const payload = { videoId: 'v-outbox', code: 'unsupported_codec', reason: 'no video stream' };

    // Act
    await withTransaction(database().pool, async (connection) => {
      await appendToOutbox(connection, {
        type: 'video.failed',
        aggregateType: 'video',
        aggregateId: 'v-outbox',
        occurredAt,
        payload,
      });
      await appendToOutbox(connection, {
        type: 'video.failed',
        aggregateType: 'video',
        aggregateId: 'v-outbox',
        payload,
      });
    });

    // Assess
    const rows = await rowsFor('v-outbox');
    expect(rows).toHaveLength(2);
    expect(rows[0]?.event_type).toBe('video.failed');
    expect(JSON.parse(String(rows[0]?.payload))).toEqual(payload);
    const [given, defaulted] = rows.map((row) => row.created_at as Date);
    expect(given?.toISOString()).toBe(occurredAt.toISOString());
    expect(Math.abs(Number(defaulted?.getTime()) - Date.now())).toBeLessThan(60_000);
  });

  it('writes nothing, and rolls the transaction back, for an event that does not match its schema', async () => {
    // Prepare
    const invalid = {
      type: 'tickets.issued',
      aggregateType: 'order',
      aggregateId: 'h-outbox',
      payload: { holdId: 'h-outbox', showId: 's-1', holderOrgId: null, holderUserId: null, quantity: -1 },
    } as unknown as DomainEvent;

    // Act
    const attempt = withTransaction(database().pool, async (connection) => {
      await appendToOutbox(connection, {
        type: 'license.failed',
        aggregateType: 'license',
        aggregateId: 'h-outbox',
        payload: { licenseId: 'h-outbox', reason: 'written before the bad event' },
      });
      await appendToOutbox(connection, invalid);
    });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(InvalidDomainEventError);
    expect(await rowsFor('h-outbox')).toHaveLength(0);
  });
});
