import type { PlaybackUrls } from '#shared/cdn/cdn-from-config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import {
  type CustomToken,
  createCustomToken,
  type FirebaseServiceAccount,
} from '#shared/shows/firebase-token.ts';
import { findShowMedia, findValidTicketId, type ShowMedia } from '#shared/shows/playback-access.ts';
import { MASTER_PLAYLIST_NAME } from '#shared/video/media-layout.ts';
import { notReady, noValidTicket, showCancelled } from './errors.ts';

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
}

/**
 * A tokenised edge URL of the show's master playlist, for a ticket holder, when the video is
 * ready. The token names the ticket, so revoking the ticket (refund, dispute, the creator) puts
 * it on the edge's revocation list and the URL stops working before it expires.
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
  if (show.videoStatus !== 'ready' || show.mediaPrefix === null) {
    throw notReady(`The show’s video is ${show.videoStatus ?? 'missing'}, not ready.`);
  }
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  return {
    url: urls.playbackUrl(show.videoId, `${show.mediaPrefix}${MASTER_PLAYLIST_NAME}`, ttlSeconds, ticketId),
    expiresAt,
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
