import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';
import { currencyRule, priceProblem } from '#shared/payments/currencies.ts';
import { MAX_CAPACITY, MAX_PRICE_AMOUNT, MAX_SEATS_PER_ORDER } from '#shared/shows/show.ts';

export const showIdSchema = z.string().regex(ID_PATTERN, 'not a show id');
export const holdIdSchema = z.string().regex(ID_PATTERN, 'not an order (hold) id');

const titleSchema = z.string().trim().min(1).max(200);
const descriptionSchema = z.string().trim().max(4000);
/** An instant with its offset (`2030-05-01T19:30:00Z`, `…+02:00`); it must lie ahead. */
const startsAtSchema = z.iso
  .datetime({ offset: true })
  .transform((text) => new Date(text))
  .refine((when) => when.getTime() > Date.now(), 'must be in the future');
const capacitySchema = z.number().int().min(1).max(MAX_CAPACITY);
const priceSchema = z
  .strictObject({
    /** Smallest currency unit (cents; whole yen for JPY; fils for KWD), as Stripe counts it. */
    amount: z.number().int().positive().max(MAX_PRICE_AMOUNT),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code')
      .transform((code) => code.toLowerCase())
      .refine((code) => currencyRule(code) !== undefined, {
        message: 'must be an ISO 4217 currency Stripe can charge in (e.g. eur, usd, jpy)',
      }),
  })
  .superRefine((price, context) => {
    // Only once both fields passed on their own (zod runs this even when they did not): the
    // currency's minor-unit rule then decides which amounts can be charged.
    const amountValid =
      Number.isSafeInteger(price.amount) && price.amount > 0 && price.amount <= MAX_PRICE_AMOUNT;
    if (!amountValid || currencyRule(price.currency) === undefined) return;
    const problem = priceProblem(price.amount, price.currency);
    if (problem) context.addIssue({ code: 'custom', path: ['amount'], message: problem });
  });

export const createShowSchema = z.strictObject({
  title: titleSchema,
  description: descriptionSchema.optional(),
  startsAt: startsAtSchema,
  capacity: capacitySchema,
  price: priceSchema,
  videoId: z.string().regex(ID_PATTERN, 'not a video id').optional(),
});

/**
 * PATCH /v1/shows/{id}: any of the members, at least one. `description: null` (or '') clears it;
 * `capacity` may not go below the seats sold and held; `price` changes only before the first sale.
 */
export const editShowSchema = z
  .strictObject({
    title: titleSchema.optional(),
    description: descriptionSchema.nullable().optional(),
    startsAt: startsAtSchema.optional(),
    capacity: capacitySchema.optional(),
    price: priceSchema.optional(),
  })
  .refine(
    (edit) => Object.values(edit).some((value) => value !== undefined),
    'name at least one member to change',
  );

export const checkoutSchema = z.strictObject({
  quantity: z.number().int().min(1).max(MAX_SEATS_PER_ORDER),
});

/** The cursor is opaque to clients: the last show's start and id, base64url. */
const cursorSchema = z
  .string()
  .max(100)
  .transform((text, context) => {
    const [startsAt, id] = Buffer.from(text, 'base64url').toString('utf8').split('|');
    const when = new Date(startsAt ?? '');
    if (!id || !ID_PATTERN.test(id) || Number.isNaN(when.getTime())) {
      context.addIssue({ code: 'custom', message: 'not a cursor from this listing' });
      return z.NEVER;
    }
    return { startsAt: when, id };
  });

export function encodeCursor(cursor: { startsAt: Date; id: string }): string {
  return Buffer.from(`${cursor.startsAt.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

export const listQuerySchema = z.object({
  /** The catalogue's tab: `upcoming` (the default), `live` now, or `on_demand`. */
  when: z.enum(['upcoming', 'live', 'on_demand']).default('upcoming'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorSchema.optional(),
});

export const studioListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** The last show id of the previous page. */
  cursor: showIdSchema.optional(),
});

export const salesQuerySchema = z.object({
  /** Days back from today (UTC), today included. */
  days: z.coerce.number().int().min(1).max(366).default(30),
});
