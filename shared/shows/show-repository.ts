import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { appendToOutbox } from '#shared/outbox/outbox.ts';
import type { VideoOrigin, VideoStatus } from '#shared/video/video.ts';
import { findVideo } from '#shared/video/video-repository.ts';
import { type DbConnection, type DbPool, withTransaction } from '../db/pool.ts';
import {
  LIVE_SHOW_STREAM_STATUSES,
  type Show,
  type ShowListing,
  type ShowStatus,
  type ShowWhen,
  seatsLeft,
} from './show.ts';

type Queryable = DbPool | DbConnection;

export const SHOW_COLUMNS = `s.id, s.org_id, s.title, s.description, s.starts_at, s.capacity, s.seats_sold, s.price_amount,
  s.currency, s.video_id, s.status, s.created_at`;

/** Seats of holds still counting against capacity (the database clock decides what has expired). */
export const ACTIVE_HOLD_CONDITION = "status IN ('pending', 'held') AND expires_at > NOW(3)";

/** ACTIVE_HOLD_CONDITION, per show, as a column of a query over `shows s`. */
const SEATS_HELD = `COALESCE((SELECT SUM(h.quantity) FROM seat_holds h
  WHERE h.show_id = s.id AND h.status IN ('pending', 'held') AND h.expires_at > NOW(3)), 0)`;

export interface NewShow {
  readonly id: string;
  readonly orgId: string;
  readonly title: string;
  readonly description: string | null;
  readonly startsAt: Date;
  readonly capacity: number;
  readonly priceAmount: number;
  readonly currency: string;
  readonly videoId: string | null;
}

/** Puts a show on sale, with its show.created event (the dashboards learn whose show it is). */
export async function insertShow(pool: DbPool, show: NewShow): Promise<void> {
  await withTransaction(pool, async (connection) => {
    await connection.query(
      `INSERT INTO shows (id, org_id, title, description, starts_at, capacity, price_amount, currency, video_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        show.id,
        show.orgId,
        show.title,
        show.description,
        show.startsAt,
        show.capacity,
        show.priceAmount,
        show.currency,
        show.videoId,
      ],
    );
    await appendToOutbox(connection, {
      aggregateType: 'show',
      aggregateId: show.id,
      type: 'show.created',
      payload: {
        showId: show.id,
        orgId: show.orgId,
        startsAt: show.startsAt.toISOString(),
        capacity: show.capacity,
        priceAmount: show.priceAmount,
        currency: show.currency.toLowerCase(),
        videoId: show.videoId,
      },
    });
  });
}

const LIVE_STATUSES_SQL = LIVE_SHOW_STREAM_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * The live stream of a show as `<id>:<status>`: one on air first, then the one whose asset is the
 * show's video (linked by POST /v1/live-streams {showId}), then the newest naming the show.
 */
const LIVE_STREAM = `(SELECT CONCAT(ls.id, ':', ls.status) FROM live_streams ls WHERE ls.show_id = s.id
  ORDER BY ls.status IN (${LIVE_STATUSES_SQL}) DESC, ls.asset_id <=> s.video_id DESC, ls.id DESC LIMIT 1)`;
const IS_LIVE = `EXISTS (SELECT 1 FROM live_streams lx WHERE lx.show_id = s.id AND lx.status IN (${LIVE_STATUSES_SQL}))`;

/** A show as the catalogue lists it: availability, creator, live stream, video and poster. */
const LISTING = `SELECT ${SHOW_COLUMNS}, ${SEATS_HELD} AS seats_held, NOW(3) AS db_now,
    o.name AS creator_name, v.status AS video_status, v.poster_key, ${LIVE_STREAM} AS live_stream
  FROM shows s JOIN organisations o ON o.id = s.org_id LEFT JOIN video_assets v ON v.id = s.video_id`;

/** A show with its current availability, and the database's clock at the moment it was read. */
export async function findShow(
  db: Queryable,
  id: string,
): Promise<{ show: ShowListing; now: Date } | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`${LISTING} WHERE s.id = ?`, [id]);
  const row = rows[0];
  return row ? { show: toListing(row), now: row.db_now as Date } : undefined;
}

/**
 * A show anyone may see on its public page: on sale (not cancelled), read like findShow. A cancelled
 * show never leaves the database for the server-rendered page, so its title and description
 * cannot end up in a link preview or a crawler's index (functions/shows/public-page.ts).
 */
export async function findPublicShow(
  db: Queryable,
  id: string,
): Promise<{ show: ShowListing; now: Date } | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`${LISTING} WHERE s.id = ? AND s.status = 'on_sale'`, [id]);
  const row = rows[0];
  return row ? { show: toListing(row), now: row.db_now as Date } : undefined;
}

export interface ShowCursor {
  readonly startsAt: Date;
  readonly id: string;
}

/**
 * WHERE and ORDER of each catalogue tab. Upcoming (on sale, starting later, not on air yet) and
 * live (a stream on air or reconnecting) list soonest first; on demand (started, its video ready)
 * latest first. `after` is the last show of the previous page, in the tab's order.
 */
const TABS: Readonly<Record<ShowWhen, { where: string[]; descending: boolean }>> = {
  upcoming: { where: ["s.status = 'on_sale'", 's.starts_at > NOW(3)', `NOT ${IS_LIVE}`], descending: false },
  live: { where: ["s.status = 'on_sale'", IS_LIVE], descending: false },
  on_demand: {
    where: ["s.status = 'on_sale'", 's.starts_at <= NOW(3)', "v.status = 'ready'", `NOT ${IS_LIVE}`],
    descending: true,
  },
};

/** One page of a catalogue tab (anyone may read it). */
export async function listShows(
  db: Queryable,
  page: { when: ShowWhen; limit: number; after?: ShowCursor },
): Promise<{ items: ShowListing[]; next: ShowCursor | null; now: Date }> {
  const tab = TABS[page.when];
  const where = [...tab.where];
  const params: unknown[] = [];
  if (page.after) {
    const beyond = tab.descending ? '<' : '>';
    where.push(`(s.starts_at ${beyond} ? OR (s.starts_at = ? AND s.id ${beyond} ?))`);
    params.push(page.after.startsAt, page.after.startsAt, page.after.id);
  }
  const order = tab.descending ? 's.starts_at DESC, s.id DESC' : 's.starts_at, s.id';
  const [rows] = await db.query<RowDataPacket[]>(
    `${LISTING} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toListing);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > page.limit && last ? { startsAt: last.startsAt, id: last.id } : null,
    // An empty page has no row to carry the database clock; nothing is presented with it then.
    now: (rows[0]?.db_now as Date | undefined) ?? new Date(),
  };
}

/** Upcoming shows on sale, soonest first (the catalogue's first tab). */
export function listUpcomingShows(db: Queryable, page: { limit: number; after?: ShowCursor }) {
  return listShows(db, { ...page, when: 'upcoming' });
}

/** An organisation's shows, newest first (ids are ULIDs); `before` is the last id of the previous page. */
export async function listOrgShows(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string },
): Promise<{ items: ShowListing[]; next: string | null; now: Date }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `${LISTING} WHERE s.org_id = ? ${page.before ? 'AND s.id < ?' : ''} ORDER BY s.id DESC LIMIT ?`,
    page.before ? [orgId, page.before, page.limit + 1] : [orgId, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toListing);
  return {
    items,
    next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null,
    now: (rows[0]?.db_now as Date | undefined) ?? new Date(),
  };
}

/** A row selected with SHOW_COLUMNS (from `shows s`). */
export function showFromRow(row: RowDataPacket): Show {
  return {
    id: String(row.id),
    orgId: String(row.org_id),
    title: String(row.title),
    description: (row.description as string | null) ?? null,
    startsAt: row.starts_at as Date,
    capacity: Number(row.capacity),
    seatsSold: Number(row.seats_sold),
    priceAmount: Number(row.price_amount),
    currency: String(row.currency),
    videoId: (row.video_id as string | null) ?? null,
    status: row.status as ShowStatus,
    createdAt: row.created_at as Date,
  };
}

function toListing(row: RowDataPacket): ShowListing {
  const show = showFromRow(row);
  const seatsHeld = Number(row.seats_held);
  const liveStream = row.live_stream ? String(row.live_stream) : null;
  const separator = liveStream?.indexOf(':') ?? -1;
  return {
    ...show,
    seatsHeld,
    seatsAvailable: seatsLeft(show, seatsHeld),
    creatorName: (row.creator_name as string | null) ?? null,
    liveStreamId: liveStream && separator > 0 ? liveStream.slice(0, separator) : null,
    liveStreamStatus: liveStream && separator > 0 ? liveStream.slice(separator + 1) : null,
    videoStatus: (row.video_status as string | null) ?? null,
    posterKey: row.video_status === 'ready' ? ((row.poster_key as string | null) ?? null) : null,
  };
}

export type ShowVideoLink =
  | { readonly outcome: 'linked' }
  /** No such show, or another organisation's (existence is not disclosed). */
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'has-video'; readonly videoId: string }
  | { readonly outcome: 'cancelled' };

/**
 * Makes `videoId` the show's video (a live stream's asset, created in the same transaction), once:
 * a show that already has a video keeps it. The show row is locked like a sale locks it.
 */
export async function linkShowVideo(
  connection: DbConnection,
  link: { showId: string; orgId: string; videoId: string },
): Promise<ShowVideoLink> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT org_id, video_id, status FROM shows WHERE id = ? FOR UPDATE',
    [link.showId],
  );
  const row = rows[0];
  if (!row || row.org_id !== link.orgId) return { outcome: 'missing' };
  const current = row.video_id === null ? null : String(row.video_id);
  // A live stream that ended with nothing recorded leaves a failed live asset behind: the show
  // gets its next stream instead of being stuck with a video that can never play.
  if (current !== null && !(await isDeadLiveVideo(connection, current))) {
    return { outcome: 'has-video', videoId: current };
  }
  if (row.status === 'cancelled') return { outcome: 'cancelled' };
  await connection.query('UPDATE shows SET video_id = ? WHERE id = ? AND video_id <=> ?', [
    link.videoId,
    link.showId,
    current,
  ]);
  return { outcome: 'linked' };
}

async function isDeadLiveVideo(connection: DbConnection, videoId: string): Promise<boolean> {
  const video = await findVideo(connection, videoId);
  return video?.origin === 'live' && video.status === 'failed';
}

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

/** The show's capacity, seats sold and whether it is on sale, its row locked (FOR UPDATE). */
export async function lockShowSeats(
  connection: DbConnection,
  showId: string,
): Promise<{ capacity: number; seatsSold: number; onSale: boolean }> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT capacity, seats_sold, status FROM shows WHERE id = ? FOR UPDATE',
    [showId],
  );
  const row = rows[0];
  if (!row) throw new Error(`seat hold refers to show ${showId}, which does not exist`);
  return {
    capacity: Number(row.capacity),
    seatsSold: Number(row.seats_sold),
    onSale: row.status === 'on_sale',
  };
}

/**
 * Counts `quantity` more seats sold behind the capacity guard; false (nothing written) when the
 * show is not on sale or has not that many seats left.
 */
export async function countSeatsSold(
  connection: DbConnection,
  showId: string,
  quantity: number,
): Promise<boolean> {
  const [guarded] = await connection.query<ResultSetHeader>(
    `UPDATE shows SET seats_sold = seats_sold + ?
      WHERE id = ? AND status = 'on_sale' AND seats_sold + ? <= capacity`,
    [quantity, showId, quantity],
  );
  return guarded.affectedRows === 1;
}

/** Puts a refunded order's seats back on sale (never below zero). */
export async function returnSoldSeats(
  connection: DbConnection,
  showId: string,
  quantity: number,
): Promise<void> {
  await connection.query('UPDATE shows SET seats_sold = GREATEST(seats_sold, ?) - ? WHERE id = ?', [
    quantity,
    quantity,
    showId,
  ]);
}

/**
 * The show's organisation; undefined for an unknown show. It never changes, so an answer is kept
 * in this process (a bounded number of shows): a sale's event needs it while the show row is
 * locked, and a read there is one more round trip under that lock.
 */
export async function showOwner(db: Queryable, showId: string): Promise<string | undefined> {
  const known = SHOW_OWNERS.get(showId);
  if (known !== undefined) return known;
  const [rows] = await db.query<RowDataPacket[]>('SELECT org_id FROM shows WHERE id = ?', [showId]);
  const owner = rows[0]?.org_id as string | undefined;
  if (owner !== undefined) {
    if (SHOW_OWNERS.size >= MAX_KNOWN_OWNERS) SHOW_OWNERS.delete(SHOW_OWNERS.keys().next().value as string);
    SHOW_OWNERS.set(showId, owner);
  }
  return owner;
}

const SHOW_OWNERS = new Map<string, string>();
const MAX_KNOWN_OWNERS = 10_000;

/** What a creator may change of a show (PATCH /v1/shows/{id}); absent members stay as they are. */
export interface ShowEdit {
  readonly title?: string;
  /** null or '' clears it. */
  readonly description?: string | null;
  readonly startsAt?: Date;
  readonly capacity?: number;
  readonly price?: { readonly amount: number; readonly currency: string };
}

/** Writes the fields the edit names (the caller checked it under the show's lock). */
export async function updateShowFields(connection: DbConnection, id: string, edit: ShowEdit): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (edit.title !== undefined) set('title', edit.title);
  if (edit.description !== undefined) set('description', edit.description || null);
  if (edit.startsAt !== undefined) set('starts_at', edit.startsAt);
  if (edit.capacity !== undefined) set('capacity', edit.capacity);
  if (edit.price !== undefined) {
    set('price_amount', edit.price.amount);
    set('currency', edit.price.currency);
  }
  if (sets.length === 0) return;
  await connection.query(`UPDATE shows SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
}

/** The show and the database's clock, its row locked (the lock every hold, sale and edit takes). */
export async function lockShow(
  connection: DbConnection,
  id: string,
): Promise<{ show: Show; now: Date } | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT ${SHOW_COLUMNS}, NOW(3) AS db_now FROM shows s WHERE s.id = ? FOR UPDATE`,
    [id],
  );
  const row = rows[0];
  return row ? { show: showFromRow(row), now: row.db_now as Date } : undefined;
}
