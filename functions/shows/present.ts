import type { BuyerHold } from '#shared/shows/seat-holds.ts';
import { isOnSale, type ShowAvailability } from '#shared/shows/show.ts';

/** The public shape of a show: what anyone may see, including the seats left right now. */
export function presentShow(show: ShowAvailability, now: Date) {
  const onSale = isOnSale(show, now);
  return {
    id: show.id,
    title: show.title,
    description: show.description,
    startsAt: show.startsAt.toISOString(),
    status: show.status,
    onSale,
    capacity: show.capacity,
    seatsAvailable: onSale ? show.seatsAvailable : 0,
    price: { amount: show.priceAmount, currency: show.currency },
    videoId: show.videoId,
    createdAt: show.createdAt.toISOString(),
  };
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
