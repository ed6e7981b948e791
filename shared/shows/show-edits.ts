import type { ResultSetHeader } from 'mysql2/promise';
import { type DbPool, withTransaction } from '../db/pool.ts';
import { lockShowForSale } from './seat-holds.ts';

/** What a creator may change of a show (PATCH /v1/shows/{id}); absent members stay as they are. */
export interface ShowEdit {
  readonly title?: string;
  /** null or '' clears it. */
  readonly description?: string | null;
  readonly startsAt?: Date;
  readonly capacity?: number;
  readonly price?: { readonly amount: number; readonly currency: string };
}

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

    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (edit.title !== undefined) set('title', edit.title);
    if (edit.description !== undefined) set('description', edit.description || null);
    if (edit.startsAt !== undefined) set('starts_at', edit.startsAt);
    if (edit.capacity !== undefined) set('capacity', edit.capacity);
    if (edit.price !== undefined) {
      set('price_amount', edit.price.amount);
      set('currency', edit.price.currency);
    }
    if (sets.length > 0) {
      await connection.query<ResultSetHeader>(`UPDATE shows SET ${sets.join(', ')} WHERE id = ?`, [
        ...params,
        target.showId,
      ]);
    }
    return { kind: 'updated' };
  });
}
