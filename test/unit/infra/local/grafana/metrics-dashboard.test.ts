import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_CATALOG, type MetricName } from '#shared/metrics/metrics.ts';

interface Target {
  readonly expr?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
}
interface Panel {
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly targets?: readonly Target[];
}
interface Dashboard {
  readonly schemaVersion: number;
  readonly templating: { readonly list: ReadonlyArray<{ name: string; type: string; query: unknown }> };
  readonly panels: readonly Panel[];
}

const dashboard = JSON.parse(
  readFileSync(
    new URL('../../../../../infra/local/grafana/forgecast-dashboard.json', import.meta.url),
    'utf8',
  ),
) as Dashboard;
const prometheusConfig = readFileSync(
  new URL('../../../../../infra/local/grafana/prometheus.yml', import.meta.url),
  'utf8',
);
const queried = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr ?? ''));

/** The catalog name behind a Prometheus series name, if the code emits it in that form. */
function emittedAs(series: string): MetricName | undefined {
  const base = series.replace(/^forgecast_/, '');
  for (const [name, { kind }] of Object.entries(METRIC_CATALOG) as [MetricName, { kind: string }][]) {
    if (kind === 'counter' && base === `${name}_total`) return name;
    if (kind === 'histogram' && ['bucket', 'sum', 'count'].some((suffix) => base === `${name}_${suffix}`))
      return name;
  }
  return undefined;
}

/** Names recorded somewhere in the code: `.count('name'` and `.observe('name'` calls. */
function recordedNames(): Set<string> {
  const names = new Set<string>();
  for (const root of ['functions', 'shared', 'workers']) {
    const dir = new URL(`../../../../../${root}/`, import.meta.url);
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(new URL(file, dir), 'utf8');
      for (const match of source.matchAll(/\.(?:count|observe)\(\s*'([a-z_]+)'/g))
        names.add(match[1] as string);
    }
  }
  return names;
}

describe('Grafana dashboard for the local Prometheus', () => {
  it('has a recording call in the code for every catalog metric', () => {
    const recorded = recordedNames();
    for (const name of Object.keys(METRIC_CATALOG)) expect(recorded.has(name), name).toBe(true);
  });

  it('queries only metrics the code emits, and every one of them', () => {
    const series = new Set(queried.flatMap((expr) => expr.match(/\bforgecast_[a-z_]+/g) ?? []));
    expect(series.size).toBeGreaterThan(0);
    for (const name of series) expect(emittedAs(name), name).toBeDefined();
    const covered = new Set([...series].map(emittedAs));
    expect([...covered].sort()).toEqual(Object.keys(METRIC_CATALOG).sort());
  });

  it('is a current-schema dashboard whose panels all read the chosen Prometheus data source', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(queryPanels.length).toBeGreaterThan(0);
    for (const panel of queryPanels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr?.trim(), panel.title).toBeTruthy();
    }
  });

  it('shows p50, p95 and p99 latency from the histogram, and error ratios per function', () => {
    for (const quantile of ['0.5', '0.95', '0.99']) {
      expect(queried).toContainEqual(
        expect.stringContaining(
          `histogram_quantile(${quantile}, sum by (le, function) (rate(forgecast_latency_ms_bucket`,
        ),
      );
    }
    expect(queried.some((expr) => /forgecast_errors_total.*\/.*forgecast_requests_total/.test(expr))).toBe(
      true,
    );
  });

  it('comes with a scrape config for the collector on METRICS_PORT', () => {
    expect(prometheusConfig).toMatch(/metrics_path:\s*\/metrics/);
    expect(prometheusConfig).toMatch(/targets:\s*\[["']127\.0\.0\.1:9464["']\]/);
  });
});
