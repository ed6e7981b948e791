import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { lockShowForSale } from '#shared/shows/seat-holds.ts';
import { type ShowEdit, updateShowFields } from '#shared/shows/show-repository.ts';

export type { ShowEdit };

export type ShowEditOutcome =
  | { readonly kind: 'updated' }
  /** No such show, or another organisation's (existence is not disclosed). */
  | { readonly kind: 'missing' }
  /** The capacity asked for is below the seats sold and held right now. */
  | { readonly kind: 'capacity-below-sold'; readonly minimum: number }
  /** Seats were sold or are held at the current price: it no longer changes. */
  | { readonly kind: 'price-locked' };

/**
 * Edits an organisation's show under the lock every sale takes (the show row), so a capacity is
 * never lowered below the seats a concurrent checkout or payment counts on, and the price cannot
 * change under an order: only before the first sale and while no seat is held.
 */
export async function editShow(
  pool: DbPool,
  target: { orgId: string; showId: string },
  edit: ShowEdit,
): Promise<ShowEditOutcome> {
  return withTransaction(pool, async (connection) => {
    const locked = await lockShowForSale(connection, target.showId);
    if (!locked || locked.show.orgId !== target.orgId) return { kind: 'missing' };
    const { show } = locked;
    const committed = show.seatsSold + show.seatsHeld;
    if (edit.capacity !== undefined && edit.capacity < committed) {
      return { kind: 'capacity-below-sold', minimum: committed };
    }
    const priceChanges =
      edit.price !== undefined &&
      (edit.price.amount !== show.priceAmount || edit.price.currency !== show.currency);
    if (priceChanges && committed > 0) return { kind: 'price-locked' };

    await updateShowFields(connection, target.showId, edit);
    return { kind: 'updated' };
  });
}
