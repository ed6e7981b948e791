/**
 * The rules of the studio's forms, pure (no DOM, no Preact) so Node unit tests run them: prices
 * typed in the currency's own units become Stripe's minor units (shared/payments/currencies.ts
 * decides the digits and steps), and a time typed in the creator's zone becomes an ISO instant
 * in UTC. The API stays the authority; these checks only say what is wrong before sending.
 */
import { currencyRule, priceProblem } from '#shared/payments/currencies.ts';
import { MAX_CAPACITY, MAX_PRICE_AMOUNT } from '#shared/shows/show.ts';
import type { VideoContentType } from './studio-types.ts';

export { MAX_CAPACITY };

/** The currencies offered first in the form (any code Stripe takes may be typed). */
export const COMMON_CURRENCIES = ['eur', 'usd', 'gbp', 'chf', 'jpy', 'kwd'] as const;

export type PriceError =
  | 'priceMissing'
  | 'priceNotNumber'
  | 'priceTooPrecise'
  | 'priceNotChargeable'
  | 'currencyUnknown';

/** Digits after the decimal point for `currency`, or undefined when Stripe does not take it. */
export function minorDigits(currency: string): number | undefined {
  return currencyRule(currency)?.minorDigits;
}

/**
 * `"12,50"` or `"12.50"` EUR → 1250; `"500"` JPY → 500; `"5.12"` KWD → 5120. Either decimal mark is
 * accepted (Italian creators type a comma); thousands separators are not (ambiguous).
 */
export function toMinorUnits(
  text: string,
  currency: string,
): { readonly ok: true; readonly amount: number } | { readonly ok: false; readonly error: PriceError } {
  const rule = currencyRule(currency);
  if (!rule) return { ok: false, error: 'currencyUnknown' };
  const trimmed = text.trim().replace(/\s/g, '');
  if (trimmed === '') return { ok: false, error: 'priceMissing' };
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(trimmed);
  if (!match) return { ok: false, error: 'priceNotNumber' };
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > rule.minorDigits) return { ok: false, error: 'priceTooPrecise' };
  const amount = Number(whole + fraction.padEnd(rule.minorDigits, '0'));
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_PRICE_AMOUNT)
    return { ok: false, error: 'priceNotChargeable' };
  if (priceProblem(amount, currency)) return { ok: false, error: 'priceNotChargeable' };
  return { ok: true, amount };
}

/** 1250 EUR → "12.50" (the form's field, a dot as the HTML number convention). */
export function fromMinorUnits(amount: number, currency: string): string {
  const digits = minorDigits(currency) ?? 2;
  if (digits === 0) return String(amount);
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${amount < 0 ? '-' : ''}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Money in the language's conventions, with the currency's own digits (¥500, € 12,50). */
export function formatMoney(locale: string, amount: number, currency: string): string {
  const digits = minorDigits(currency) ?? 2;
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency.toUpperCase()}`;
  }
}

/**
 * A `datetime-local` value (`2026-12-24T20:30`, wall-clock time in the zone the browser runs in)
 * as an ISO instant in UTC; null when it is not one (or names a wall-clock time the zone skips).
 */
export function localInputToIso(value: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(date.getTime())) return null;
  // the Date constructor rolls a 13th month or a time inside a spring-forward gap over: refuse
  // it rather than guess
  if (
    date.getFullYear() !== year ||
    date.getMonth() !== month - 1 ||
    date.getDate() !== day ||
    date.getHours() !== hour ||
    date.getMinutes() !== minute
  )
    return null;
  return date.toISOString();
}

/** An ISO instant as a `datetime-local` value in the browser's zone (the edit form's initial value). */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The contract's `revenue` (money) or a bare number in the show's currency, as minor units. */
export function revenueAmount(revenue: { readonly amount: number } | number | undefined | null): number {
  if (typeof revenue === 'number') return revenue;
  return revenue?.amount ?? 0;
}

/** Percent in words for the transcoder's progress: `42` → "42", null → null. */
export function wholePercent(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return Math.max(0, Math.min(100, Math.floor(value)));
}

/** The Intl locale of a portal language. */
export function localeOf(language: string): string {
  return language === 'it' ? 'it-IT' : 'en-GB';
}

const BY_EXTENSION: Readonly<Record<string, VideoContentType>> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
};

/** The content type the API takes, from the browser's type or else the extension. */
export function contentTypeOf(file: {
  readonly name: string;
  readonly type: string;
}): VideoContentType | null {
  const known = Object.values(BY_EXTENSION) as string[];
  if (known.includes(file.type)) return file.type as VideoContentType;
  const extension = file.name.split('.').pop()?.toLowerCase() ?? '';
  return BY_EXTENSION[extension] ?? null;
}
