import type {
  CreatorInsights,
  DesignerInsights,
  FunnelFigures,
  Money,
  PlatformInsights,
} from '#shared/insights/insights-answers.ts';

/**
 * The dashboards' figures, pure (Node unit tests run it), shared by the designer's and the
 * operator's portal pages and the creator's studio page: the answers of
 * `GET /v1/insights/{creator,designer,platform}` (shared/insights/insights.ts; docs/insights.md
 * defines each number), the period asked for (`?days=`, UTC days ending today), the names the
 * answers leave out (they carry ids), revenue per currency and the funnel's steps with their
 * conversion.
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

export type {
  CreatorInsights,
  DayRange,
  DesignerInsights,
  DesignFigures,
  FunnelFigures,
  Money,
  PlatformInsights,
  PlaybackFigures,
  SalesFigures,
} from '#shared/insights/insights-answers.ts';

export type CreatorDay = CreatorInsights['daily'][number];
export type DesignerDay = DesignerInsights['daily'][number];
export type PlatformDay = PlatformInsights['daily'][number];

/** What a page shows for a show, a video or a design: its name, or its id when the name is unknown. */
export type Named<T> = T & { readonly name: string };

/**
 * The rows with their names (the answers carry only ids: the names come from the show, video and
 * design lists), in `order`, then by name.
 */
export function withNames<T>(
  rows: readonly T[],
  idOf: (row: T) => string,
  names: ReadonlyMap<string, string>,
  order: (a: T, b: T) => number,
): Named<T>[] {
  return rows
    .map((row) => ({ ...row, name: names.get(idOf(row)) ?? idOf(row) }))
    .sort((a, b) => order(a, b) || a.name.localeCompare(b.name));
}

/** Names by id from a list answer (`items` of `{ id, title }` or `{ id, name }`); empty when it failed. */
export function namesOf(answer: unknown): Map<string, string> {
  const items = (answer as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return new Map();
  return new Map(
    items.flatMap((item: { id?: unknown; title?: unknown; name?: unknown }) => {
      const name = typeof item.title === 'string' ? item.title : item.name;
      return typeof item.id === 'string' && typeof name === 'string' ? [[item.id, name] as const] : [];
    }),
  );
}

/** The currency most of the money is in (what a chart draws); null when there is none. */
export function mainCurrency(money: readonly Money[]): string | null {
  return [...money].sort((a, b) => b.amount - a.amount)[0]?.currency ?? null;
}

export function amountIn(money: readonly Money[], currency: string | null): number {
  return currency ? (money.find((entry) => entry.currency === currency)?.amount ?? 0) : 0;
}

/** Seconds since the epoch at the day's start (UTC): uPlot's time axis. */
export function dayToSeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

/** The platform's funnel: a show's page seen, a checkout started, an order paid. */
export const FUNNEL_STEPS = ['showPageViews', 'checkoutsStarted', 'ordersPaid'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export interface FunnelRow {
  readonly step: FunnelStep;
  readonly count: number;
  /** Share of the step before (null for the first step, or when the step before is 0). */
  readonly ofPrevious: number | null;
  /** Share of the first step (null for the first, or when it is 0). */
  readonly ofFirst: number | null;
}

export function funnelRows(funnel: FunnelFigures): FunnelRow[] {
  const first = funnel.showPageViews;
  return FUNNEL_STEPS.map((step, index) => {
    const previous = index === 0 ? null : funnel[FUNNEL_STEPS[index - 1] as FunnelStep];
    return {
      step,
      count: funnel[step],
      ofPrevious: previous ? funnel[step] / previous : null,
      ofFirst: index > 0 && first ? funnel[step] / first : null,
    };
  });
}

/** A share as a percentage with one decimal (0.4567 → 45.7), null stays null. */
export function percent(share: number | null): number | null {
  return share === null ? null : Math.round(share * 1000) / 10;
}

/** Seconds watched as hours for a chart axis (one decimal is plenty at a day's scale). */
export function hoursOf(seconds: number): number {
  return Math.round((seconds / 3600) * 10) / 10;
}
