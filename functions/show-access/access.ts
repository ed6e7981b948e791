import type { PlaybackUrls } from '#shared/cdn/cdn-from-config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { liveMasterPlaylistKey, PUBLISHING_STATUSES } from '#shared/live/live-stream.ts';
import { findStreamByAsset } from '#shared/live/live-stream-repository.ts';
import { findUser } from '#shared/people/user-repository.ts';
import type { Principal } from '#shared/runtime/auth-context.ts';
import {
  type CustomToken,
  createCustomToken,
  type FirebaseServiceAccount,
} from '#shared/shows/firebase-token.ts';
import { type Holder, holderOf, holderUid } from '#shared/shows/holder.ts';
import { findShowMedia, type ShowMedia } from '#shared/shows/show-repository.ts';
import { type AdmittingTicket, findValidTicket } from '#shared/shows/ticket-repository.ts';
import { MASTER_PLAYLIST_NAME } from '#shared/video/media-layout.ts';
import { notReady, notStarted, noValidTicket, replayPending, showCancelled } from './errors.ts';

/** The caller holds a valid ticket for the (found) show, which is not cancelled. */
async function admitTicket(pool: DbPool, show: ShowMedia, holder: Holder): Promise<AdmittingTicket> {
  const ticket = await findValidTicket(pool, show.id, holder);
  if (ticket === undefined) throw noValidTicket();
  if (show.status === 'cancelled') throw showCancelled();
  return ticket;
}

export interface Playback {
  readonly url: string;
  readonly expiresAt: Date;
  /** A live playlist (sliding window) rather than the VOD master. */
  readonly live: boolean;
}

/**
 * Who may watch: a valid ticket of the caller's, whose id the token names as its grant; or the
 * show's own organisation (its members and keys with `shows:write`: the creator watching what
 * viewers see), whose URLs name no grant, as the owner's video URLs do (GET /v1/videos/{id}).
 */
async function admitToWatch(
  pool: DbPool,
  showId: string,
  principal: Principal,
): Promise<{ show: ShowMedia; grantId: string | undefined }> {
  const show = await findShowMedia(pool, showId);
  if (!show) throw new NotFoundError(`No show ${showId}`);
  if (moderates(principal, show)) {
    if (show.status === 'cancelled') throw showCancelled();
    return { show, grantId: undefined };
  }
  const ticket = await admitTicket(pool, show, holderOf(principal));
  return { show, grantId: ticket.id };
}

/**
 * A tokenised edge URL of the show's master playlist, for a ticket holder (or the show's own
 * organisation): the live playlist while the show's stream is on (or between a disconnect and its
 * reconnect), the VOD master once the video is ready. Both are under the asset's folder, so the
 * token's scope is the same. A holder's token names the ticket, so revoking the ticket (refund,
 * dispute, the creator) puts it on the edge's revocation list and the URL stops working before it
 * expires.
 */
export async function playbackFor(
  pool: DbPool,
  urls: PlaybackUrls,
  ttlSeconds: number,
  showId: string,
  principal: Principal,
): Promise<Playback> {
  const { show, grantId: ticketId } = await admitToWatch(pool, showId, principal);
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

/** Where the browser's chat client connects: the local chat server, or Firestore in production. */
export type ChatTransport =
  | { readonly transport: 'websocket'; readonly url: string }
  /** apiKey: the project's Web API key the browser signs in with (absent when not configured). */
  | { readonly transport: 'firestore'; readonly projectId: string; readonly apiKey?: string };

export type ChatRole = 'viewer' | 'moderator';

export interface ChatAccess extends CustomToken {
  readonly uid: string;
  readonly role: ChatRole;
}

/** Who a chat token admits, and as whom (its developer claims). */
export interface ChatAdmission {
  readonly showId: string;
  /** The ticket that admits a viewer; null for a moderator (the show's organisation). */
  readonly ticketId: string | null;
  readonly role: ChatRole;
  /** The display name in the chat: the person's name, or the organisation's. */
  readonly name: string;
  /** `u_<userId>` for people, `o_<orgId>` for API keys. */
  readonly uid: string;
}

/** Longest display name a token carries (the chat cuts it to its own limit as well). */
const MAX_CHAT_NAME = 60;

/**
 * A Firebase custom token for the show's chat (the local chat server verifies the same tokens).
 * The claims name the show, the ticket (null for moderators), the role and the display name, so
 * the chat's Security Rules admit `auth.token.showId` to that show's room only.
 */
export function chatTokenFor(
  account: FirebaseServiceAccount,
  ttlSeconds: number,
  admission: ChatAdmission,
): ChatAccess {
  const token = createCustomToken(account, {
    uid: admission.uid,
    claims: {
      showId: admission.showId,
      ticketId: admission.ticketId,
      role: admission.role,
      name: admission.name.slice(0, MAX_CHAT_NAME),
    },
    ttlSeconds,
  });
  return { ...token, uid: admission.uid, role: admission.role };
}

/** A member of the show's organisation who may manage its shows moderates its chat, ticket or not. */
function moderates(principal: Principal, show: ShowMedia): boolean {
  const manages = principal.scopes.includes('shows:write') || principal.scopes.includes('admin');
  return manages && principal.orgId !== '' && principal.orgId === show.orgId;
}

/**
 * Who the caller is in the show's chat: a moderator (a member or key of the show's organisation
 * with `shows:write`), else a viewer admitted by a valid ticket of theirs.
 */
export async function chatAdmissionFor(
  pool: DbPool,
  principal: Principal,
  showId: string,
): Promise<ChatAdmission> {
  const show = await findShowMedia(pool, showId);
  if (!show) throw new NotFoundError(`No show ${showId}`);
  const holder = holderOf(principal);
  if (moderates(principal, show)) {
    if (show.status === 'cancelled') throw showCancelled();
    const person = principal.userId ? await findUser(pool, principal.userId) : undefined;
    return {
      showId,
      ticketId: null,
      role: 'moderator',
      name: person?.name ?? show.orgName,
      uid: holderUid(holder),
    };
  }
  const ticket = await admitTicket(pool, show, holder);
  return { showId, ticketId: ticket.id, role: 'viewer', name: ticket.holderName, uid: holderUid(holder) };
}
