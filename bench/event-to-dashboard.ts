import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createPool } from 'mysql2/promise';
import { ensureOperatorKey } from '../infra/local/bootstrap.ts';
import { benchCloud } from './lib/local-cloud.ts';
import { percentile, round } from './lib/stats.ts';

/**
 * Event-to-dashboard lag in the local cloud as `npm start` runs it (schedules and nudges on):
 * BENCH_DASHBOARD_EVENTS (100) show page views, one at a time, each a real API call
 * (`POST /v1/analytics/events`, which writes `analytics.page_viewed` to the outbox in its
 * transaction), timed from the call's start until the operator's dashboard counts it
 * (`GET /v1/insights/platform`: funnel.showPageViews, from the warehouse), polled every
 * BENCH_DASHBOARD_POLL_MS (20). The path: gateway → analytics → outbox → (nudge) relay → MariaDB
 * stream → (nudge) warehouse loader → DuckDB → insights. Target: p99 ≤ 5 s.
 *
 * Baseline in the same run, on the same MariaDB: the same round trip with no pipeline, one INSERT
 * of a row and the SELECT that reads it back.
 */
const TARGET_P99_MS = 5_000;
const DEADLINE_MS = 60_000;

export interface EventToDashboardBench {
  readonly events: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly baselineP50Ms: number;
  readonly baselineP99Ms: number;
  /** p99 ÷ the baseline's p99, same run. */
  readonly ratioP99ToBaseline: number;
  readonly targetP99Ms: number;
  readonly met: boolean;
}

const envCount = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export async function benchEventToDashboard(): Promise<EventToDashboardBench> {
  const events = envCount('BENCH_DASHBOARD_EVENTS', 100);
  const pollMs = envCount('BENCH_DASHBOARD_POLL_MS', 20);
  const { cloud, dataDir, close } = await benchCloud();
  try {
    // As npm start does before it reports ready: every function has a hot process.
    await cloud.runner.warmAll(4);
    const operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    const today = new Date().toISOString().slice(0, 10);
    const showId = `bench-${randomUUID().slice(0, 8)}`;

    const viewShowPage = async () => {
      const response = await fetch(`${cloud.gatewayUrl}/analytics/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          consent: false,
          events: [{ kind: 'page_view', page: 'show', path: `/shows/${showId}`, showId }],
        }),
      });
      if (!response.ok)
        throw new Error(`POST /analytics/events answered ${response.status}: ${await response.text()}`);
    };
    const dashboardCount = async (): Promise<number> => {
      const response = await fetch(`${cloud.gatewayUrl}/insights/platform?from=${today}&to=${today}`, {
        headers: { authorization: `Bearer ${operator}` },
      });
      if (!response.ok)
        throw new Error(`GET /insights/platform answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { funnel: { showPageViews: number } }).funnel.showPageViews;
    };
    const untilCounted = async (expected: number, started: number): Promise<number> => {
      for (;;) {
        if ((await dashboardCount()) >= expected) return performance.now() - started;
        if (performance.now() - started > DEADLINE_MS)
          throw new Error(`view ${expected} not counted in ${DEADLINE_MS} ms`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    };

    // Warm: every function on the path has started once, so the figures are the pipeline's.
    let counted = await dashboardCount();
    for (let i = 0; i < 3; i += 1) {
      await viewShowPage();
      counted += 1;
      await untilCounted(counted, performance.now());
    }

    const lags: number[] = [];
    for (let i = 0; i < events; i += 1) {
      const started = performance.now();
      await viewShowPage();
      counted += 1;
      lags.push(await untilCounted(counted, started));
    }

    const baseline = await insertThenRead(cloud.mysqlUrl, events);
    const sorted = [...lags].sort((a, b) => a - b);
    const p99 = percentile(sorted, 99);
    const baselineP99 = percentile(baseline, 99);
    return {
      events,
      p50Ms: round(percentile(sorted, 50), 1),
      p99Ms: round(p99, 1),
      maxMs: round(sorted.at(-1) ?? Number.NaN, 1),
      baselineP50Ms: round(percentile(baseline, 50), 2),
      baselineP99Ms: round(baselineP99, 2),
      ratioP99ToBaseline: round(p99 / baselineP99, 1),
      targetP99Ms: TARGET_P99_MS,
      met: p99 <= TARGET_P99_MS,
    };
  } finally {
    await close();
  }
}

/** One INSERT and the SELECT reading it back, `count` times on one connection; sorted round trips in ms. */
async function insertThenRead(mysqlUrl: string, count: number): Promise<number[]> {
  const pool = createPool({ uri: mysqlUrl, connectionLimit: 1 });
  try {
    const connection = await pool.getConnection();
    try {
      // Temporary: this connection's own, gone when it closes.
      await connection.query(
        'CREATE TEMPORARY TABLE bench_round_trip (id CHAR(36) PRIMARY KEY, payload JSON NOT NULL) ENGINE=InnoDB',
      );
      const times: number[] = [];
      for (let i = 0; i < count; i += 1) {
        const id = randomUUID();
        const started = performance.now();
        await connection.query('INSERT INTO bench_round_trip (id, payload) VALUES (?, ?)', [
          id,
          JSON.stringify({ page: 'show', path: `/shows/${id}` }),
        ]);
        await connection.query('SELECT COUNT(*) AS n FROM bench_round_trip WHERE id = ?', [id]);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b);
    } finally {
      connection.release();
    }
  } finally {
    await pool.end();
  }
}
