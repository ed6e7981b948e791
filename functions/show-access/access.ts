import type { PlaybackUrls } from '#shared/cdn/cdn-from-config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { liveMasterPlaylistKey, PUBLISHING_STATUSES } from '#shared/live/live-stream.ts';
import { findStreamByAsset } from '#shared/live/live-stream-repository.ts';
import {
  type CustomToken,
  createCustomToken,
  type FirebaseServiceAccount,
} from '#shared/shows/firebase-token.ts';
import { findShowMedia, findValidTicketId, type ShowMedia } from '#shared/shows/playback-access.ts';
import { MASTER_PLAYLIST_NAME } from '#shared/video/media-layout.ts';
import { notReady, notStarted, noValidTicket, replayPending, showCancelled } from './errors.ts';

interface Admission {
  readonly show: ShowMedia;
  readonly ticketId: string;
}

/** The show exists and the caller holds a valid ticket for it; every access starts here. */
async function admit(pool: DbPool, showId: string, holderOrgId: string): Promise<Admission> {
  const show = await findShowMedia(pool, showId);
  if (!show) throw new NotFoundError(`No show ${showId}`);
  const ticketId = await findValidTicketId(pool, showId, holderOrgId);
  if (ticketId === undefined) throw noValidTicket();
  if (show.status === 'cancelled') throw showCancelled();
  return { show, ticketId };
}

export interface Playback {
  readonly url: string;
  readonly expiresAt: Date;
  /** A live playlist (sliding window) rather than the VOD master. */
  readonly live: boolean;
}

/**
 * A tokenised edge URL of the show's master playlist, for a ticket holder: the live playlist while
 * the show's stream is on (or between a disconnect and its reconnect), the VOD master once the
 * video is ready. Both are under the asset's folder, so the token's scope is the same. The token
 * names the ticket, so revoking the ticket (refund, dispute, the creator) puts it on the edge's
 * revocation list and the URL stops working before it expires.
 */
export async function playbackFor(
  pool: DbPool,
  urls: PlaybackUrls,
  ttlSeconds: number,
  showId: string,
  holderOrgId: string,
): Promise<Playback> {
  const { show, ticketId } = await admit(pool, showId, holderOrgId);
  if (show.videoId === null) throw notReady('The show has no video yet.');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  if (show.videoStatus === 'live') {
    const stream = await findStreamByAsset(pool, show.videoId);
    if (stream && (PUBLISHING_STATUSES.includes(stream.status) || stream.status === 'reconnecting')) {
      return {
        url: urls.playbackUrl(show.videoId, liveMasterPlaylistKey(show.videoId), ttlSeconds, ticketId),
        expiresAt,
        live: true,
      };
    }
    if (!stream || stream.status === 'idle') throw notStarted();
    throw replayPending();
  }
  if (
    show.videoOrigin === 'live' &&
    (show.videoStatus === 'queued' || show.videoStatus === 'transcoding' || show.videoStatus === 'packaging')
  ) {
    throw replayPending();
  }
  if (show.videoStatus !== 'ready' || show.mediaPrefix === null) {
    throw notReady(`The show’s video is ${show.videoStatus ?? 'missing'}, not ready.`);
  }
  return {
    url: urls.playbackUrl(show.videoId, `${show.mediaPrefix}${MASTER_PLAYLIST_NAME}`, ttlSeconds, ticketId),
    expiresAt,
    live: false,
  };
}

export interface ChatAccess extends CustomToken {
  readonly uid: string;
}

/**
 * A Firebase custom token for the show's chat. The uid names the viewer organisation; the claims
 * name the show and the ticket, so the chat's Security Rules can admit `auth.token.showId` to that
 * show's room only.
 */
export function chatTokenFor(
  account: FirebaseServiceAccount,
  ttlSeconds: number,
  admission: { showId: string; ticketId: string; holderOrgId: string },
): ChatAccess {
  const uid = `org:${admission.holderOrgId}`;
  const token = createCustomToken(account, {
    uid,
    claims: { showId: admission.showId, ticketId: admission.ticketId },
    ttlSeconds,
  });
  return { ...token, uid };
}

export async function chatAccessFor(
  pool: DbPool,
  account: FirebaseServiceAccount,
  ttlSeconds: number,
  showId: string,
  holderOrgId: string,
): Promise<ChatAccess> {
  const { ticketId } = await admit(pool, showId, holderOrgId);
  return chatTokenFor(account, ttlSeconds, { showId, ticketId, holderOrgId });
}
