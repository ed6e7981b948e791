/**
 * The period an insights page shows and the API path that asks for it: apart from the figures'
 * reading (insights-data.ts), because the router's first-load list needs only this much and
 * everything it imports is in every page's initial JavaScript.
 */
const DAY_MS = 86_400_000;

/** The ranges a person can choose, in days ending today (UTC). */
export const RANGE_CHOICES = [7, 30, 90] as const;
export type RangeDays = (typeof RANGE_CHOICES)[number];
export const DEFAULT_RANGE: RangeDays = 30;

/** `?days=7` → 7; anything else → the default. */
export function rangeDaysOf(query: string | null | undefined): RangeDays {
  const asked = Number(query);
  return RANGE_CHOICES.find((choice) => choice === asked) ?? DEFAULT_RANGE;
}

/** The UTC days `days` long ending on `now`'s day, inclusive (`from`, `to` as YYYY-MM-DD). */
export function rangeOf(days: number, now: Date): { readonly from: string; readonly to: string } {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return {
    from: new Date(end - (days - 1) * DAY_MS).toISOString().slice(0, 10),
    to: new Date(end).toISOString().slice(0, 10),
  };
}

export const insightsPath = (
  kind: 'creator' | 'designer' | 'platform',
  range: { from: string; to: string },
) => `/insights/${kind}?from=${range.from}&to=${range.to}`;
