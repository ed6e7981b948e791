import type { RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';
import type { VideoOrigin, VideoStatus } from '../video/video.ts';

/** What show-access reads to admit a viewer to a show's playback or chat. */
export interface ShowMedia {
  readonly id: string;
  readonly status: 'on_sale' | 'cancelled';
  readonly videoId: string | null;
  readonly videoStatus: VideoStatus | null;
  /** `live`: the video is a live stream's asset (shared/live), live until the stream is finalised. */
  readonly videoOrigin: VideoOrigin | null;
  /** `videos/<id>/v<n>/` once the video is ready. */
  readonly mediaPrefix: string | null;
}

export async function findShowMedia(pool: DbPool, showId: string): Promise<ShowMedia | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT s.id, s.status, s.video_id, v.status AS video_status, v.origin AS video_origin, v.media_prefix
       FROM shows s LEFT JOIN video_assets v ON v.id = s.video_id
      WHERE s.id = ?`,
    [showId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    status: row.status,
    videoId: row.video_id,
    videoStatus: row.video_status,
    videoOrigin: row.video_origin ?? null,
    mediaPrefix: row.media_prefix,
  };
}

/**
 * One valid (not revoked) ticket of the show held by the organisation, the oldest; checked-in
 * tickets still count (entering the venue does not end the stream).
 */
export async function findValidTicketId(
  pool: DbPool,
  showId: string,
  holderOrgId: string,
): Promise<string | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT id FROM tickets
      WHERE holder_org_id = ? AND show_id = ? AND status = 'valid'
      ORDER BY id LIMIT 1`,
    [holderOrgId, showId],
  );
  return rows[0]?.id;
}
