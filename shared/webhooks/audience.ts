import type { DomainEventPayload, DomainEventType } from '#events/domain/catalogue.ts';
import type { PublishedEvent } from '#events/domain/stream-message.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { findLicense } from '#shared/licenses/license-repository.ts';
import { findStream } from '#shared/live/live-stream-repository.ts';
import { findShow } from '#shared/shows/show-repository.ts';
import { findVideo } from '#shared/video/video-repository.ts';

/**
 * The organisations an event concerns: whose endpoints may receive it. The rule, per aggregate:
 *
 * - design (`design.*`): the design's organisation (`payload.orgId`).
 * - license (`license.*`, `print.*`, `prints.settled`): the license's issuer (the designer) and
 *   its holder (the licensee); the payload names the holder of some, the license row gives both.
 * - order / ticket (`order.*`, `tickets.*`): the show's organisation (the creator) and the
 *   buying organisation (`holderOrgId`) when an API key bought; a person who bought has no endpoints.
 * - live stream (`live.*`): the stream's organisation.
 * - video (`video.*`): the video's organisation.
 *
 * Owners the payload does not name are looked up through the owning repositories; an aggregate
 * that no longer exists concerns only the organisations the payload names.
 */
export type AudienceResolver = (event: PublishedEvent) => Promise<readonly string[]>;

/**
 * A resolver that remembers each owner lookup for its own lifetime (one dispatch pass): a burst of
 * events about one license or show costs one query.
 */
export function audienceResolver(db: DbPool): AudienceResolver {
  const owners = new Map<string, Promise<readonly string[]>>();
  const cached = (key: string, load: () => Promise<readonly (string | null | undefined)[]>) => {
    let found = owners.get(key);
    if (!found) {
      found = load().then((ids) => ids.filter((id): id is string => typeof id === 'string'));
      owners.set(key, found);
    }
    return found;
  };
  const licenseParties = (licenseId: string) =>
    cached(`license:${licenseId}`, async () => {
      const license = await findLicense(db, licenseId);
      return license ? [license.issuerOrgId, license.holderOrgId] : [];
    });
  const showOwner = (showId: string) =>
    cached(`show:${showId}`, async () => [(await findShow(db, showId))?.show.orgId]);

  return async (event) => {
    const orgIds = await audienceOf(event, { licenseParties, showOwner, cached, db });
    return [...new Set(orgIds)];
  };
}

interface Lookups {
  readonly licenseParties: (licenseId: string) => Promise<readonly string[]>;
  readonly showOwner: (showId: string) => Promise<readonly string[]>;
  readonly cached: (
    key: string,
    load: () => Promise<readonly (string | null | undefined)[]>,
  ) => Promise<readonly string[]>;
  readonly db: DbPool;
}

async function audienceOf(event: PublishedEvent, lookups: Lookups): Promise<string[]> {
  const type = event.type as DomainEventType;
  const payload = event.payload as Record<string, unknown>;
  const named = (...keys: string[]) =>
    keys.map((key) => payload[key]).filter((value): value is string => typeof value === 'string');
  switch (type) {
    case 'design.registered':
    case 'design.rejected':
      return named('orgId');
    case 'license.minted':
    case 'license.failed':
    case 'license.revoked':
    case 'print.authorized':
    case 'print.expired':
    case 'print.completed':
    case 'prints.settled': {
      const { licenseId } = payload as DomainEventPayload<'license.failed'>;
      const parties = named('holderOrgId', 'orgId', 'designOrgId');
      // The payload names both parties (designOrgId is the issuer): no lookup.
      if (payload.designOrgId !== undefined && parties.length >= 2) return parties;
      return [...parties, ...(await lookups.licenseParties(licenseId))];
    }
    case 'order.placed':
    case 'tickets.issued':
    case 'tickets.revoked':
    case 'order.refunded': {
      const { showId } = payload as DomainEventPayload<'tickets.issued'>;
      const parties = named('holderOrgId', 'showOrgId');
      if (payload.showOrgId !== undefined) return parties;
      return [...parties, ...(await lookups.showOwner(showId))];
    }
    case 'live.started':
    case 'live.ended':
    case 'live.recording_ready': {
      const { streamId } = payload as DomainEventPayload<'live.started'>;
      return [
        ...(await lookups.cached(`live_stream:${streamId}`, async () => [
          (await findStream(lookups.db, streamId))?.orgId,
        ])),
      ];
    }
    case 'video.ready':
    case 'video.failed': {
      const { videoId } = payload as DomainEventPayload<'video.ready'>;
      return [
        ...(await lookups.cached(`video:${videoId}`, async () => [
          (await findVideo(lookups.db, videoId))?.orgId,
        ])),
      ];
    }
    default:
      // A type newer than this code: only organisations the payload names.
      return named('orgId', 'holderOrgId', 'showOrgId', 'designOrgId');
  }
}
