import type { WarehouseDialect } from '#shared/warehouse/warehouse.ts';

/**
 * The dashboards' SQL over the warehouse view `events_unique` (docs/warehouse.md), one builder per
 * query, each written for both dialects: only reading a payload member differs (BigQuery's
 * JSON_VALUE gives a string's value; DuckDB's gives JSON text, quotes included, so DuckDB reads
 * members with `->>`). Parameters: `@from` and `@to` (inclusive `YYYY-MM-DD` strings) and `@org`
 * (an organisation id) where a query is scoped to one. docs/insights.md defines every number.
 */
export type InsightsScope = 'organisation' | 'platform';

/** A payload member as a string (NULL when absent). Paths are constants of this file, never input. */
const member = (dialect: WarehouseDialect, path: string) =>
  dialect === 'duckdb' ? `(payload->>'$.${path}')` : `JSON_VALUE(payload, '$.${path}')`;
const integer = (dialect: WarehouseDialect, path: string) => `CAST(${member(dialect, path)} AS INT64)`;
/** Adds up a payload integer over the rows of one event type. */
const sumOf = (dialect: WarehouseDialect, type: string, path: string) =>
  `IFNULL(SUM(CASE WHEN type = '${type}' THEN ${integer(dialect, path)} ELSE 0 END), 0)`;

const inRange = 'event_date BETWEEN DATE(@from) AND DATE(@to)';
const ownedBy = (dialect: WarehouseDialect, scope: InsightsScope, path: string) =>
  scope === 'organisation' ? `AND ${member(dialect, path)} = @org` : '';

const SALES_TYPES = "('order.placed', 'tickets.issued', 'order.refunded')";

const salesFigures = (dialect: WarehouseDialect) => `
  COUNTIF(type = 'order.placed') AS checkouts_started,
  COUNTIF(type = 'tickets.issued') AS orders_paid,
  ${sumOf(dialect, 'tickets.issued', 'quantity')} AS tickets_sold,
  ${sumOf(dialect, 'tickets.issued', 'amountTotal')} AS revenue,
  COUNTIF(type = 'order.refunded') AS orders_refunded,
  ${sumOf(dialect, 'order.refunded', 'amountTotal')} AS refunded`;

/**
 * Ticket sales per show and currency (a show has one price currency; NULL for events written
 * before they carried it): checkouts started, orders paid, tickets sold, revenue, refunds.
 */
export function salesByShowSql(dialect: WarehouseDialect, scope: InsightsScope): string {
  return `SELECT ${member(dialect, 'showId')} AS show_id, ${member(dialect, 'currency')} AS currency,${salesFigures(dialect)}
FROM events_unique
WHERE type IN ${SALES_TYPES} AND ${inRange} ${ownedBy(dialect, scope, 'showOrgId')}
GROUP BY show_id, currency
ORDER BY show_id, currency`;
}

/** The same figures per UTC day (of the event) and currency. */
export function salesByDaySql(dialect: WarehouseDialect, scope: InsightsScope): string {
  return `SELECT event_date AS day, ${member(dialect, 'currency')} AS currency,${salesFigures(dialect)}
FROM events_unique
WHERE type IN ${SALES_TYPES} AND ${inRange} ${ownedBy(dialect, scope, 'showOrgId')}
GROUP BY day, currency
ORDER BY day, currency`;
}

const playbackFigures = (dialect: WarehouseDialect) => `
  ${sumOf(dialect, 'playback.tallied', 'views')} AS views,
  COUNT(DISTINCT CASE WHEN ${integer(dialect, 'servedRequests')} > 0 THEN ${member(dialect, 'viewerHash')} END) AS unique_viewers,
  ${sumOf(dialect, 'playback.tallied', 'secondsWatched')} AS seconds_watched,
  ${sumOf(dialect, 'playback.tallied', 'bytes')} AS bytes,
  ${sumOf(dialect, 'playback.tallied', 'requests')} AS requests`;

/**
 * Playback tallies of the days in the range (the payload's day: when the requests were made).
 * A tally is written when its log batch is ingested, never before its day, so `event_date >=
 * @from` only prunes partitions. Grouped per video, per day, or not at all (the range's totals,
 * where a viewer is counted once across days and videos).
 */
export function playbackSql(
  dialect: WarehouseDialect,
  scope: InsightsScope,
  groupBy: 'video' | 'day' | 'none',
): string {
  const key =
    groupBy === 'video'
      ? `${member(dialect, 'assetId')} AS video_id,`
      : groupBy === 'day'
        ? `${member(dialect, 'day')} AS day,`
        : '';
  const grouping =
    groupBy === 'none'
      ? ''
      : `GROUP BY ${groupBy === 'video' ? 'video_id' : 'day'}
ORDER BY ${groupBy === 'video' ? 'video_id' : 'day'}`;
  return `SELECT ${key}${playbackFigures(dialect)}
FROM events_unique
WHERE type = 'playback.tallied' AND event_date >= DATE(@from)
  AND ${member(dialect, 'day')} BETWEEN @from AND @to ${ownedBy(dialect, scope, 'orgId')}
${grouping}`;
}

const designFigures = (dialect: WarehouseDialect) => `
  COUNTIF(type = 'license.minted') AS licenses_minted,
  COUNTIF(type = 'print.completed') AS prints_completed,
  COUNTIF(type = 'print.completed' AND ${member(dialect, 'outcome')} = 'succeeded') AS prints_succeeded,
  COUNTIF(type = 'print.completed' AND ${member(dialect, 'counted')} = 'true') AS prints_counted`;

const DESIGN_TYPES = "('license.minted', 'print.completed')";

/** Licenses minted and prints completed per design, or per UTC day. */
export function designsSql(
  dialect: WarehouseDialect,
  scope: InsightsScope,
  groupBy: 'design' | 'day',
): string {
  const key = groupBy === 'design' ? `${member(dialect, 'designId')} AS design_id` : 'event_date AS day';
  const name = groupBy === 'design' ? 'design_id' : 'day';
  return `SELECT ${key},${designFigures(dialect)}
FROM events_unique
WHERE type IN ${DESIGN_TYPES} AND ${inRange} ${ownedBy(dialect, scope, 'designOrgId')}
GROUP BY ${name}
ORDER BY ${name}`;
}

/**
 * Show pages seen (analytics.page_viewed of a show page) of one organisation's shows, per show or
 * per UTC day. Whose show it is comes from show.created, whenever the show was created (so shows
 * created before that event existed are not counted).
 */
export function showPageViewsSql(dialect: WarehouseDialect, groupBy: 'show' | 'day'): string {
  const key = groupBy === 'show' ? `${member(dialect, 'showId')} AS show_id` : 'event_date AS day';
  const name = groupBy === 'show' ? 'show_id' : 'day';
  return `SELECT ${key}, COUNT(*) AS show_page_views
FROM events_unique
WHERE type = 'analytics.page_viewed' AND ${member(dialect, 'page')} = 'show' AND ${inRange}
  AND ${member(dialect, 'showId')} IN (
    SELECT ${member(dialect, 'showId')} FROM events_unique
    WHERE type = 'show.created' AND ${member(dialect, 'orgId')} = @org)
GROUP BY ${name}
ORDER BY ${name}`;
}

/**
 * The platform's funnel per UTC day: show pages viewed (analytics.page_viewed of a show page),
 * checkouts started (order.placed), orders paid (tickets.issued).
 */
export function funnelByDaySql(dialect: WarehouseDialect): string {
  return `SELECT event_date AS day,
  COUNTIF(type = 'analytics.page_viewed' AND ${member(dialect, 'page')} = 'show') AS show_page_views,
  COUNTIF(type = 'order.placed') AS checkouts_started,
  COUNTIF(type = 'tickets.issued') AS orders_paid
FROM events_unique
WHERE type IN ('analytics.page_viewed', 'order.placed', 'tickets.issued') AND ${inRange}
GROUP BY day
ORDER BY day`;
}
