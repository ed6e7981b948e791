/**
 * Prices, times and seats in words, in the viewer's language and time zone. Pure (Intl only), so
 * Node unit tests run it.
 */
import { currencyRule } from '#shared/payments/currencies.ts';
import type { Language } from '../app/language.ts';
import type { Money } from './model.ts';

const LOCALES: Readonly<Record<Language, string>> = { en: 'en-GB', it: 'it-IT' };

/**
 * A price in the show's currency. `amount` is in minor units as Stripe counts them: 1500 EUR is
 * 15,00 €, 500 JPY is ¥500 (zero-decimal), 5120 KWD is 5.120 KWD (three decimals), and 100 ISK is
 * 1 ISK (Stripe keeps two digits where ISO has none).
 */
export function formatPrice(language: Language, price: Money): string {
  const code = price.currency.toUpperCase();
  const digits = minorDigits(price.currency);
  const major = price.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(LOCALES[language], { style: 'currency', currency: code }).format(major);
  } catch {
    return `${major.toFixed(digits)} ${code}`; // a code Intl does not know
  }
}

function minorDigits(currency: string): number {
  const rule = currencyRule(currency);
  if (rule) return rule.minorDigits;
  try {
    return (
      new Intl.NumberFormat('en', { style: 'currency', currency: currency.toUpperCase() }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/**
 * The start in the viewer's own time zone, naming the zone ("Sat 12 Dec 2026, 20:30 CET"); the
 * zone given (tests) or the browser's.
 */
export function formatShowTime(language: Language, iso: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[language], {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** A time of day with its zone (a check-in: "20:31 CET"), with the date when not today. */
export function formatMoment(language: Language, iso: string, now = new Date(), timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = timeZone ? { timeZone } : {};
  const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { ...zone, dateStyle: 'short' }).format(d);
  const sameDay = day(date) === day(now);
  return new Intl.DateTimeFormat(LOCALES[language], {
    ...(sameDay ? {} : { day: 'numeric', month: 'short' }),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'short',
    ...zone,
  }).format(date);
}

/** Seats left in words; `null` when seats do not matter (not on sale). */
export function seatsKey(seatsAvailable: number): {
  key: 'soldOut' | 'oneSeatLeft' | 'seatsLeft';
  count: number;
} {
  if (seatsAvailable <= 0) return { key: 'soldOut', count: 0 };
  if (seatsAvailable === 1) return { key: 'oneSeatLeft', count: 1 };
  return { key: 'seatsLeft', count: seatsAvailable };
}
