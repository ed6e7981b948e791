import { describe, expect, it } from 'vitest';
import {
  amountIn,
  funnelRows,
  hoursOf,
  insightsPath,
  mainCurrency,
  namesOf,
  percent,
  rangeDaysOf,
  rangeOf,
  withNames,
} from '../../../../web/src/pages/insights/insights-data.ts';

describe('Module: web insights data', () => {
  describe('Function: rangeOf', () => {
    it('ends on today’s UTC day and asks the API for it', () => {
      // Act
      const range = rangeOf(rangeDaysOf('7'), new Date('2026-12-07T23:30:00-02:00'));

      // Assess: 23:30 at UTC-2 is already the 8th in UTC
      expect(range).toEqual({ from: '2026-12-02', to: '2026-12-08' });
      expect(insightsPath('designer', range)).toBe('/insights/designer?from=2026-12-02&to=2026-12-08');
    });

    it('takes only the offered periods from the address, else 30 days', () => {
      // Act + Assess
      expect([rangeDaysOf('90'), rangeDaysOf('12'), rangeDaysOf(null), rangeDaysOf('7.0')]).toEqual([
        90, 30, 30, 7,
      ]);
    });
  });

  describe('Function: withNames', () => {
    it('names the answer’s ids from a list answer, falling back to the id, busiest first', () => {
      // Prepare
      const names = namesOf({
        items: [
          { id: 's1', title: 'Opening night' },
          { id: 'd1', name: 'Hinge' },
          { id: 7, title: 'not an id' },
        ],
      });

      // Act
      const rows = withNames(
        [
          { showId: 's1', ticketsSold: 2 },
          { showId: 's9', ticketsSold: 5 },
          { showId: 'd1', ticketsSold: 2 },
        ],
        (row) => row.showId,
        names,
        (a, b) => b.ticketsSold - a.ticketsSold,
      );

      // Assess
      expect(rows.map((row) => row.name)).toEqual(['s9', 'Hinge', 'Opening night']);
      expect(namesOf(null).size).toBe(0);
    });
  });

  describe('Function: mainCurrency', () => {
    it('draws the currency most of the money is in', () => {
      // Prepare
      const revenue = [
        { currency: 'eur', amount: 3000 },
        { currency: 'usd', amount: 4000 },
      ];

      // Act + Assess
      expect(mainCurrency(revenue)).toBe('usd');
      expect(mainCurrency([])).toBeNull();
      expect(amountIn(revenue, 'eur')).toBe(3000);
      expect(amountIn(revenue, 'gbp')).toBe(0);
      expect(amountIn(revenue, null)).toBe(0);
    });
  });

  describe('Function: funnelRows', () => {
    it('gives each step its share of the step before and of the first', () => {
      // Act
      const rows = funnelRows({ showPageViews: 200, checkoutsStarted: 20, ordersPaid: 15 });

      // Assess
      expect(rows.map((row) => [row.step, row.count, percent(row.ofPrevious), percent(row.ofFirst)])).toEqual(
        [
          ['showPageViews', 200, null, null],
          ['checkoutsStarted', 20, 10, 10],
          ['ordersPaid', 15, 75, 7.5],
        ],
      );
      expect(funnelRows({ showPageViews: 0, checkoutsStarted: 1, ordersPaid: 0 })[1]?.ofPrevious).toBeNull();
    });
  });

  describe('Function: hoursOf', () => {
    it('writes seconds watched as hours with one decimal', () => {
      // Act + Assess
      expect([hoursOf(5400), hoursOf(0), hoursOf(100)]).toEqual([1.5, 0, 0]);
    });
  });
});
