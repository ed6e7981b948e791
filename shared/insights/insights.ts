import type { Warehouse, WarehouseParams, WarehouseValue } from '#shared/warehouse/warehouse.ts';
import type {
  CreatorInsights,
  DayRange,
  DesignerInsights,
  DesignFigures,
  Money,
  PlatformInsights,
  PlaybackFigures,
  SalesFigures,
} from './insights-answers.ts';
import {
  designsSql,
  funnelByDaySql,
  type InsightsScope,
  playbackSql,
  salesByDaySql,
  salesByShowSql,
  showPageViewsSql,
} from './insights-sql.ts';

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
  ShowFigures,
} from './insights-answers.ts';

/**
 * The dashboards' numbers, answered from the warehouse (events alone): the creator's (tickets,
 * revenue and checkouts per show; views, unique viewers, watch time and bytes per video), the
 * designer's (licenses and prints per design) and the platform operator's (totals and the funnel
 * from show page to paid order), each with a daily series. docs/insights.md defines each number.
 */

type Row = Record<string, WarehouseValue>;

/** A warehouse number (an integer beyond 2^53 comes as a string) as a number; NULL is 0. */
const num = (value: WarehouseValue | undefined): number =>
  value === null || value === undefined ? 0 : Number(value);
const text = (value: WarehouseValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

/** Every day from `from` to `to`, inclusive. */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (
    let at = Date.parse(`${range.from}T00:00:00Z`);
    at <= Date.parse(`${range.to}T00:00:00Z`);
    at += 86_400_000
  )
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

const ZERO_SALES: SalesFigures = {
  checkoutsStarted: 0,
  ordersPaid: 0,
  ticketsSold: 0,
  revenue: [],
  ordersRefunded: 0,
  refunded: [],
};
const ZERO_PLAYBACK: PlaybackFigures = {
  views: 0,
  uniqueViewers: 0,
  secondsWatched: 0,
  bytes: 0,
  requests: 0,
};
const ZERO_DESIGN: DesignFigures = {
  licensesMinted: 0,
  printsCompleted: 0,
  printsSucceeded: 0,
  printsCounted: 0,
};

const addMoney = (list: readonly Money[], currency: string | null, amount: number): Money[] => {
  if (currency === null || amount === 0) return [...list];
  const found = list.find((money) => money.currency === currency);
  const rest = list.filter((money) => money.currency !== currency);
  return [...rest, { currency, amount: (found?.amount ?? 0) + amount }].sort((a, b) =>
    a.currency < b.currency ? -1 : 1,
  );
};

const plusMoney = (list: readonly Money[], more: readonly Money[]): readonly Money[] =>
  more.reduce<readonly Money[]>((sum, money) => addMoney(sum, money.currency, money.amount), list);

const plusSales = (a: SalesFigures, b: SalesFigures): SalesFigures => ({
  checkoutsStarted: a.checkoutsStarted + b.checkoutsStarted,
  ordersPaid: a.ordersPaid + b.ordersPaid,
  ticketsSold: a.ticketsSold + b.ticketsSold,
  revenue: plusMoney(a.revenue, b.revenue),
  ordersRefunded: a.ordersRefunded + b.ordersRefunded,
  refunded: plusMoney(a.refunded, b.refunded),
});

const plusDesign = (a: DesignFigures, b: DesignFigures): DesignFigures => ({
  licensesMinted: a.licensesMinted + b.licensesMinted,
  printsCompleted: a.printsCompleted + b.printsCompleted,
  printsSucceeded: a.printsSucceeded + b.printsSucceeded,
  printsCounted: a.printsCounted + b.printsCounted,
});

/** Figures of one kind added up: `plus` adds two, `zero` stands for none. */
function sumOf<T>(figures: Iterable<T>, zero: T, plus: (a: T, b: T) => T): T {
  let total = zero;
  for (const f of figures) total = plus(total, f);
  return total;
}

/** One sales row's figures: one key, one currency. */
function salesOf(row: Row): SalesFigures {
  const currency = text(row.currency);
  return {
    checkoutsStarted: num(row.checkouts_started),
    ordersPaid: num(row.orders_paid),
    ticketsSold: num(row.tickets_sold),
    revenue: addMoney([], currency, num(row.revenue)),
    ordersRefunded: num(row.orders_refunded),
    refunded: addMoney([], currency, num(row.refunded)),
  };
}

/** Sales rows (several currencies per key) folded into one SalesFigures per key. */
function salesBy(rows: readonly Row[], key: string): Map<string, SalesFigures> {
  const byKey = new Map<string, SalesFigures>();
  for (const row of rows) {
    const id = text(row[key]) ?? '';
    byKey.set(id, plusSales(byKey.get(id) ?? ZERO_SALES, salesOf(row)));
  }
  return byKey;
}

const playbackOf = (row: Row | undefined): PlaybackFigures =>
  row
    ? {
        views: num(row.views),
        uniqueViewers: num(row.unique_viewers),
        secondsWatched: num(row.seconds_watched),
        bytes: num(row.bytes),
        requests: num(row.requests),
      }
    : ZERO_PLAYBACK;

const designOf = (row: Row | undefined): DesignFigures =>
  row
    ? {
        licensesMinted: num(row.licenses_minted),
        printsCompleted: num(row.prints_completed),
        printsSucceeded: num(row.prints_succeeded),
        printsCounted: num(row.prints_counted),
      }
    : ZERO_DESIGN;

const byText = (rows: readonly Row[], key: string) => new Map(rows.map((row) => [text(row[key]) ?? '', row]));

const totalSales = (figures: Iterable<SalesFigures>) => sumOf(figures, ZERO_SALES, plusSales);
const totalDesign = (figures: Iterable<DesignFigures>) => sumOf(figures, ZERO_DESIGN, plusDesign);

function paramsOf(range: DayRange, orgId?: string): WarehouseParams {
  return orgId === undefined
    ? { from: range.from, to: range.to }
    : { from: range.from, to: range.to, org: orgId };
}

/** A creator organisation's shows and videos (the shows and videos it owns). */
export async function creatorInsights(
  warehouse: Warehouse,
  orgId: string,
  range: DayRange,
): Promise<CreatorInsights> {
  const scope: InsightsScope = 'organisation';
  const params = paramsOf(range, orgId);
  const d = warehouse.dialect;
  const [showRows, salesDayRows, pageRows, pageDayRows, videoRows, playbackDayRows, playbackTotalRows] =
    await Promise.all([
      warehouse.query<Row>(salesByShowSql(d, scope), params),
      warehouse.query<Row>(salesByDaySql(d, scope), params),
      warehouse.query<Row>(showPageViewsSql(d, 'show'), params),
      warehouse.query<Row>(showPageViewsSql(d, 'day'), params),
      warehouse.query<Row>(playbackSql(d, scope, 'video'), params),
      warehouse.query<Row>(playbackSql(d, scope, 'day'), params),
      warehouse.query<Row>(playbackSql(d, scope, 'none'), params),
    ]);
  const sales = salesBy(showRows, 'show_id');
  const pageViews = new Map(pageRows.map((row) => [text(row.show_id) ?? '', num(row.show_page_views)]));
  const showIds = [...new Set([...sales.keys(), ...pageViews.keys()])].sort();
  const salesByDay = salesBy(salesDayRows, 'day');
  const pageViewsByDay = byText(pageDayRows, 'day');
  const playbackByDay = byText(playbackDayRows, 'day');
  return {
    range,
    totals: {
      ...totalSales(sales.values()),
      showPageViews: [...pageViews.values()].reduce((sum, views) => sum + views, 0),
      ...playbackOf(playbackTotalRows[0]),
    },
    shows: showIds.map((showId) => ({
      showId,
      ...(sales.get(showId) ?? ZERO_SALES),
      showPageViews: pageViews.get(showId) ?? 0,
    })),
    videos: videoRows.map((row) => ({ videoId: text(row.video_id) ?? '', ...playbackOf(row) })),
    daily: daysOf(range).map((day) => ({
      day,
      ...(salesByDay.get(day) ?? ZERO_SALES),
      showPageViews: num(pageViewsByDay.get(day)?.show_page_views),
      ...playbackOf(playbackByDay.get(day)),
    })),
  };
}

/** A designer organisation's designs (the designs it owns, whoever issued the licenses). */
export async function designerInsights(
  warehouse: Warehouse,
  orgId: string,
  range: DayRange,
): Promise<DesignerInsights> {
  const params = paramsOf(range, orgId);
  const d = warehouse.dialect;
  const [designRows, dayRows] = await Promise.all([
    warehouse.query<Row>(designsSql(d, 'organisation', 'design'), params),
    warehouse.query<Row>(designsSql(d, 'organisation', 'day'), params),
  ]);
  const designs = designRows.map((row) => ({ designId: text(row.design_id) ?? '', ...designOf(row) }));
  const byDay = byText(dayRows, 'day');
  return {
    range,
    totals: totalDesign(designs),
    designs,
    daily: daysOf(range).map((day) => ({ day, ...designOf(byDay.get(day)) })),
  };
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** The whole platform: totals, the funnel from show page to paid order, and a daily series. */
export async function platformInsights(warehouse: Warehouse, range: DayRange): Promise<PlatformInsights> {
  const scope: InsightsScope = 'platform';
  const params = paramsOf(range);
  const d = warehouse.dialect;
  const [salesDayRows, playbackDayRows, playbackTotalRows, designDayRows, funnelRows] = await Promise.all([
    warehouse.query<Row>(salesByDaySql(d, scope), params),
    warehouse.query<Row>(playbackSql(d, scope, 'day'), params),
    warehouse.query<Row>(playbackSql(d, scope, 'none'), params),
    warehouse.query<Row>(designsSql(d, scope, 'day'), params),
    warehouse.query<Row>(funnelByDaySql(d), params),
  ]);
  const salesByDay = salesBy(salesDayRows, 'day');
  const playbackByDay = byText(playbackDayRows, 'day');
  const designByDay = byText(designDayRows, 'day');
  const funnelByDay = byText(funnelRows, 'day');
  const daily = daysOf(range).map((day) => {
    const sales = salesByDay.get(day) ?? ZERO_SALES;
    const playback = playbackOf(playbackByDay.get(day));
    const design = designOf(designByDay.get(day));
    const funnel = funnelByDay.get(day);
    return {
      day,
      showPageViews: num(funnel?.show_page_views),
      checkoutsStarted: num(funnel?.checkouts_started),
      ordersPaid: num(funnel?.orders_paid),
      ticketsSold: sales.ticketsSold,
      views: playback.views,
      uniqueViewers: playback.uniqueViewers,
      secondsWatched: playback.secondsWatched,
      licensesMinted: design.licensesMinted,
      printsCompleted: design.printsCompleted,
    };
  });
  const sales = totalSales(salesByDay.values());
  const funnel = {
    showPageViews: daily.reduce((sum, day) => sum + day.showPageViews, 0),
    checkoutsStarted: daily.reduce((sum, day) => sum + day.checkoutsStarted, 0),
    ordersPaid: daily.reduce((sum, day) => sum + day.ordersPaid, 0),
  };
  return {
    range,
    totals: {
      ...sales,
      ...playbackOf(playbackTotalRows[0]),
      ...totalDesign([...designByDay.values()].map(designOf)),
    },
    funnel: {
      ...funnel,
      checkoutRate: rate(funnel.checkoutsStarted, funnel.showPageViews),
      paymentRate: rate(funnel.ordersPaid, funnel.checkoutsStarted),
    },
    daily,
  };
}
