/**
 * The dashboards' figures, pure (Node unit tests run it), shared by the designer's and the
 * operator's portal pages and the creator's studio page: the date range a page asks for, the
 * answers of `GET /v1/insights/{creator,designer,platform}` read into one shape (a figure the
 * answer lacks is 0 or absent, never a crash), one row per day of the range (a day without
 * activity is zeros, so a chart's gap means "nothing", not "unknown"), revenue per currency,
 * and the funnel's steps with their conversion.
 */

const DAY_MS = 86_400_000;

export {
  DEFAULT_RANGE,
  insightsPath,
  RANGE_CHOICES,
  type RangeDays,
  rangeDaysOf,
  rangeOf,
} from './insights-range.ts';

/** Every `YYYY-MM-DD` from `from` to `to` inclusive (UTC days); empty when either is not a day. */
export function daysBetween(from: string, to: string): string[] {
  const start = Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  const end = Date.parse(`${to.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return [];
  const days: string[] = [];
  for (let at = start; at <= end && days.length < 400; at += DAY_MS)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

/** Seconds since the epoch at the day's start (UTC): uPlot's time axis. */
export function dayToSeconds(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

/** An amount in the currency's smallest unit (cents), the API's convention for money. */
export interface Money {
  readonly currency: string;
  readonly amount: number;
}

type Loose = Readonly<Record<string, unknown>>;

const asRecord = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
const asList = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);
const finite = (value: unknown): number | null => {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) ? number : null;
};
const firstNumber = (record: Loose, names: readonly string[]): number => {
  for (const name of names) {
    const found = finite(record[name]);
    if (found !== null) return found;
  }
  return 0;
};
const firstText = (record: Loose, names: readonly string[]): string | null => {
  for (const name of names) {
    const value = record[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return null;
};

/**
 * Money in any of the shapes an answer may use: a list of `{ currency, amount }`, one such
 * object, or a map `{ eur: 3000 }`. Currencies lower-case, amounts added up per currency, the
 * largest first.
 */
export function readMoney(value: unknown): Money[] {
  const totals = new Map<string, number>();
  const add = (currency: unknown, amount: unknown) => {
    const number = finite(amount);
    if (typeof currency !== 'string' || currency === '' || number === null) return;
    const code = currency.toLowerCase();
    totals.set(code, (totals.get(code) ?? 0) + number);
  };
  if (Array.isArray(value)) {
    for (const item of value) {
      const record = asRecord(item);
      add(record.currency, record.amount ?? record.amountMinor ?? record.total);
    }
  } else {
    const record = asRecord(value);
    if (typeof record.currency === 'string') add(record.currency, record.amount ?? record.amountMinor);
    else for (const [currency, amount] of Object.entries(record)) add(currency, amount);
  }
  return [...totals.entries()]
    .map(([currency, amount]) => ({ currency, amount }))
    .sort((a, b) => b.amount - a.amount || a.currency.localeCompare(b.currency));
}

/** The money of a record, under whichever name the answer gives it. */
function moneyOf(record: Loose): Money[] {
  return readMoney(record.revenue ?? record.revenueByCurrency ?? record.revenues ?? []);
}

export function addMoney(lists: readonly (readonly Money[])[]): Money[] {
  return readMoney(lists.flat());
}

/** The currency most of the money is in (what the chart draws); null when there is none. */
export function mainCurrency(money: readonly Money[]): string | null {
  return readMoney(money)[0]?.currency ?? null;
}

export function amountIn(money: readonly Money[], currency: string | null): number {
  return currency ? (money.find((entry) => entry.currency === currency)?.amount ?? 0) : 0;
}

export function sum<T>(rows: readonly T[], pick: (row: T) => number): number {
  return rows.reduce((total, row) => total + pick(row), 0);
}

/** The answer's range, else the asked one. */
function rangeIn(answer: Loose, asked: { from: string; to: string }): { from: string; to: string } {
  const range = asRecord(answer.range);
  return {
    from: (firstText(answer, ['from']) ?? firstText(range, ['from']) ?? asked.from).slice(0, 10),
    to: (firstText(answer, ['to']) ?? firstText(range, ['to']) ?? asked.to).slice(0, 10),
  };
}

/** The daily series under whichever name the answer gives it. */
function dailyOf(answer: Loose): readonly Loose[] {
  return asList(answer.daily ?? answer.days ?? answer.series).map(asRecord);
}

/**
 * One row per day of the range from `rows` (a day missing from the answer is zeros); figures
 * named in `fields` are read under any of their names and added up when a day comes twice.
 */
function fillDays<Field extends string>(
  range: { from: string; to: string },
  rows: readonly Loose[],
  fields: Readonly<Record<Field, readonly string[]>>,
): (Readonly<Record<Field, number>> & { readonly day: string; readonly revenue: Money[] })[] {
  const byDay = new Map<string, Loose[]>();
  for (const row of rows) {
    const day = firstText(row, ['day', 'date'])?.slice(0, 10);
    if (!day) continue;
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  const names = Object.keys(fields) as Field[];
  return daysBetween(range.from, range.to).map((day) => {
    const found = byDay.get(day) ?? [];
    const figures = Object.fromEntries(
      names.map((name) => [name, sum(found, (row) => firstNumber(row, fields[name]))]),
    ) as Record<Field, number>;
    return { day, ...figures, revenue: addMoney(found.map(moneyOf)) };
  });
}

const CREATOR_DAY_FIELDS = {
  ticketsSold: ['ticketsSold', 'tickets'],
  checkouts: ['checkouts', 'ordersPlaced'],
  views: ['views'],
  uniqueViewers: ['uniqueViewers', 'viewers'],
  watchSeconds: ['watchSeconds', 'secondsWatched', 'watchTimeSeconds'],
  bytes: ['bytes', 'bytesDelivered'],
} as const;

export interface ShowFigures {
  readonly showId: string;
  readonly title: string;
  readonly ticketsSold: number;
  readonly checkouts: number;
  readonly revenue: Money[];
}

export interface VideoFigures {
  readonly videoId: string;
  readonly title: string;
  readonly views: number;
  readonly uniqueViewers: number;
  readonly watchSeconds: number;
  readonly bytes: number;
}

export type CreatorDay = ReturnType<typeof fillDays<keyof typeof CREATOR_DAY_FIELDS>>[number];

export interface CreatorInsights {
  readonly from: string;
  readonly to: string;
  readonly shows: readonly ShowFigures[];
  readonly videos: readonly VideoFigures[];
  readonly days: readonly CreatorDay[];
  readonly totals: {
    readonly ticketsSold: number;
    readonly checkouts: number;
    readonly revenue: Money[];
    readonly views: number;
    readonly uniqueViewers: number;
    readonly watchSeconds: number;
    readonly bytes: number;
  };
}

/** `GET /v1/insights/creator`: per show, per video and per day; totals from the answer or summed. */
export function readCreatorInsights(answer: unknown, asked: { from: string; to: string }): CreatorInsights {
  const record = asRecord(answer);
  const range = rangeIn(record, asked);
  const shows = asList(record.shows).map((item): ShowFigures => {
    const show = asRecord(item);
    const id = firstText(show, ['showId', 'id']) ?? '';
    return {
      showId: id,
      title: firstText(show, ['title', 'name']) ?? id,
      ticketsSold: firstNumber(show, CREATOR_DAY_FIELDS.ticketsSold),
      checkouts: firstNumber(show, CREATOR_DAY_FIELDS.checkouts),
      revenue: moneyOf(show),
    };
  });
  const videos = asList(record.videos).map((item): VideoFigures => {
    const video = asRecord(item);
    const id = firstText(video, ['videoId', 'assetId', 'id']) ?? '';
    return {
      videoId: id,
      title: firstText(video, ['title', 'name']) ?? id,
      views: firstNumber(video, CREATOR_DAY_FIELDS.views),
      uniqueViewers: firstNumber(video, CREATOR_DAY_FIELDS.uniqueViewers),
      watchSeconds: firstNumber(video, CREATOR_DAY_FIELDS.watchSeconds),
      bytes: firstNumber(video, CREATOR_DAY_FIELDS.bytes),
    };
  });
  const days = fillDays(range, dailyOf(record), CREATOR_DAY_FIELDS);
  const given = asRecord(record.totals);
  const hasTotals = Object.keys(given).length > 0;
  const total = (names: readonly string[], fallback: number) =>
    hasTotals && names.some((name) => finite(given[name]) !== null) ? firstNumber(given, names) : fallback;
  return {
    ...range,
    shows: [...shows].sort((a, b) => b.ticketsSold - a.ticketsSold || a.title.localeCompare(b.title)),
    videos: [...videos].sort((a, b) => b.views - a.views || a.title.localeCompare(b.title)),
    days,
    totals: {
      ticketsSold: total(
        CREATOR_DAY_FIELDS.ticketsSold,
        sum(shows, (show) => show.ticketsSold),
      ),
      checkouts: total(
        CREATOR_DAY_FIELDS.checkouts,
        sum(shows, (show) => show.checkouts),
      ),
      revenue:
        hasTotals && moneyOf(given).length > 0 ? moneyOf(given) : addMoney(shows.map((show) => show.revenue)),
      views: total(
        CREATOR_DAY_FIELDS.views,
        sum(videos, (video) => video.views),
      ),
      // unique viewers do not add up across videos (one person watches two): the answer's own
      // total when it gives one, else the largest video's as a floor
      uniqueViewers: total(
        CREATOR_DAY_FIELDS.uniqueViewers,
        Math.max(0, ...videos.map((video) => video.uniqueViewers)),
      ),
      watchSeconds: total(
        CREATOR_DAY_FIELDS.watchSeconds,
        sum(videos, (video) => video.watchSeconds),
      ),
      bytes: total(
        CREATOR_DAY_FIELDS.bytes,
        sum(videos, (video) => video.bytes),
      ),
    },
  };
}

const DESIGNER_DAY_FIELDS = {
  licenses: ['licenses', 'licensesMinted', 'licensesIssued'],
  prints: ['prints', 'printsCompleted'],
} as const;

export interface DesignFigures {
  readonly designId: string;
  readonly name: string;
  readonly licenses: number;
  readonly prints: number;
  readonly revenue: Money[];
}

export type DesignerDay = ReturnType<typeof fillDays<keyof typeof DESIGNER_DAY_FIELDS>>[number];

export interface DesignerInsights {
  readonly from: string;
  readonly to: string;
  readonly designs: readonly DesignFigures[];
  readonly days: readonly DesignerDay[];
  readonly totals: { readonly licenses: number; readonly prints: number; readonly revenue: Money[] };
}

/** `GET /v1/insights/designer`: per design and per day; totals from the answer or summed. */
export function readDesignerInsights(answer: unknown, asked: { from: string; to: string }): DesignerInsights {
  const record = asRecord(answer);
  const range = rangeIn(record, asked);
  const designs = asList(record.designs).map((item): DesignFigures => {
    const design = asRecord(item);
    const id = firstText(design, ['designId', 'id']) ?? '';
    return {
      designId: id,
      name: firstText(design, ['name', 'title']) ?? id,
      licenses: firstNumber(design, DESIGNER_DAY_FIELDS.licenses),
      prints: firstNumber(design, DESIGNER_DAY_FIELDS.prints),
      revenue: moneyOf(design),
    };
  });
  const given = asRecord(record.totals);
  const has = (names: readonly string[]) => names.some((name) => finite(given[name]) !== null);
  return {
    ...range,
    designs: [...designs].sort(
      (a, b) => b.licenses - a.licenses || b.prints - a.prints || a.name.localeCompare(b.name),
    ),
    days: fillDays(range, dailyOf(record), DESIGNER_DAY_FIELDS),
    totals: {
      licenses: has(DESIGNER_DAY_FIELDS.licenses)
        ? firstNumber(given, DESIGNER_DAY_FIELDS.licenses)
        : sum(designs, (design) => design.licenses),
      prints: has(DESIGNER_DAY_FIELDS.prints)
        ? firstNumber(given, DESIGNER_DAY_FIELDS.prints)
        : sum(designs, (design) => design.prints),
      revenue: moneyOf(given).length > 0 ? moneyOf(given) : addMoney(designs.map((design) => design.revenue)),
    },
  };
}

/** The platform's funnel: a show's page seen, a checkout started, an order paid. */
export const FUNNEL_STEPS = ['showPageViews', 'checkouts', 'ordersPaid'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

const FUNNEL_NAMES: Readonly<Record<FunnelStep, readonly string[]>> = {
  showPageViews: ['showPageViews', 'pageViews', 'showViews'],
  checkouts: ['checkouts', 'checkoutsStarted', 'ordersPlaced'],
  ordersPaid: ['ordersPaid', 'paidOrders', 'orders'],
};

export interface FunnelRow {
  readonly step: FunnelStep;
  readonly count: number;
  /** Share of the step before (null for the first step, or when the step before is 0). */
  readonly ofPrevious: number | null;
  /** Share of the first step (null for the first, or when it is 0). */
  readonly ofFirst: number | null;
}

export function funnelRows(counts: Readonly<Record<FunnelStep, number>>): FunnelRow[] {
  const first = counts.showPageViews;
  return FUNNEL_STEPS.map((step, index) => {
    const previous = index === 0 ? null : counts[FUNNEL_STEPS[index - 1] as FunnelStep];
    return {
      step,
      count: counts[step],
      ofPrevious: previous ? counts[step] / previous : null,
      ofFirst: index > 0 && first ? counts[step] / first : null,
    };
  });
}

/** Platform totals: named counts (as many as the answer gives) and revenue; the label comes from the page. */
export interface PlatformInsights {
  readonly from: string;
  readonly to: string;
  readonly totals: readonly { readonly name: string; readonly value: number }[];
  readonly revenue: Money[];
  readonly funnel: FunnelRow[];
  readonly days: readonly ReturnType<typeof fillDays<FunnelStep>>[number][];
}

/** `GET /v1/insights/platform`: totals (every numeric member, in the answer's order) and the funnel. */
export function readPlatformInsights(answer: unknown, asked: { from: string; to: string }): PlatformInsights {
  const record = asRecord(answer);
  const range = rangeIn(record, asked);
  const totalsRecord = asRecord(record.totals);
  const funnelRecord = asRecord(record.funnel);
  const counts = Object.fromEntries(
    FUNNEL_STEPS.map((step) => [step, firstNumber(funnelRecord, FUNNEL_NAMES[step])]),
  ) as Record<FunnelStep, number>;
  return {
    ...range,
    totals: Object.entries(totalsRecord)
      .map(([name, value]) => ({ name, value: finite(value) }))
      .filter((entry): entry is { name: string; value: number } => entry.value !== null),
    revenue: moneyOf(totalsRecord).length > 0 ? moneyOf(totalsRecord) : moneyOf(record),
    funnel: funnelRows(counts),
    days: fillDays(range, dailyOf(record), FUNNEL_NAMES),
  };
}

/** A whole-number percentage for the funnel (0.4567 → "46 %" in the page's words). */
export function percent(share: number | null): number | null {
  return share === null ? null : Math.round(share * 1000) / 10;
}

/** Seconds watched as hours for a chart axis (one decimal is plenty at a day's scale). */
export function hoursOf(seconds: number): number {
  return Math.round((seconds / 3600) * 10) / 10;
}
