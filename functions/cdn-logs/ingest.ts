import { createHash, createHmac } from 'node:crypto';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { type CdnLogEntry, parseCdnLog } from '../../shared/cdn/fastly-log.ts';
import { type DbConnection, type DbPool, withTransaction } from '../../shared/db/pool.ts';

export interface IngestSummary {
  /** The same bytes were ingested before (Fastly retried): nothing was counted again. */
  readonly duplicate: boolean;
  readonly counted: number;
  readonly malformed: number;
  readonly notAssets: number;
  /** Lines for an asset id we do not have (made-up paths): not counted. */
  readonly unknownAssets: number;
}

interface DayTally {
  readonly assetId: string;
  readonly day: string;
  requests: number;
  views: number;
  bytes: number;
  readonly viewers: Set<string>;
}

const VIEWER_HASH_BYTES = 16;
const VIEWER_ROWS_PER_INSERT = 500;

/**
 * Counts one batch of log lines into per-asset daily figures, exactly once: the batch's SHA-256
 * is recorded in the same transaction as its counts, so a batch Fastly re-sends (it retries one
 * it thinks failed) adds nothing, even when both copies arrive at once.
 *
 *   requests  every logged request for the asset, refused ones included
 *   bytes     body bytes sent for them
 *   views     served GETs of a master playlist (see CdnLogEntry.isView)
 *   viewers   distinct clients with at least one served request that day, counted through
 *             cdn_viewers by a salted hash of address and user agent (the address is not kept)
 */
export async function ingestBatch(pool: DbPool, viewerSalt: string, body: Buffer): Promise<IngestSummary> {
  const batchSha256 = createHash('sha256').update(body).digest();
  const parsed = parseCdnLog(body.toString('utf8'));
  const known = await existingAssets(pool, [...new Set(parsed.entries.map((entry) => entry.assetId))]);
  const entries = parsed.entries.filter((entry) => known.has(entry.assetId));
  const tallies = tally(entries, viewerSalt);
  const summary = {
    counted: entries.length,
    malformed: parsed.malformed,
    notAssets: parsed.notAssets,
    unknownAssets: parsed.entries.length - entries.length,
  };

  const duplicate = await withTransaction(pool, async (connection) => {
    const [recorded] = await connection.query<ResultSetHeader>(
      'INSERT IGNORE INTO cdn_log_batches (batch_sha256) VALUES (?)',
      [batchSha256],
    );
    if (recorded.affectedRows === 0) return true;
    for (const day of tallies) await addDay(connection, day);
    return false;
  });
  return duplicate ? { ...summary, duplicate, counted: 0 } : { ...summary, duplicate };
}

async function existingAssets(pool: DbPool, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id FROM video_assets WHERE id IN (?)', [ids]);
  return new Set(rows.map((row) => row.id as string));
}

/** Sorted by asset and day (and viewers sorted within): concurrent batches lock rows in one order. */
function tally(entries: readonly CdnLogEntry[], viewerSalt: string): DayTally[] {
  const days = new Map<string, DayTally>();
  for (const entry of entries) {
    const key = `${entry.assetId} ${entry.day}`;
    let day = days.get(key);
    if (!day) {
      day = { assetId: entry.assetId, day: entry.day, requests: 0, views: 0, bytes: 0, viewers: new Set() };
      days.set(key, day);
    }
    day.requests += 1;
    day.bytes += entry.bytes;
    if (entry.isView) day.views += 1;
    if (entry.served) day.viewers.add(viewerHash(viewerSalt, entry.clientIp, entry.userAgent));
  }
  return [...days.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, day]) => day);
}

function viewerHash(salt: string, clientIp: string, userAgent: string): string {
  return createHmac('sha256', salt)
    .update(`${clientIp}\n${userAgent}`)
    .digest()
    .subarray(0, VIEWER_HASH_BYTES)
    .toString('hex');
}

async function addDay(connection: DbConnection, day: DayTally): Promise<void> {
  const hashes = [...day.viewers].sort();
  let newViewers = 0;
  for (let at = 0; at < hashes.length; at += VIEWER_ROWS_PER_INSERT) {
    const rows = hashes
      .slice(at, at + VIEWER_ROWS_PER_INSERT)
      .map((hash) => [day.assetId, day.day, Buffer.from(hash, 'hex')]);
    const [inserted] = await connection.query<ResultSetHeader>(
      'INSERT IGNORE INTO cdn_viewers (asset_id, day, viewer_hash) VALUES ?',
      [rows],
    );
    newViewers += inserted.affectedRows;
  }
  await connection.query(
    `INSERT INTO cdn_view_stats (asset_id, day, requests, views, bytes, viewers) VALUES (?, ?, ?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE requests = requests + VALUES(requests), views = views + VALUES(views),
         bytes = bytes + VALUES(bytes), viewers = viewers + VALUES(viewers)`,
    [day.assetId, day.day, day.requests, day.views, day.bytes, newViewers],
  );
}
