/**
 * The audience page's figures, pure (Node unit tests run it): one row per day of the range (days
 * without sales or traffic are zeros, so a chart's gaps mean "nothing", not "unknown"), and totals.
 */

import { revenueAmount } from './studio-form.ts';
import type { CdnDay, SalesDay } from './studio-types.ts';

const DAY_MS = 86_400_000;

/** Every `YYYY-MM-DD` from `from` to `to` inclusive (UTC days); empty when either is not a day. */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return [];
  const days: string[] = [];
  for (let at = start; at <= end && days.length < 400; at += DAY_MS)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export interface SalesRow {
  readonly day: string;
  readonly ticketsSold: number;
  /** Minor units of the show's currency. */
  readonly revenue: number;
}

/** Sales per day over the answer's own days (the API sends the whole range), oldest first. */
export function salesRows(days: readonly SalesDay[]): SalesRow[] {
  return [...days]
    .map((day) => ({
      day: day.day.slice(0, 10),
      ticketsSold: day.ticketsSold ?? 0,
      revenue: revenueAmount(day.revenue),
    }))
    .sort((a, b) => a.day.localeCompare(b.day));
}

/** CDN figures for every day from `from` to `to` (the API lists only days with traffic). */
export function viewRows(from: string, to: string, days: readonly CdnDay[]): CdnDay[] {
  const byDay = new Map(days.map((day) => [day.day, day]));
  return daysBetween(from, to).map(
    (day) => byDay.get(day) ?? { day, requests: 0, views: 0, bytes: 0, viewers: 0 },
  );
}

export function sum<T>(rows: readonly T[], pick: (row: T) => number): number {
  return rows.reduce((total, row) => total + pick(row), 0);
}

/** Seconds since the epoch at the day's start (UTC): uPlot's time axis. */
export function dayToSeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}
