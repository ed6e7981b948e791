import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '#shared/db/pool.ts';

/**
 * The CDN statistics tables' one owner: `cdn_log_batches` (each ingested batch once),
 * `cdn_viewers` (salted viewer hashes per video and day) and `cdn_view_stats` (per video and day
 * figures). functions/cdn-logs tallies Fastly's log lines and writes them here, in the
 * transaction that also records the batch.
 */

const VIEWER_ROWS_PER_INSERT = 500;

/** One video's traffic on one UTC day, from one batch. */
export interface ViewDayTally {
  readonly assetId: string;
  readonly day: string;
  readonly requests: number;
  readonly views: number;
  readonly bytes: number;
  /** Hex viewer hashes with at least one served request, sorted (rows lock in one order). */
  readonly viewerHashes: readonly string[];
  readonly secondsWatched: number;
}

/** Records a batch by its SHA-256; false when it was recorded before (Fastly re-sent it). */
export async function recordLogBatchOnce(connection: DbConnection, batchSha256: Buffer): Promise<boolean> {
  const [recorded] = await connection.query<ResultSetHeader>(
    'INSERT IGNORE INTO cdn_log_batches (batch_sha256) VALUES (?)',
    [batchSha256],
  );
  return recorded.affectedRows > 0;
}

/** Adds a day's tally: viewers counted once per video and day through cdn_viewers. */
export async function addViewDay(connection: DbConnection, day: ViewDayTally): Promise<void> {
  let newViewers = 0;
  for (let at = 0; at < day.viewerHashes.length; at += VIEWER_ROWS_PER_INSERT) {
    const rows = day.viewerHashes
      .slice(at, at + VIEWER_ROWS_PER_INSERT)
      .map((hash) => [day.assetId, day.day, Buffer.from(hash, 'hex')]);
    const [inserted] = await connection.query<ResultSetHeader>(
      'INSERT IGNORE INTO cdn_viewers (asset_id, day, viewer_hash) VALUES ?',
      [rows],
    );
    newViewers += inserted.affectedRows;
  }
  await connection.query(
    `INSERT INTO cdn_view_stats (asset_id, day, requests, views, bytes, viewers, seconds_watched)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), views = views + VALUES(views),
         bytes = bytes + VALUES(bytes), viewers = viewers + VALUES(viewers),
         seconds_watched = seconds_watched + VALUES(seconds_watched)`,
    [day.assetId, day.day, day.requests, day.views, day.bytes, newViewers, day.secondsWatched],
  );
}

export interface DayFigures {
  readonly day: string;
  readonly requests: number;
  readonly views: number;
  readonly bytes: number;
  readonly viewers: number;
}

export interface VideoStats {
  readonly days: readonly DayFigures[];
  /** Viewers are distinct over the whole range, not the sum of each day's. */
  readonly totals: Omit<DayFigures, 'day'>;
}

/** Days with traffic between `from` and `to` (inclusive, `YYYY-MM-DD`), oldest first. */
export async function videoStats(
  pool: DbPool,
  assetId: string,
  from: string,
  to: string,
): Promise<VideoStats> {
  const [dayRows] = await pool.query<RowDataPacket[]>(
    `SELECT DATE_FORMAT(day, '%Y-%m-%d') AS day, requests, views, bytes, viewers
       FROM cdn_view_stats WHERE asset_id = ? AND day BETWEEN ? AND ? ORDER BY day`,
    [assetId, from, to],
  );
  const [distinctRows] = await pool.query<RowDataPacket[]>(
    `SELECT COUNT(DISTINCT viewer_hash) AS viewers
       FROM cdn_viewers WHERE asset_id = ? AND day BETWEEN ? AND ?`,
    [assetId, from, to],
  );
  const days = dayRows.map((row) => ({
    day: String(row.day),
    requests: Number(row.requests),
    views: Number(row.views),
    bytes: Number(row.bytes),
    viewers: Number(row.viewers),
  }));
  const sum = (pick: (day: DayFigures) => number) => days.reduce((total, day) => total + pick(day), 0);
  return {
    days,
    totals: {
      requests: sum((day) => day.requests),
      views: sum((day) => day.views),
      bytes: sum((day) => day.bytes),
      viewers: Number(distinctRows[0]?.viewers ?? 0),
    },
  };
}
