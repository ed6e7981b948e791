import type { BuyerHold } from '#shared/shows/seat-holds.ts';
import { isOnSale, type ShowListing, showState } from '#shared/shows/show.ts';
import type { SalesDay, ShowSales } from './studio-stats.ts';

/** The public shape of a show: what anyone may see, including the seats left right now. */
export function presentShow(show: ShowListing, now: Date) {
  const onSale = isOnSale(show, now);
  return {
    id: show.id,
    orgId: show.orgId,
    title: show.title,
    description: show.description,
    startsAt: show.startsAt.toISOString(),
    status: show.status,
    state: showState(show, now),
    onSale,
    capacity: show.capacity,
    seatsAvailable: onSale ? show.seatsAvailable : 0,
    price: { amount: show.priceAmount, currency: show.currency },
    videoId: show.videoId,
    liveStreamId: show.liveStreamId,
    // Same origin as the API: the poster route streams it from the media bucket.
    posterUrl: show.posterKey ? `/v1/shows/${show.id}/poster` : null,
    creatorName: show.creatorName,
    createdAt: show.createdAt.toISOString(),
  };
}

/** A show in its creator's studio: the public shape plus what it sold. */
export function presentStudioShow(show: ShowListing, sales: ShowSales, now: Date) {
  const money = (amount: number) => ({ amount, currency: show.currency });
  return {
    ...presentShow(show, now),
    seatsSold: show.seatsSold,
    seatsHeld: show.seatsHeld,
    checkedIn: sales.checkedIn,
    revenue: money(sales.revenue),
    refunded: money(sales.refunded),
  };
}

export function presentSales(currency: string, days: readonly SalesDay[]) {
  return { currency, days: days.map((day) => ({ ...day })) };
}

/** An order as its buyer sees it: the success page polls this until `paid` and its tickets. */
export function presentHold(hold: BuyerHold) {
  return {
    id: hold.id,
    showId: hold.showId,
    quantity: hold.quantity,
    amountTotal: hold.amountTotal,
    currency: hold.currency,
    status: hold.status,
    expiresAt: hold.expiresAt.toISOString(),
    releaseReason: hold.releaseReason,
    ticketIds: [...hold.ticketIds],
  };
}
