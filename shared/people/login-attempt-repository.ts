import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

type Queryable = DbPool | DbConnection;

/** A sign-in between the redirect to the provider and its callback. */
export interface LoginAttempt {
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly returnTo: string;
}

/**
 * Stores a new attempt. Expired ones of anyone are deleted on the way, a few at a time: sign-ins
 * that never came back (or a flood of /login calls) do not pile up.
 */
export async function insertLoginAttempt(
  db: Queryable,
  idHash: Buffer,
  attempt: LoginAttempt,
  expiresAt: Date,
  now: Date = new Date(),
): Promise<void> {
  await db.query('DELETE FROM login_attempts WHERE expires_at < ? LIMIT 50', [now]);
  await db.query(
    `INSERT INTO login_attempts (id_hash, state, nonce, code_verifier, return_to, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [idHash, attempt.state, attempt.nonce, attempt.codeVerifier, attempt.returnTo, expiresAt],
  );
}

/**
 * Takes the attempt (it is deleted: a callback replayed with the same cookie finds nothing) if it
 * has not expired at `now`. Expired attempts of anyone are swept on the way, a few at a time.
 */
export async function takeLoginAttempt(
  db: DbPool,
  idHash: Buffer,
  now: Date,
): Promise<LoginAttempt | undefined> {
  const connection = await db.getConnection();
  try {
    await connection.beginTransaction();
    const [rows] = await connection.query<RowDataPacket[]>(
      'SELECT state, nonce, code_verifier, return_to, expires_at FROM login_attempts WHERE id_hash = ? FOR UPDATE',
      [idHash],
    );
    await connection.query('DELETE FROM login_attempts WHERE id_hash = ?', [idHash]);
    await connection.query('DELETE FROM login_attempts WHERE expires_at < ? LIMIT 50', [now]);
    await connection.commit();
    const row = rows[0];
    if (!row || (row.expires_at as Date) <= now) return undefined;
    return {
      state: row.state as string,
      nonce: row.nonce as string,
      codeVerifier: row.code_verifier as string,
      returnTo: row.return_to as string,
    };
  } catch (err) {
    await connection.rollback().catch(() => {});
    throw err;
  } finally {
    connection.release();
  }
}
