/** A ticketed show: a live stream and/or a recorded video, sold by seats. */
export interface Show {
  readonly id: string;
  readonly orgId: string;
  readonly title: string;
  readonly description: string | null;
  readonly startsAt: Date;
  readonly capacity: number;
  readonly seatsSold: number;
  /** Smallest currency unit (cents). */
  readonly priceAmount: number;
  /** ISO 4217, lower-case as Stripe writes it. */
  readonly currency: string;
  readonly videoId: string | null;
  readonly status: ShowStatus;
  readonly createdAt: Date;
}

export type ShowStatus = 'on_sale' | 'cancelled';

/** A show with the seats its unexpired holds keep out of sale right now. */
export interface ShowAvailability extends Show {
  readonly seatsHeld: number;
  readonly seatsAvailable: number;
}

/**
 * A show as the catalogue presents it: its creator's name, the live stream linked to it and that
 * stream's status, and its video's status and poster.
 */
export interface ShowListing extends ShowAvailability {
  readonly creatorName: string | null;
  /** The live stream of the show's video (else the newest naming the show); null without one. */
  readonly liveStreamId: string | null;
  readonly liveStreamStatus: string | null;
  readonly videoStatus: string | null;
  /** The poster's object key in the media bucket, once the video is ready. */
  readonly posterKey: string | null;
}

/** Where a show is in its life, for the catalogue's tabs. */
export type ShowState = 'upcoming' | 'live' | 'on_demand' | 'ended' | 'cancelled';
export const SHOW_STATES: readonly ShowState[] = ['upcoming', 'live', 'on_demand', 'ended', 'cancelled'];
/** What a catalogue tab lists (`GET /v1/shows?when=`). */
export type ShowWhen = 'upcoming' | 'live' | 'on_demand';

/** Live stream statuses in which the show is live (a publisher on air or reconnecting). */
export const LIVE_SHOW_STREAM_STATUSES = ['starting', 'live', 'reconnecting'] as const;

/**
 * cancelled > live (its stream is on air or reconnecting) > upcoming (starts later) > on_demand
 * (its video is ready to play) > ended (started, nothing to play yet: a replay in the making, or
 * no video at all).
 */
export function showState(
  show: {
    status: ShowStatus;
    startsAt: Date;
    liveStreamStatus: string | null;
    videoStatus: string | null;
  },
  now: Date,
): ShowState {
  if (show.status === 'cancelled') return 'cancelled';
  if ((LIVE_SHOW_STREAM_STATUSES as readonly (string | null)[]).includes(show.liveStreamStatus))
    return 'live';
  if (show.startsAt.getTime() > now.getTime()) return 'upcoming';
  if (show.videoStatus === 'ready') return 'on_demand';
  return 'ended';
}

/** A poster is one JPEG frame (the transcoder writes ~50–300 KB); anything larger is not served. */
export const MAX_POSTER_BYTES = 2 * 1024 * 1024;

export const MAX_CAPACITY = 100_000;
export const MAX_SEATS_PER_ORDER = 10;
/**
 * Stripe takes at most eight digits in the smallest unit per charge; a price up to this bound
 * keeps a full order of MAX_SEATS_PER_ORDER seats inside that.
 */
export const MAX_PRICE_AMOUNT = 9_999_999;

/** Seats left for sale: never negative, even if holds and sales briefly disagree with a lowered capacity. */
export function seatsLeft(show: { capacity: number; seatsSold: number }, seatsHeld: number): number {
  return Math.max(0, show.capacity - show.seatsSold - seatsHeld);
}

/**
 * On sale: not cancelled, and either not started yet or with something to watch after its start
 * (a video: the live stream's recording in the making, or the show's video on demand). Late
 * viewers of a live show and replay viewers buy as everyone else; a show that started with
 * nothing to play sells nothing.
 */
export function isOnSale(
  show: { status: ShowStatus; startsAt: Date; videoId: string | null },
  now: Date,
): boolean {
  if (show.status !== 'on_sale') return false;
  return show.startsAt.getTime() > now.getTime() || show.videoId !== null;
}
