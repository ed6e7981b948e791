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

/** On sale: not cancelled and not yet started. */
export function isOnSale(show: { status: ShowStatus; startsAt: Date }, now: Date): boolean {
  return show.status === 'on_sale' && show.startsAt.getTime() > now.getTime();
}
