/**
 * The dashboards' uPlot drawings, one lazy chunk with uPlot and its CSS that only the insights
 * pages load: the daily series (the studio's time-axis chart, web/src/shows/studio/uplot-chart.ts)
 * and the funnel as bars over its named steps. Charts are for the eyes; the pages give every
 * figure as a table too.
 */
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import type { DrawnChart } from '../../shows/studio/uplot-chart.ts';

export { type ChartSpec, type DrawnChart, drawChart } from '../../shows/studio/uplot-chart.ts';

export interface FunnelSpec {
  /** One bar per step, in order. */
  readonly steps: readonly { readonly label: string; readonly value: number }[];
  readonly seriesLabel: string;
  readonly stepLabel: string;
  readonly locale: string;
  readonly color: string;
  readonly height?: number;
}

const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 1e5, 1e6, 1e7];

export function drawFunnel(target: HTMLElement, spec: FunnelSpec, width: number): DrawnChart {
  const number = new Intl.NumberFormat(spec.locale, { maximumFractionDigits: 0 });
  const height = spec.height ?? 240;
  const labelAt = (index: number) => (Number.isInteger(index) ? (spec.steps[index]?.label ?? '') : '');
  const bars = uPlot.paths.bars?.({ size: [0.6, 120], gap: 4 });
  const options: uPlot.Options = {
    width: Math.max(width, 240),
    height,
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    legend: { show: true, live: true },
    scales: {
      x: { time: false, range: (): uPlot.Range.MinMax => [-0.5, spec.steps.length - 0.5] },
      y: { range: (_u, _min, max): uPlot.Range.MinMax => [0, Math.max(1, max)] },
    },
    axes: [
      {
        incrs: [1],
        values: (_u, splits) => splits.map(labelAt),
        stroke: '#1b1f24',
        grid: { show: false },
        ticks: { show: false },
      },
      {
        incrs: WHOLE_STEPS,
        stroke: '#1b1f24',
        grid: { stroke: '#e3e7ed' },
        values: (_u, splits) => splits.map((value) => number.format(value)),
      },
    ],
    series: [
      { label: spec.stepLabel, value: (_u, index) => (index == null ? '—' : labelAt(index)) },
      {
        label: spec.seriesLabel,
        stroke: spec.color,
        width: 0,
        fill: `${spec.color}cc`,
        ...(bars ? { paths: bars } : {}),
        points: { show: false },
        value: (_u, value) => (value == null ? '—' : number.format(value)),
      },
    ],
  };
  const data: uPlot.AlignedData = [
    spec.steps.map((_step, index) => index),
    spec.steps.map((step) => step.value),
  ];
  const chart = new uPlot(options, data, target);
  return {
    resize: (next) => chart.setSize({ width: Math.max(next, 240), height }),
    destroy: () => chart.destroy(),
  };
}
