import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

/**
 * The longest a playback token that names a grant may live (show-access's PLAYBACK_TTL_SECONDS
 * cannot exceed it). A revocation is kept this long, plus CLOCK_SKEW_SECONDS, after it was made.
 */
export const MAX_GRANT_TOKEN_SECONDS = 3600;
/** Tokens are dated by a function's clock, revocations by the database's. */
const CLOCK_SKEW_SECONDS = 300;

export type RevokedGrantKind = 'ticket';

export interface RevokedGrant {
  readonly grantId: string;
  readonly keepUntil: Date;
}

/**
 * Records revoked grants inside the caller's transaction (the one that revokes them), so the edge
 * learns of every revocation that commits and of none that does not. Recording one twice keeps
 * the first.
 */
export async function recordRevokedGrants(
  connection: DbConnection,
  grants: { readonly kind: RevokedGrantKind; readonly grantIds: readonly string[]; readonly reason: string },
): Promise<void> {
  if (grants.grantIds.length === 0) return;
  const keepSeconds = MAX_GRANT_TOKEN_SECONDS + CLOCK_SKEW_SECONDS;
  await connection.query(
    `INSERT INTO edge_revocations (grant_id, kind, reason, keep_until)
     VALUES ${grants.grantIds.map(() => '(?, ?, ?, NOW(3) + INTERVAL ? SECOND)').join(', ')}
     ON DUPLICATE KEY UPDATE grant_id = grant_id`,
    grants.grantIds.flatMap((id) => [id, grants.kind, grants.reason.slice(0, 200), keepSeconds]),
  );
}

/**
 * Live revocations the edge must be told of: never pushed first (oldest first), then those last
 * pushed more than `resyncSeconds` ago (an edge that lost its list learns it again).
 */
export async function revocationsToPush(
  pool: DbPool,
  options: { readonly limit: number; readonly resyncSeconds: number },
): Promise<RevokedGrant[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT grant_id, keep_until FROM edge_revocations
      WHERE keep_until > NOW(3)
        AND (pushed_at IS NULL OR pushed_at < NOW(3) - INTERVAL ? SECOND)
      ORDER BY pushed_at IS NOT NULL, pushed_at, revoked_at
      LIMIT ?`,
    [options.resyncSeconds, options.limit],
  );
  return rows.map((row) => ({ grantId: String(row.grant_id), keepUntil: row.keep_until as Date }));
}

/** Revocations no token can outlive any more; `pushed` says whether the edge may still hold them. */
export async function expiredRevocations(
  pool: DbPool,
  limit: number,
): Promise<{ readonly grantId: string; readonly pushed: boolean }[]> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT grant_id, pushed_at IS NOT NULL OR push_failures > 0 AS maybe_pushed FROM edge_revocations
      WHERE keep_until <= NOW(3) ORDER BY keep_until LIMIT ?`,
    [limit],
  );
  return rows.map((row) => ({ grantId: String(row.grant_id), pushed: Number(row.maybe_pushed) === 1 }));
}

export async function markRevocationsPushed(pool: DbPool, grantIds: readonly string[]): Promise<void> {
  if (grantIds.length === 0) return;
  await pool.query(
    'UPDATE edge_revocations SET pushed_at = NOW(3), last_error = NULL WHERE grant_id IN (?)',
    [grantIds],
  );
}

export async function markRevocationPushFailed(
  pool: DbPool,
  grantIds: readonly string[],
  error: string,
): Promise<void> {
  if (grantIds.length === 0) return;
  await pool.query(
    'UPDATE edge_revocations SET push_failures = push_failures + 1, last_error = ? WHERE grant_id IN (?)',
    [error.slice(0, 500), grantIds],
  );
}

/** Forgets expired revocations (the edge has dropped them); a live one is never deleted. */
export async function deleteExpiredRevocations(pool: DbPool, grantIds: readonly string[]): Promise<number> {
  if (grantIds.length === 0) return 0;
  const [result] = await pool.query<ResultSetHeader>(
    'DELETE FROM edge_revocations WHERE grant_id IN (?) AND keep_until <= NOW(3)',
    [grantIds],
  );
  return result.affectedRows;
}

/** How many revocations are live (what the edge's list holds): for the size alarm and tests. */
export async function liveRevocationCount(pool: DbPool): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT COUNT(*) AS live FROM edge_revocations WHERE keep_until > NOW(3)',
  );
  return Number(rows[0]?.live ?? 0);
}
