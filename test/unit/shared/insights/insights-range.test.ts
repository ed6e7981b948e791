import { describe, expect, it } from 'vitest';
import { dayRangeQuerySchema, MAX_RANGE_DAYS } from '#shared/day-range.ts';
import { daysOf } from '#shared/insights/insights.ts';
import {
  designsSql,
  funnelByDaySql,
  playbackSql,
  salesByDaySql,
  salesByShowSql,
} from '#shared/insights/insights-sql.ts';

describe('Schema: insights range query', () => {
  it('takes an inclusive range of UTC days up to a year long', () => {
    // Act
    const parsed = dayRangeQuerySchema.safeParse({ from: '2025-12-07', to: '2026-12-07' });

    // Assess
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({ from: '2025-12-07', to: '2026-12-07' });
    expect(daysOf({ from: '2024-02-28', to: '2024-03-01' })).toEqual([
      '2024-02-28',
      '2024-02-29',
      '2024-03-01',
    ]);
  });

  it(`refuses more than ${MAX_RANGE_DAYS} days, a reversed range and what is not a day`, () => {
    // Act
    const tooLong = dayRangeQuerySchema.safeParse({ from: '2024-01-01', to: '2025-01-02' });
    const reversed = dayRangeQuerySchema.safeParse({ from: '2026-12-07', to: '2026-12-06' });
    const notADay = dayRangeQuerySchema.safeParse({ from: '2026-02-30' });
    const injected = dayRangeQuerySchema.safeParse({ from: "2026-12-01' OR 1=1 --" });

    // Assess
    expect(tooLong.error?.issues[0]?.message).toBe(`at most ${MAX_RANGE_DAYS} days at once`);
    expect(reversed.error?.issues[0]?.message).toBe('from is after to');
    expect(notADay.success).toBe(false);
    expect(injected.success).toBe(false);
  });

  it('defaults to the 30 days up to today, or up to `to`', () => {
    // Act
    const today = new Date().toISOString().slice(0, 10);
    const byDefault = dayRangeQuerySchema.parse({});
    const upTo = dayRangeQuerySchema.parse({ to: '2026-03-01' });

    // Assess
    expect(byDefault.to).toBe(today);
    expect(daysOf(byDefault)).toHaveLength(30);
    expect(upTo).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });
});

describe('Module: shared/insights/insights-sql', () => {
  const everyQuery = (dialect: 'duckdb' | 'bigquery') => [
    salesByShowSql(dialect, 'organisation'),
    salesByDaySql(dialect, 'platform'),
    playbackSql(dialect, 'organisation', 'video'),
    playbackSql(dialect, 'platform', 'none'),
    designsSql(dialect, 'organisation', 'design'),
    funnelByDaySql(dialect),
  ];

  it("reads payload members the dialect's way: DuckDB's ->> (its JSON_VALUE keeps quotes), BigQuery's JSON_VALUE", () => {
    // Assess
    for (const sql of everyQuery('duckdb')) {
      expect(sql).toContain("payload->>'$.");
      expect(sql).not.toContain('JSON_VALUE');
    }
    for (const sql of everyQuery('bigquery')) {
      expect(sql).toContain("JSON_VALUE(payload, '$.");
      expect(sql).not.toContain('->>');
    }
  });

  it('reads the de-duplicating view, bounded by the range parameters, scoped by @org only for an organisation', () => {
    // Assess
    for (const sql of [...everyQuery('duckdb'), ...everyQuery('bigquery')]) {
      expect(sql).toMatch(/FROM events_unique\n/);
      expect(sql).toMatch(/event_date (BETWEEN|>=) DATE\(@from\)/);
    }
    expect(salesByShowSql('bigquery', 'organisation')).toContain("JSON_VALUE(payload, '$.showOrgId') = @org");
    expect(salesByDaySql('bigquery', 'platform')).not.toContain('@org');
    expect(designsSql('duckdb', 'organisation', 'day')).toContain("(payload->>'$.designOrgId') = @org");
  });
});
