import type { RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';
import type { VideoOrigin, VideoStatus } from '../video/video.ts';
import { type Holder, holderCondition } from './holder.ts';

/** What show-access reads to admit a viewer to a show's playback or chat. */
export interface ShowMedia {
  readonly id: string;
  /** The creator's organisation (its members with shows:write moderate the show's chat). */
  readonly orgId: string;
  /** The creator organisation's name (a moderating API key's name in the chat). */
  readonly orgName: string;
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
    `SELECT s.id, s.org_id, o.name AS org_name, s.status, s.video_id, v.status AS video_status,
            v.origin AS video_origin, v.media_prefix
       FROM shows s JOIN organisations o ON o.id = s.org_id LEFT JOIN video_assets v ON v.id = s.video_id
      WHERE s.id = ?`,
    [showId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    orgId: row.org_id,
    orgName: row.org_name,
    status: row.status,
    videoId: row.video_id,
    videoStatus: row.video_status,
    videoOrigin: row.video_origin ?? null,
    mediaPrefix: row.media_prefix,
  };
}

/** A valid ticket that admits its holder, with the name the holder goes by (person, or organisation). */
export interface AdmittingTicket {
  readonly id: string;
  readonly holderName: string;
}

/**
 * One valid (not revoked) ticket of the show held by the person or organisation, the oldest;
 * checked-in tickets still count (entering the venue does not end the stream).
 */
export async function findValidTicket(
  pool: DbPool,
  showId: string,
  holder: Holder,
): Promise<AdmittingTicket | undefined> {
  const who = holderCondition(holder, 'holder', 't');
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT t.id, ${holder.kind === 'person' ? 'u.name' : 'o.name'} AS holder_name
       FROM tickets t
       ${holder.kind === 'person' ? 'JOIN users u ON u.id = t.holder_user_id' : 'JOIN organisations o ON o.id = t.holder_org_id'}
      WHERE ${who.sql} AND t.show_id = ? AND t.status = 'valid'
      ORDER BY t.id LIMIT 1`,
    [who.param, showId],
  );
  const row = rows[0];
  return row ? { id: String(row.id), holderName: String(row.holder_name) } : undefined;
}
