import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { DependencyUnavailableError } from '../errors.ts';
import type { DbConnection, DbPool } from './pool.ts';

/**
 * Runs `fn` while holding a MySQL named lock (GET_LOCK), so one caller at a time — across every
 * function instance sharing the database — works on the thing the name stands for. The lock
 * lives on one pooled connection and is released even when `fn` throws. MySQL limits names to
 * 64 characters.
 */
export async function withNamedLock<T>(
  pool: DbPool,
  name: string,
  waitSeconds: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (name.length > 64) throw new Error(`Lock name longer than 64 characters: ${name}`);
  const connection = await pool.getConnection();
  try {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT GET_LOCK(?, ?) AS got', [
      name,
      waitSeconds,
    ]);
    if (Number(rows[0]?.got) !== 1) {
      throw new DependencyUnavailableError('Another request is working on this; retry shortly', {
        extensions: { retryAfterSeconds: 1 },
      });
    }
    try {
      return await fn();
    } finally {
      await connection.query('SELECT RELEASE_LOCK(?)', [name]);
    }
  } finally {
    connection.release();
  }
}

/**
 * `base` made the lock of one database: GET_LOCK names are server-wide, not per database, so
 * processes of two databases on one server (test databases, environments sharing a server) would
 * otherwise answer each other busy. Within MySQL's 64 characters (a long name's database is hashed).
 */
export async function databaseLockName(db: DbPool | DbConnection, base: string): Promise<string> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT DATABASE() AS name');
  const database = String(rows[0]?.name ?? '');
  const name = `${base}:${database}`;
  return name.length <= 64
    ? name
    : `${base}:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}
