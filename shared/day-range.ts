import { z } from 'zod';

const DAY_MS = 86_400_000;
/** A year, a leap day included: longer ranges would scan more than any dashboard draws. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
const isoDay = z.iso.date();

/**
 * A query's `from`/`to`: UTC days, inclusive; by default the 30 days up to today (`to` alone: the
 * 30 days up to it). At most MAX_RANGE_DAYS days at once. One definition, so every route that
 * reads figures per day (insights, CDN stats) takes and refuses the same ranges.
 */
export const dayRangeQuerySchema = z
  .object({ from: isoDay.optional(), to: isoDay.optional() })
  .transform((query) => {
    const to = query.to ?? new Date().toISOString().slice(0, 10);
    const from =
      query.from ?? new Date(Date.parse(to) - (DEFAULT_RANGE_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
    return { from, to };
  })
  .refine(({ from, to }) => from <= to, { message: 'from is after to', path: ['from'] })
  .refine(({ from, to }) => (Date.parse(to) - Date.parse(from)) / DAY_MS < MAX_RANGE_DAYS, {
    message: `at most ${MAX_RANGE_DAYS} days at once`,
    path: ['from'],
  });
