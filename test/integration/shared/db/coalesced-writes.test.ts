import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deferWrite, withCoalescedTransaction } from '#shared/db/coalesced-writes.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';

/** Round trips (query calls on the pooled connections) made while `run` runs. */
async function countingRoundTrips(pool: DbPool, run: () => Promise<unknown>): Promise<number> {
  let trips = 0;
  const getConnection = pool.getConnection.bind(pool);
  pool.getConnection = async () => {
    const connection = await getConnection();
    const counted =
      <A extends unknown[], R>(send: (...args: A) => R) =>
      (...args: A): R => {
        trips += 1;
        return send(...args);
      };
    Object.assign(connection, {
      query: counted(connection.query.bind(connection)),
      beginTransaction: counted(connection.beginTransaction.bind(connection)),
      commit: counted(connection.commit.bind(connection)),
    });
    return connection;
  };
  try {
    await run();
  } finally {
    pool.getConnection = getConnection;
  }
  return trips;
}

describe('Coalesced transactions', () => {
  let db: TestDatabase;
  let single: DbPool;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'coalesced');
    single = createPool(db.url, { connectionLimit: 2 });
    await db.pool.query(
      'CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(40) NOT NULL, at DATETIME(3) NULL)',
    );
  }, 60_000);

  afterAll(async () => {
    await single?.end();
    await db?.drop();
  });

  const bodies = async (from: number, to: number) => {
    const [rows] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, body FROM notes WHERE id BETWEEN ? AND ? ORDER BY id',
      [from, to],
    );
    return rows.map((row) => `${row.id}:${row.body}`);
  };

  it('sends BEGIN and deferred writes with the next statement or COMMIT, which sees them, in order', async () => {
    // Arrange
    const at = new Date('2026-01-02T03:04:05.678Z');
    let seen: string[] = [];

    // Act
    const trips = await countingRoundTrips(db.pool, () =>
      withCoalescedTransaction(db.pool, async (connection) => {
        await deferWrite(connection, 'INSERT INTO notes (id, body, at) VALUES (?, ?, ?)', [1, "it's", at]);
        await deferWrite(connection, 'UPDATE notes SET body = CONCAT(body, ?) WHERE id = ?', [' kept', 1]);
        const [rows] = await connection.query<RowDataPacket[]>(
          'SELECT body, at FROM notes WHERE id = ?',
          [1],
        );
        seen = rows.map((row) => `${row.body}@${(row.at as Date).toISOString()}`);
        await deferWrite(connection, 'INSERT INTO notes (id, body) VALUES (?, ?)', [2, 'last']);
      }),
    );

    // Assess
    expect(seen).toEqual([`it's kept@${at.toISOString()}`]);
    expect(await bodies(1, 2)).toEqual(["1:it's kept", '2:last']);
    expect(trips).toBe(2);
  });

  it('rolls deferred writes back when the work fails after them, or when one of them fails', async () => {
    // Act
    const thrown = withCoalescedTransaction(db.pool, async (connection) => {
      await deferWrite(connection, 'INSERT INTO notes (id, body) VALUES (?, ?)', [10, 'gone']);
      await connection.query('SELECT 1');
      throw new Error('after the write');
    });
    const failing = withCoalescedTransaction(db.pool, async (connection) => {
      await deferWrite(connection, 'INSERT INTO notes (id, body) VALUES (?, ?)', [11, 'gone too']);
      await deferWrite(connection, 'INSERT INTO notes (id, body) VALUES (?, ?)', [11, 'duplicate']);
    });

    // Assess
    await expect(thrown).rejects.toThrow('after the write');
    await expect(failing).rejects.toMatchObject({ code: 'ER_DUP_ENTRY' });
    expect(await bodies(10, 11)).toEqual([]);
    const [[open]] = (await db.pool.query('SELECT @@in_transaction AS open')) as unknown as [RowDataPacket[]];
    expect(Number(open?.open)).toBe(0);
  });

  it('sends each write at once on a pool without multipleStatements, with the same outcome', async () => {
    // Act
    const trips = await countingRoundTrips(single, () =>
      withCoalescedTransaction(single, async (connection) => {
        await deferWrite(connection, 'INSERT INTO notes (id, body) VALUES (?, ?)', [20, 'plain']);
        await connection.query('SELECT 1');
      }),
    );

    // Assess
    expect(await bodies(20, 20)).toEqual(['20:plain']);
    expect(trips).toBe(4);
  });
});
