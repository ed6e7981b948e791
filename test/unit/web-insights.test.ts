import { describe, expect, it } from 'vitest';
import {
  daysBetween,
  funnelRows,
  insightsPath,
  mainCurrency,
  percent,
  rangeDaysOf,
  rangeOf,
  readCreatorInsights,
  readDesignerInsights,
  readMoney,
  readPlatformInsights,
} from '../../web/src/pages/insights/insights-data.ts';

const RANGE = { from: '2026-12-05', to: '2026-12-07' };

describe('Module: web insights data', () => {
  describe('Function: rangeOf', () => {
    it('ends on today’s UTC day and asks the API for it', () => {
      // Act
      const range = rangeOf(rangeDaysOf('7'), new Date('2026-12-07T23:30:00-02:00'));

      // Assess: 23:30 at UTC-2 is already the 8th in UTC
      expect(range).toEqual({ from: '2026-12-02', to: '2026-12-08' });
      expect(daysBetween(range.from, range.to)).toHaveLength(7);
      expect(insightsPath('designer', range)).toBe('/insights/designer?from=2026-12-02&to=2026-12-08');
      expect(rangeDaysOf('12')).toBe(30);
      expect(rangeDaysOf(null)).toBe(30);
    });
  });

  describe('Function: readMoney', () => {
    it('reads a list, one amount or a map per currency, adding per currency, largest first', () => {
      // Act + Assess
      expect(
        readMoney([
          { currency: 'EUR', amount: 1500 },
          { currency: 'usd', amount: 4000 },
          { currency: 'eur', amount: 1500 },
        ]),
      ).toEqual([
        { currency: 'usd', amount: 4000 },
        { currency: 'eur', amount: 3000 },
      ]);
      expect(readMoney({ currency: 'eur', amount: 250 })).toEqual([{ currency: 'eur', amount: 250 }]);
      expect(readMoney({ eur: 100, jpy: '500' })).toEqual([
        { currency: 'jpy', amount: 500 },
        { currency: 'eur', amount: 100 },
      ]);
      expect(readMoney(null)).toEqual([]);
      expect(mainCurrency(readMoney({ eur: 100, gbp: 90 }))).toBe('eur');
    });
  });

  describe('Function: readCreatorInsights', () => {
    it('fills every day of the range and sums totals the answer leaves out', () => {
      // Act
      const insights = readCreatorInsights(
        {
          shows: [
            {
              showId: 's1',
              title: 'Opening',
              ticketsSold: 2,
              checkouts: 3,
              revenue: [{ currency: 'eur', amount: 3000 }],
            },
            {
              showId: 's2',
              title: 'Encore',
              ticketsSold: 5,
              checkouts: 5,
              revenue: [{ currency: 'eur', amount: 7500 }],
            },
          ],
          videos: [
            { videoId: 'v1', title: 'Clip', views: 4, uniqueViewers: 3, watchSeconds: 600, bytes: 1e6 },
          ],
          daily: [
            { day: '2026-12-07', ticketsSold: 7, revenue: [{ currency: 'eur', amount: 10500 }], views: 4 },
          ],
        },
        RANGE,
      );

      // Assess
      expect(insights.days.map((day) => day.day)).toEqual(['2026-12-05', '2026-12-06', '2026-12-07']);
      expect(insights.days[0]).toMatchObject({ ticketsSold: 0, views: 0, revenue: [] });
      expect(insights.days[2]).toMatchObject({
        ticketsSold: 7,
        views: 4,
        revenue: [{ currency: 'eur', amount: 10500 }],
      });
      expect(insights.shows.map((show) => show.title)).toEqual(['Encore', 'Opening']);
      expect(insights.totals).toEqual({
        ticketsSold: 7,
        checkouts: 8,
        revenue: [{ currency: 'eur', amount: 10500 }],
        views: 4,
        uniqueViewers: 3,
        watchSeconds: 600,
        bytes: 1e6,
      });
    });

    it('takes the answer’s own totals (unique viewers do not add up across videos)', () => {
      // Act
      const insights = readCreatorInsights(
        {
          from: '2026-12-06',
          to: '2026-12-07',
          totals: { ticketsSold: 1, uniqueViewers: 2, revenue: { eur: 1500 } },
          videos: [
            { videoId: 'v1', uniqueViewers: 2 },
            { videoId: 'v2', uniqueViewers: 2 },
          ],
        },
        RANGE,
      );

      // Assess
      expect(insights.from).toBe('2026-12-06');
      expect(insights.days).toHaveLength(2);
      expect(insights.totals).toMatchObject({
        ticketsSold: 1,
        uniqueViewers: 2,
        revenue: [{ currency: 'eur', amount: 1500 }],
      });
      expect(insights.videos[0]?.title).toBe('v1'); // no title: the id
    });
  });

  describe('Function: readDesignerInsights', () => {
    it('reads per design and per day, sorted by licenses', () => {
      // Act
      const insights = readDesignerInsights(
        {
          designs: [
            { designId: 'd1', name: 'Hinge', licenses: 1, prints: 3 },
            { designId: 'd2', name: 'Bracket', licenses: 2, prints: 0 },
          ],
          daily: [
            { date: '2026-12-06', licenses: 2 },
            { date: '2026-12-07', licenses: 1, prints: 3 },
          ],
        },
        RANGE,
      );

      // Assess
      expect(insights.designs.map((design) => design.name)).toEqual(['Bracket', 'Hinge']);
      expect(insights.totals).toEqual({ licenses: 3, prints: 3, revenue: [] });
      expect(insights.days.map((day) => [day.licenses, day.prints])).toEqual([
        [0, 0],
        [2, 0],
        [1, 3],
      ]);
    });
  });

  describe('Function: readPlatformInsights', () => {
    it('reads totals in the answer’s order and the funnel with its conversion', () => {
      // Act
      const insights = readPlatformInsights(
        {
          totals: { organisations: 4, ticketsSold: 9, note: 'x' },
          funnel: { showPageViews: 200, checkouts: 20, ordersPaid: 15 },
        },
        RANGE,
      );

      // Assess
      expect(insights.totals).toEqual([
        { name: 'organisations', value: 4 },
        { name: 'ticketsSold', value: 9 },
      ]);
      expect(
        insights.funnel.map((row) => [row.step, row.count, percent(row.ofPrevious), percent(row.ofFirst)]),
      ).toEqual([
        ['showPageViews', 200, null, null],
        ['checkouts', 20, 10, 10],
        ['ordersPaid', 15, 75, 7.5],
      ]);
      expect(funnelRows({ showPageViews: 0, checkouts: 1, ordersPaid: 0 })[1]?.ofPrevious).toBeNull();
    });
  });
});
