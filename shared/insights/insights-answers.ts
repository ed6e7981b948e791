/**
 * The answers of `GET /v1/insights/{creator,designer,platform}`: types only, free of the warehouse
 * and of Node, so the portal and the studio read the same definitions the function writes
 * (shared/insights/insights.ts computes them; docs/insights.md defines each number).
 */

/** An inclusive range of UTC days, `YYYY-MM-DD`. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

/** An amount in a currency's smallest unit (cents), per ISO 4217 lower-case code. */
export interface Money {
  readonly currency: string;
  readonly amount: number;
}

export interface SalesFigures {
  readonly checkoutsStarted: number;
  readonly ordersPaid: number;
  readonly ticketsSold: number;
  /** Paid orders' amounts, per currency (gross: refunds are not taken off). */
  readonly revenue: readonly Money[];
  readonly ordersRefunded: number;
  readonly refunded: readonly Money[];
}

export interface PlaybackFigures {
  readonly views: number;
  readonly uniqueViewers: number;
  readonly secondsWatched: number;
  readonly bytes: number;
  readonly requests: number;
}

export interface DesignFigures {
  readonly licensesMinted: number;
  readonly printsCompleted: number;
  readonly printsSucceeded: number;
  readonly printsCounted: number;
}

export interface FunnelFigures {
  readonly showPageViews: number;
  readonly checkoutsStarted: number;
  readonly ordersPaid: number;
}

/** A creator's show figures: its sales, and how often its page was seen (the funnel's first step). */
export type ShowFigures = SalesFigures & { readonly showPageViews: number };

export interface CreatorInsights {
  readonly range: DayRange;
  readonly totals: ShowFigures & PlaybackFigures;
  readonly shows: readonly ({ readonly showId: string } & ShowFigures)[];
  readonly videos: readonly ({ readonly videoId: string } & PlaybackFigures)[];
  /** Every day of the range, oldest first, zeros included; unique viewers are per day. */
  readonly daily: readonly ({ readonly day: string } & ShowFigures & PlaybackFigures)[];
}

export interface DesignerInsights {
  readonly range: DayRange;
  readonly totals: DesignFigures;
  readonly designs: readonly ({ readonly designId: string } & DesignFigures)[];
  readonly daily: readonly ({ readonly day: string } & DesignFigures)[];
}

export interface PlatformInsights {
  readonly range: DayRange;
  readonly totals: SalesFigures & PlaybackFigures & DesignFigures;
  readonly funnel: FunnelFigures & {
    /** checkoutsStarted ÷ showPageViews, null without page views. */
    readonly checkoutRate: number | null;
    /** ordersPaid ÷ checkoutsStarted, null without checkouts. */
    readonly paymentRate: number | null;
  };
  readonly daily: readonly ({ readonly day: string } & FunnelFigures &
    Pick<SalesFigures, 'ticketsSold'> &
    Pick<PlaybackFigures, 'views' | 'uniqueViewers' | 'secondsWatched'> &
    Pick<DesignFigures, 'licensesMinted' | 'printsCompleted'>)[];
}
