import { randomUUID } from 'node:crypto';
import { DOMAIN_EVENTS } from '#events/domain/catalogue.ts';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import type { Warehouse } from '#shared/warehouse/warehouse.ts';

/**
 * A portal page view at `path`, as the relay publishes it: the warehouse loader's tests put these
 * on the stream and count what the warehouse stored by path (`viewsOf`), a path of their own each.
 */
export function pageViewed(path: string, sequence = String(Date.now())): PublishedEvent {
  return {
    id: randomUUID(),
    type: 'analytics.page_viewed',
    version: DOMAIN_EVENTS['analytics.page_viewed'].version,
    aggregateType: 'visitor',
    aggregateId: randomUUID(),
    occurredAt: new Date().toISOString(),
    sequence,
    payload: { page: 'portal', path, consent: false },
  };
}

/** How many page views at `path` the warehouse holds, each event once (its de-duplicating view). */
export async function viewsOf(warehouse: Warehouse, path: string): Promise<number> {
  const rows = await warehouse.query<{ views: number }>(
    "SELECT COUNT(*) AS views FROM events_unique WHERE JSON_VALUE(payload, '$.path') = @path",
    { path },
  );
  return Number(rows[0]?.views);
}
