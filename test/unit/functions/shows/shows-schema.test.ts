import { describe, expect, it } from 'vitest';
import { presentShow } from '#functions/shows/present.ts';
import {
  checkoutSchema,
  createShowSchema,
  editShowSchema,
  encodeCursor,
  listQuerySchema,
  salesQuerySchema,
} from '#functions/shows/schema.ts';
import { newId } from '#shared/ids.ts';
import { isOnSale, type ShowListing, seatsLeft, showState } from '#shared/shows/show.ts';

const future = new Date(Date.now() + 86_400_000).toISOString();

function availability(overrides: Partial<ShowListing> = {}): ShowListing {
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
    creatorName: 'Studio Nove',
    liveStreamId: null,
    liveStreamStatus: null,
    videoStatus: null,
    posterKey: null,
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
    expect(read).toEqual({ when: 'upcoming', limit: 20, cursor });
    expect(forged.success).toBe(false);
  });
});

describe('Show availability', () => {
  it('never reports fewer than zero seats', () => {
    // Act & Assess
    expect(seatsLeft({ capacity: 10, seatsSold: 4 }, 3)).toBe(3);
    expect(seatsLeft({ capacity: 10, seatsSold: 9 }, 3)).toBe(0);
  });

  it('is on sale while not cancelled: before its start, or after it with something to play', () => {
    // Prepare
    const now = new Date('2030-01-01T00:00:00Z');

    // Act & Assess
    const later = new Date('2030-01-01T00:00:01Z');
    expect(isOnSale({ status: 'on_sale', startsAt: later, videoId: null }, now)).toBe(true);
    expect(isOnSale({ status: 'on_sale', startsAt: now, videoId: null }, now)).toBe(false);
    // Started with something to play (live now, replay coming, on demand): still sold.
    expect(isOnSale({ status: 'on_sale', startsAt: now, videoId: '01JC0000000000000000000000' }, now)).toBe(
      true,
    );
    expect(isOnSale({ status: 'cancelled', startsAt: later, videoId: null }, now)).toBe(false);
    expect(isOnSale({ status: 'cancelled', startsAt: now, videoId: '01JC0000000000000000000000' }, now)).toBe(
      false,
    );
  });

  it('presents no seats for a show that is not on sale', () => {
    // Act
    const open = presentShow(availability(), new Date());
    const cancelled = presentShow(availability({ status: 'cancelled' }), new Date());

    // Assess
    expect(open).toMatchObject({ onSale: true, seatsAvailable: 5, price: { amount: 700, currency: 'eur' } });
    expect(cancelled).toMatchObject({ onSale: false, seatsAvailable: 0, state: 'cancelled' });
  });

  it('presents the creator, the live stream and a same-origin poster URL once the video is ready', () => {
    const show = availability({
      liveStreamId: 'LS1',
      posterKey: 'videos/V/v1/poster.jpg',
      videoStatus: 'ready',
    });

    expect(presentShow(show, new Date())).toMatchObject({
      creatorName: 'Studio Nove',
      liveStreamId: 'LS1',
      posterUrl: `/v1/shows/${show.id}/poster`,
      state: 'upcoming',
    });
    expect(presentShow(availability(), new Date()).posterUrl).toBeNull();
  });
});

describe('Function: showState', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const later = new Date('2030-01-02T00:00:00Z');
  const earlier = new Date('2029-12-31T00:00:00Z');
  const state = (overrides: Partial<Parameters<typeof showState>[0]>) =>
    showState(
      { status: 'on_sale', startsAt: later, liveStreamStatus: null, videoStatus: null, ...overrides },
      now,
    );

  it('orders cancelled, live, upcoming, on demand and ended', () => {
    expect(state({ status: 'cancelled', liveStreamStatus: 'live' })).toBe('cancelled');
    for (const status of ['starting', 'live', 'reconnecting']) {
      expect(state({ liveStreamStatus: status, startsAt: later })).toBe('live');
      expect(state({ liveStreamStatus: status, startsAt: earlier })).toBe('live');
    }
    expect(state({ liveStreamStatus: 'idle' })).toBe('upcoming');
    expect(state({ videoStatus: 'ready' })).toBe('upcoming');
    expect(state({ startsAt: earlier, videoStatus: 'ready', liveStreamStatus: 'ended' })).toBe('on_demand');
    expect(state({ startsAt: earlier, videoStatus: 'transcoding', liveStreamStatus: 'ended' })).toBe('ended');
    expect(state({ startsAt: earlier })).toBe('ended');
  });
});

describe('Schema: edit show', () => {
  it('takes any member, clears the description with null, and lower-cases the currency', () => {
    expect(editShowSchema.parse({ description: null })).toEqual({ description: null });
    expect(editShowSchema.parse({ price: { amount: 900, currency: 'USD' }, capacity: 3 })).toEqual({
      price: { amount: 900, currency: 'usd' },
      capacity: 3,
    });
  });

  it('refuses an empty edit, a past start, unknown members and a capacity of 0', () => {
    for (const body of [
      {},
      { startsAt: '2001-01-01T00:00:00Z' },
      { seatsSold: 3 },
      { capacity: 0 },
      { title: '   ' },
      { price: { amount: 50, currency: 'jpy', extra: 1 } },
    ]) {
      expect(editShowSchema.safeParse(body).success, JSON.stringify(body)).toBe(false);
    }
  });
});

describe('Schema: catalogue and sales queries', () => {
  it('defaults to the upcoming tab and refuses another', () => {
    expect(listQuerySchema.parse({}).when).toBe('upcoming');
    expect(listQuerySchema.parse({ when: 'on_demand' }).when).toBe('on_demand');
    expect(listQuerySchema.safeParse({ when: 'past' }).success).toBe(false);
  });

  it('takes 1 to 366 days of sales, 30 by default', () => {
    expect(salesQuerySchema.parse({}).days).toBe(30);
    expect(salesQuerySchema.parse({ days: '7' }).days).toBe(7);
    expect(salesQuerySchema.safeParse({ days: '0' }).success).toBe(false);
    expect(salesQuerySchema.safeParse({ days: '400' }).success).toBe(false);
  });
});
