import type { RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../../shared/db/pool.ts';

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
