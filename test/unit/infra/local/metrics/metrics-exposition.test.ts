import { describe, expect, it } from 'vitest';
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  renderExposition,
} from '../../../../../infra/local/metrics/exposition.ts';

describe('Prometheus text exposition 0.0.4', () => {
  it('writes HELP and TYPE once per family, counters with their labels, in a stable order', () => {
    const text = renderExposition([
      {
        name: 'forgecast_requests_total',
        type: 'counter',
        help: 'Invocations.',
        samples: [
          { labels: { function: 'license-mint' }, value: 3 },
          { labels: { function: 'health' }, value: 1 },
        ],
      },
      {
        name: 'forgecast_errors_total',
        type: 'counter',
        help: 'Errors.',
        samples: [{ labels: {}, value: 0.5 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP forgecast_errors_total Errors.',
        '# TYPE forgecast_errors_total counter',
        'forgecast_errors_total 0.5',
        '# HELP forgecast_requests_total Invocations.',
        '# TYPE forgecast_requests_total counter',
        'forgecast_requests_total{function="health"} 1',
        'forgecast_requests_total{function="license-mint"} 3',
        '',
      ].join('\n'),
    );
  });

  it('writes a histogram as cumulative buckets with le last, then +Inf, _sum and _count', () => {
    const text = renderExposition([
      {
        name: 'forgecast_latency_ms',
        type: 'histogram',
        help: 'Latency.',
        bounds: [5, 10, 2.5e5],
        samples: [{ labels: { function: 'f', a: 'x' }, buckets: [2, 0, 3, 1], sum: 300_012.25, count: 6 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP forgecast_latency_ms Latency.',
        '# TYPE forgecast_latency_ms histogram',
        'forgecast_latency_ms_bucket{a="x",function="f",le="5"} 2',
        'forgecast_latency_ms_bucket{a="x",function="f",le="10"} 2',
        'forgecast_latency_ms_bucket{a="x",function="f",le="250000"} 5',
        'forgecast_latency_ms_bucket{a="x",function="f",le="+Inf"} 6',
        'forgecast_latency_ms_sum{a="x",function="f"} 300012.25',
        'forgecast_latency_ms_count{a="x",function="f"} 6',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslashes, quotes and newlines in label values, and backslashes and newlines in HELP', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('one\\two\nthree "quoted"')).toBe('one\\\\two\\nthree "quoted"');
    const text = renderExposition([
      {
        name: 'x_total',
        type: 'counter',
        help: 'line\nbreak',
        samples: [{ labels: { path: 'C:\\tmp\n"q"' }, value: 1 }],
      },
    ]);
    expect(text).toBe(
      '# HELP x_total line\\nbreak\n# TYPE x_total counter\nx_total{path="C:\\\\tmp\\n\\"q\\""} 1\n',
    );
  });

  it('spells special values as Prometheus does', () => {
    expect(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e21, 0.1].map(formatValue),
    ).toEqual(['NaN', '+Inf', '-Inf', '1e+21', '0.1']);
    expect(renderExposition([])).toBe('');
  });
});
