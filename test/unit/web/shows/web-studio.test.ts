import { describe, expect, it } from 'vitest';
import { daysBetween, salesRows, viewRows } from '../../../../web/src/shows/studio/audience-data.ts';
import {
  contentTypeOf,
  formatMoney,
  fromMinorUnits,
  isoToLocalInput,
  localInputToIso,
  toMinorUnits,
  wholePercent,
} from '../../../../web/src/shows/studio/studio-form.ts';

describe('studio prices in minor units (shared/payments/currencies.ts decides the digits)', () => {
  it('reads two-, zero- and three-decimal currencies, with either decimal mark', () => {
    // Act + Assess
    expect(toMinorUnits('12.50', 'eur')).toEqual({ ok: true, amount: 1250 });
    expect(toMinorUnits('12,5', 'eur')).toEqual({ ok: true, amount: 1250 });
    expect(toMinorUnits(' 9 ', 'usd')).toEqual({ ok: true, amount: 900 });
    expect(toMinorUnits('500', 'jpy')).toEqual({ ok: true, amount: 500 });
    expect(toMinorUnits('5.12', 'kwd')).toEqual({ ok: true, amount: 5120 });
  });

  it('refuses what cannot be charged, saying why', () => {
    // Act + Assess
    expect(toMinorUnits('', 'eur')).toEqual({ ok: false, error: 'priceMissing' });
    expect(toMinorUnits('1.234', 'eur')).toEqual({ ok: false, error: 'priceTooPrecise' });
    expect(toMinorUnits('500.5', 'jpy')).toEqual({ ok: false, error: 'priceTooPrecise' });
    expect(toMinorUnits('5.125', 'kwd')).toEqual({ ok: false, error: 'priceNotChargeable' }); // Stripe: multiples of 10
    expect(toMinorUnits('1,000.00', 'eur')).toEqual({ ok: false, error: 'priceNotNumber' });
    expect(toMinorUnits('-3', 'eur')).toEqual({ ok: false, error: 'priceNotNumber' });
    expect(toMinorUnits('0', 'eur')).toEqual({ ok: false, error: 'priceNotChargeable' });
    expect(toMinorUnits('100000', 'eur')).toEqual({ ok: false, error: 'priceNotChargeable' });
    expect(toMinorUnits('10', 'xyz')).toEqual({ ok: false, error: 'currencyUnknown' });
  });

  it('writes minor units back for the edit form and in words', () => {
    // Act + Assess
    expect(fromMinorUnits(1250, 'eur')).toBe('12.50');
    expect(fromMinorUnits(5, 'eur')).toBe('0.05');
    expect(fromMinorUnits(500, 'jpy')).toBe('500');
    expect(fromMinorUnits(5120, 'kwd')).toBe('5.120');
    expect(formatMoney('en-GB', 1250, 'eur')).toBe('€12.50');
    expect(formatMoney('en-GB', 500, 'jpy')).toMatch(/¥500$/); // JP¥ in en-GB
    expect(formatMoney('it-IT', 1250, 'eur')).toMatch(/^12,50\s€$/);
  });
});

describe('studio start time: the creator’s wall clock to an ISO instant in UTC', () => {
  it('converts in the zone the process runs in and back', () => {
    // Prepare
    const local = '2030-05-01T19:30';

    // Act
    const iso = localInputToIso(local);

    // Assess: the same wall-clock time read back, and an instant in UTC
    expect(iso).toMatch(/^2030-05-01T\d{2}:30:00\.000Z$/);
    expect(new Date(iso as string).getHours()).toBe(19);
    expect(isoToLocalInput(iso as string)).toBe(local);
  });

  it('refuses what is not a datetime-local value', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('tomorrow')).toBeNull();
    expect(localInputToIso('2030-13-01T10:00')).toBeNull();
  });
});

describe('studio upload and audience helpers', () => {
  it('takes the content type from the browser, else the extension', () => {
    expect(contentTypeOf({ name: 'a.bin', type: 'video/webm' })).toBe('video/webm');
    expect(contentTypeOf({ name: 'Show.MOV', type: '' })).toBe('video/quicktime');
    expect(contentTypeOf({ name: 'clip.mkv', type: 'application/octet-stream' })).toBe('video/x-matroska');
    expect(contentTypeOf({ name: 'notes.txt', type: 'text/plain' })).toBeNull();
  });

  it('rounds transcoding progress down to a whole percent within 0–100', () => {
    expect(wholePercent(41.9)).toBe(41);
    expect(wholePercent(null)).toBeNull();
    expect(wholePercent(130)).toBe(100);
  });

  it('fills the days without traffic with zeros and orders sales by day', () => {
    // Act
    const rows = viewRows('2026-12-01', '2026-12-03', [
      { day: '2026-12-02', requests: 10, views: 3, bytes: 1000, viewers: 2 },
    ]);
    const sales = salesRows([
      { day: '2026-12-03', ticketsSold: 1, revenue: { amount: 900, currency: 'eur' } },
      { day: '2026-12-01', ticketsSold: 2, revenue: 1800 },
    ]);

    // Assess
    expect(rows.map((row) => [row.day, row.views])).toEqual([
      ['2026-12-01', 0],
      ['2026-12-02', 3],
      ['2026-12-03', 0],
    ]);
    expect(sales).toEqual([
      { day: '2026-12-01', ticketsSold: 2, revenue: 1800 },
      { day: '2026-12-03', ticketsSold: 1, revenue: 900 },
    ]);
    expect(daysBetween('2026-12-03', '2026-12-01')).toEqual([]);
  });
});
