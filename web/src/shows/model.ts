/**
 * What the shows API answers (issue 16's contract), as the viewer pages read it. Pure types and
 * paths: no DOM, no Preact, so Node unit tests may import them.
 */
export type ShowState = 'upcoming' | 'live' | 'on_demand' | 'ended' | 'cancelled';
export type CatalogueTab = 'upcoming' | 'live' | 'on_demand';
export const CATALOGUE_TABS: readonly CatalogueTab[] = ['upcoming', 'live', 'on_demand'];

export interface Money {
  /** Minor units of the currency, as Stripe counts them (cents; yen are whole). */
  readonly amount: number;
  /** ISO 4217, lower case. */
  readonly currency: string;
}

export interface Show {
  readonly id: string;
  readonly orgId?: string;
  readonly title: string;
  readonly description: string | null;
  readonly startsAt: string;
  readonly capacity: number;
  readonly seatsAvailable: number;
  readonly price: Money;
  readonly videoId: string | null;
  readonly status: 'on_sale' | 'cancelled';
  readonly onSale?: boolean;
  /** Absent from an API older than issue 16: derived from status and time then. */
  readonly state?: ShowState;
  readonly posterUrl?: string | null;
  readonly creatorName?: string | null;
  readonly liveStreamId?: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface Checkout {
  readonly holdId: string;
  readonly checkoutUrl: string;
  readonly expiresAt: string;
}

export type HoldStatus = 'held' | 'paid' | 'released' | 'refunded';

export interface Hold {
  readonly id: string;
  readonly showId: string;
  readonly quantity: number;
  readonly amountTotal: number;
  readonly currency: string;
  readonly status: HoldStatus;
  readonly expiresAt: string;
  readonly releaseReason: string | null;
  readonly ticketIds: readonly string[];
}

/** A ticket as the list answers it; `code` only from `GET /v1/tickets/{id}`. */
export interface Ticket {
  readonly id: string;
  readonly showId?: string;
  readonly showTitle?: string;
  readonly showStartsAt?: string;
  /** The shape before issue 16 nested the show. */
  readonly show?: { readonly id: string; readonly title: string; readonly startsAt: string };
  readonly seat: number;
  readonly status: 'valid' | 'checked_in' | 'revoked';
  readonly revokedReason: string | null;
  readonly checkedInAt: string | null;
  readonly issuedAt: string;
  readonly code?: string | null;
}

export interface Playback {
  readonly url: string;
  readonly expiresAt: string;
  readonly live: boolean;
}

/** The show a ticket is for, whichever shape the API answered. */
export function ticketShow(ticket: Ticket): { id: string; title: string; startsAt: string } {
  return {
    id: ticket.showId ?? ticket.show?.id ?? '',
    title: ticket.showTitle ?? ticket.show?.title ?? '',
    startsAt: ticket.showStartsAt ?? ticket.show?.startsAt ?? '',
  };
}

/** The show's state: the API's, or (older API) from its status and start. */
export function showState(show: Show, now = Date.now()): ShowState {
  if (show.state) return show.state;
  if (show.status === 'cancelled') return 'cancelled';
  if (Date.parse(show.startsAt) > now) return 'upcoming';
  return show.videoId ? 'on_demand' : 'ended';
}

/** Whether seats can be bought now. */
export function buyable(show: Show): boolean {
  const state = showState(show);
  const onSale = show.onSale ?? (show.status === 'on_sale' && state === 'upcoming');
  return onSale && show.seatsAvailable > 0;
}

export const showsPath = (when: CatalogueTab, cursor: string | null) =>
  `/shows?when=${when}&limit=12${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
export const showPath = (id: string) => `/shows/${encodeURIComponent(id)}`;
export const holdPath = (id: string) => `/holds/${encodeURIComponent(id)}`;
export const ticketsPath = (cursor: string | null) =>
  `/tickets?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
export const ticketPath = (id: string) => `/tickets/${encodeURIComponent(id)}`;

/** A catalogue tab from the address's `?when=` (upcoming unless it names another). */
export function tabFrom(query: string | undefined): CatalogueTab {
  return CATALOGUE_TABS.includes(query as CatalogueTab) ? (query as CatalogueTab) : 'upcoming';
}
