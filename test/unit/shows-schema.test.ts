import { describe, expect, it } from 'vitest';
import { presentShow } from '../../functions/shows/present.ts';
import {
  checkoutSchema,
  createShowSchema,
  encodeCursor,
  listQuerySchema,
} from '../../functions/shows/schema.ts';
import { newId } from '../../shared/ids.ts';
import { isOnSale, type ShowAvailability, seatsLeft } from '../../shared/shows/show.ts';

const future = new Date(Date.now() + 86_400_000).toISOString();

function availability(overrides: Partial<ShowAvailability> = {}): ShowAvailability {
  return {
    id: newId(),
    orgId: newId(),
    title: 'Show',
    description: null,
    startsAt: new Date(Date.now() + 3_600_000),
    capacity: 10,
    seatsSold: 2,
    priceAmount: 700,
    currency: 'eur',
    videoId: null,
    status: 'on_sale',
    createdAt: new Date(),
    seatsHeld: 3,
    seatsAvailable: 5,
    ...overrides,
  };
}

describe('Schema: create show', () => {
  it('trims the title, lower-cases the currency and reads the start as an instant', () => {
    // Act
    const parsed = createShowSchema.parse({
      title: '  Night print  ',
      startsAt: '2099-05-01T21:30:00+02:00',
      capacity: 100_000,
      price: { amount: 9_999_999, currency: 'UsD' },
    });

    // Assess
    expect(parsed).toEqual({
      title: 'Night print',
      startsAt: new Date('2099-05-01T19:30:00Z'),
      capacity: 100_000,
      price: { amount: 9_999_999, currency: 'usd' },
    });
  });

  it.each([
    ['an unknown member', { extra: true }],
    ['an unknown price member', { price: { amount: 1, currency: 'eur', tax: 1 } }],
    ['a currency of digits', { price: { amount: 1, currency: '978' } }],
    ['a start given as a date only', { startsAt: '2099-05-01' }],
    ['a description over 4000 characters', { description: 'x'.repeat(4001) }],
  ])('refuses %s', (_name, overrides) => {
    // Act
    const result = createShowSchema.safeParse({
      title: 'x',
      startsAt: future,
      capacity: 1,
      price: { amount: 1, currency: 'eur' },
      ...overrides,
    });

    // Assess
    expect(result.success).toBe(false);
  });
});

describe('Schema: checkout and listing', () => {
  it('takes 1 to 10 whole seats', () => {
    // Act
    const verdicts = [0, 1, 10, 11, 2.5].map((quantity) => checkoutSchema.safeParse({ quantity }).success);

    // Assess
    expect(verdicts).toEqual([false, true, true, false, false]);
  });

  it('round-trips a cursor and refuses one it did not make', () => {
    // Prepare
    const cursor = { startsAt: new Date('2099-01-02T03:04:05.678Z'), id: newId() };

    // Act
    const read = listQuerySchema.parse({ cursor: encodeCursor(cursor) });
    const forged = listQuerySchema.safeParse({
      cursor: Buffer.from('2099-01-01|nope').toString('base64url'),
    });

    // Assess
    expect(read).toEqual({ limit: 20, cursor });
    expect(forged.success).toBe(false);
  });
});

describe('Show availability', () => {
  it('never reports fewer than zero seats', () => {
    // Act & Assess
    expect(seatsLeft({ capacity: 10, seatsSold: 4 }, 3)).toBe(3);
    expect(seatsLeft({ capacity: 10, seatsSold: 9 }, 3)).toBe(0);
  });

  it('is on sale only while not cancelled and not started', () => {
    // Prepare
    const now = new Date('2030-01-01T00:00:00Z');

    // Act & Assess
    expect(isOnSale({ status: 'on_sale', startsAt: new Date('2030-01-01T00:00:01Z') }, now)).toBe(true);
    expect(isOnSale({ status: 'on_sale', startsAt: now }, now)).toBe(false);
    expect(isOnSale({ status: 'cancelled', startsAt: new Date('2031-01-01T00:00:00Z') }, now)).toBe(false);
  });

  it('presents no seats for a show that is not on sale', () => {
    // Act
    const open = presentShow(availability(), new Date());
    const cancelled = presentShow(availability({ status: 'cancelled' }), new Date());

    // Assess
    expect(open).toMatchObject({ onSale: true, seatsAvailable: 5, price: { amount: 700, currency: 'eur' } });
    expect(cancelled).toMatchObject({ onSale: false, seatsAvailable: 0 });
    expect(open).not.toHaveProperty('orgId');
  });
});
