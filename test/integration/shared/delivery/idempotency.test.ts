import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { processOnce } from '#shared/delivery/idempotency.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

describe('Function: processOnce', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'idempotency');
    await db.pool.query(
      'CREATE TABLE effects (id INT AUTO_INCREMENT PRIMARY KEY, event_key VARCHAR(64) NOT NULL)',
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  const effectCount = async (key: string) => {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM effects WHERE event_key = ?',
      [key],
    );
    return Number(rows[0]?.n);
  };

  it('applies the effect once under 10 concurrent duplicate deliveries', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () =>
        processOnce(db.pool, 'test-consumer', 'event-1', async (connection) => {
          await connection.query('INSERT INTO effects (event_key) VALUES (?)', ['event-1']);
        }),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'processed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'duplicate')).toHaveLength(9);
    expect(await effectCount('event-1')).toBe(1);
  });

  it('releases the claim when the effect fails, so a redelivery succeeds', async () => {
    await expect(
      processOnce(db.pool, 'test-consumer', 'event-2', async (connection) => {
        await connection.query('INSERT INTO effects (event_key) VALUES (?)', ['event-2']);
        throw new Error('downstream failed');
      }),
    ).rejects.toThrow('downstream failed');
    expect(await effectCount('event-2')).toBe(0);

    const retry = await processOnce(db.pool, 'test-consumer', 'event-2', async (connection) => {
      await connection.query('INSERT INTO effects (event_key) VALUES (?)', ['event-2']);
    });
    expect(retry.status).toBe('processed');
    expect(await effectCount('event-2')).toBe(1);
  });

  it('keeps consumers independent', async () => {
    const first = await processOnce(db.pool, 'consumer-a', 'shared-key', async () => 'a');
    const second = await processOnce(db.pool, 'consumer-b', 'shared-key', async () => 'b');
    expect([first.status, second.status]).toEqual(['processed', 'processed']);
  });
});
