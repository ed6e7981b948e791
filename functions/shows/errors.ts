import { CodedProblemError } from '#shared/errors.ts';

/** A show edit refused for a reason the creator can act on; `code` is the stable machine-readable member. */
export class ShowEditRefusedError extends CodedProblemError {}

export const priceLocked = () =>
  new ShowEditRefusedError(
    409,
    'price_locked',
    'Price locked',
    'Seats have been sold or are held at the current price: it can no longer change.',
  );

export const capacityBelowSold = (minimum: number) =>
  new ShowEditRefusedError(
    409,
    'capacity_below_sold',
    'Capacity below the seats sold',
    `The capacity cannot go below the ${minimum} seat(s) sold or held right now.`,
    { minimum },
  );
