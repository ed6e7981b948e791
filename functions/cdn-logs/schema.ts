import { z } from 'zod';
import { ID_PATTERN } from '../../shared/ids.ts';

/** Bodies larger than this are refused before they are decoded or parsed; set the endpoint's request_max_bytes to it. */
export const MAX_LOG_BATCH_BYTES = 5 * 1024 * 1024;

export const videoIdSchema = z.string().regex(ID_PATTERN, 'not a video id');

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 366;
const DEFAULT_RANGE_DAYS = 30;
const isoDay = z.iso.date();

/** `from`/`to` are UTC days, inclusive; by default the 30 days up to today. */
export const statsQuerySchema = z
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
