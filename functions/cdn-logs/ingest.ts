import { createHash, createHmac } from 'node:crypto';
import { type CdnLogEntry, parseCdnLog } from '#shared/cdn/fastly-log.ts';
import { addViewDay, recordLogBatchOnce } from '#shared/cdn/view-stats-repository.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { LIVE_SEGMENT_SECONDS } from '#shared/live/live-stream.ts';
import { appendAllToOutbox, type DomainEvent } from '#shared/outbox/outbox.ts';
import { videoOwners } from '#shared/video/video-repository.ts';

export interface IngestSummary {
  /** The same bytes were ingested before (Fastly retried): nothing was counted again. */
  readonly duplicate: boolean;
  readonly counted: number;
  readonly malformed: number;
  readonly notAssets: number;
  /** Lines for an asset id we do not have (made-up paths): not counted. */
  readonly unknownAssets: number;
}

interface ViewerTally {
  requests: number;
  servedRequests: number;
  views: number;
  bytes: number;
  /** Served media segments, one key per segment whatever its rendition, and their seconds. */
  readonly segments: Map<string, number>;
}

interface DayTally {
  readonly assetId: string;
  readonly orgId: string;
  readonly day: string;
  requests: number;
  views: number;
  bytes: number;
  /** Viewers with at least one served request (the unique viewers). */
  readonly viewers: Set<string>;
  /** Every client of the day, served or not, by viewer hash: one playback.tallied event each. */
  readonly clients: Map<string, ViewerTally>;
}

/**
 * The length of a VOD segment: the transcoder's TRANSCODE_SEGMENT_SECONDS default. Live segments
 * are named with six digits (workers/live-ingest/publish.ts) and last LIVE_SEGMENT_SECONDS.
 */
const VOD_SEGMENT_SECONDS = 4;
/** `…/<rendition>/seg-00017.m4s` → the segment without its rendition, and its length. */
const MEDIA_SEGMENT = /^(.*)\/[^/]+\/seg-(\d{5,6})\.m4s$/;

const VIEWER_HASH_BYTES = 16;

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
 *   seconds_watched  per client, the distinct media segments served in the batch (a segment in
 *             two renditions counts once) times their length, added up
 *
 * The same transaction writes one playback.tallied event per asset, day and client, so the
 * warehouse can count unique viewers and watch time over any range from events alone.
 */
export async function ingestBatch(pool: DbPool, viewerSalt: string, body: Buffer): Promise<IngestSummary> {
  const batchSha256 = createHash('sha256').update(body).digest();
  const parsed = parseCdnLog(body.toString('utf8'));
  const known = await videoOwners(pool, [...new Set(parsed.entries.map((entry) => entry.assetId))]);
  const entries = parsed.entries.filter((entry) => known.has(entry.assetId));
  const tallies = tally(entries, known, viewerSalt);
  const summary = {
    counted: entries.length,
    malformed: parsed.malformed,
    notAssets: parsed.notAssets,
    unknownAssets: parsed.entries.length - entries.length,
  };

  const duplicate = await withTransaction(pool, async (connection) => {
    if (!(await recordLogBatchOnce(connection, batchSha256))) return true;
    for (const day of tallies) {
      await addViewDay(connection, {
        assetId: day.assetId,
        day: day.day,
        requests: day.requests,
        views: day.views,
        bytes: day.bytes,
        viewerHashes: [...day.viewers].sort(),
        secondsWatched: secondsWatchedOf(day),
      });
    }
    await appendAllToOutbox(connection, tallies.flatMap(playbackEvents));
    return false;
  });
  return duplicate ? { ...summary, duplicate, counted: 0 } : { ...summary, duplicate };
}

/** Sorted by asset and day (and viewers sorted within): concurrent batches lock rows in one order. */
function tally(
  entries: readonly CdnLogEntry[],
  owners: ReadonlyMap<string, string>,
  viewerSalt: string,
): DayTally[] {
  const days = new Map<string, DayTally>();
  for (const entry of entries) {
    const orgId = owners.get(entry.assetId);
    if (orgId === undefined) continue;
    const key = `${entry.assetId} ${entry.day}`;
    let day = days.get(key);
    if (!day) {
      day = {
        assetId: entry.assetId,
        orgId,
        day: entry.day,
        requests: 0,
        views: 0,
        bytes: 0,
        viewers: new Set(),
        clients: new Map(),
      };
      days.set(key, day);
    }
    const viewer = viewerHash(viewerSalt, entry.clientIp, entry.userAgent);
    let client = day.clients.get(viewer);
    if (!client) {
      client = { requests: 0, servedRequests: 0, views: 0, bytes: 0, segments: new Map() };
      day.clients.set(viewer, client);
    }
    day.requests += 1;
    day.bytes += entry.bytes;
    client.requests += 1;
    client.bytes += entry.bytes;
    if (entry.isView) {
      day.views += 1;
      client.views += 1;
    }
    if (entry.served) {
      day.viewers.add(viewer);
      client.servedRequests += 1;
      const segment = MEDIA_SEGMENT.exec(entry.objectPath);
      if (entry.method === 'GET' && segment) {
        const seconds = segment[2]?.length === 6 ? LIVE_SEGMENT_SECONDS : VOD_SEGMENT_SECONDS;
        client.segments.set(`${segment[1]}/${segment[2]}`, seconds);
      }
    }
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

const secondsOf = (client: ViewerTally) => [...client.segments.values()].reduce((sum, s) => sum + s, 0);

function secondsWatchedOf(day: DayTally): number {
  let seconds = 0;
  for (const client of day.clients.values()) seconds += secondsOf(client);
  return seconds;
}

/**
 * One playback.tallied event per client of the day, in viewer-hash order. Each is its own
 * aggregate (video, day, viewer): nothing orders one viewer's tallies against another's, and the
 * relay puts one event per aggregate per request, so a popular video's thousands of viewers go
 * out in a few requests instead of queueing one by one behind its id.
 */
function playbackEvents(day: DayTally): DomainEvent[] {
  return [...day.clients.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([viewerHash, client]) => ({
      aggregateType: 'playback',
      aggregateId: `${day.assetId}:${day.day}:${viewerHash}`,
      type: 'playback.tallied',
      payload: {
        assetId: day.assetId,
        orgId: day.orgId,
        day: day.day,
        viewerHash,
        requests: client.requests,
        servedRequests: client.servedRequests,
        views: client.views,
        bytes: client.bytes,
        secondsWatched: secondsOf(client),
      },
    }));
}
