/**
 * The audience page's charts with uPlot (its own lazy chunk with uPlot's CSS: only this page
 * loads it). A chart is for the eyes: its container is aria-hidden and the page gives the same
 * figures as a table.
 */
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly number[];
  /** Bars on the left axis, or a line on the right axis (a second unit). */
  readonly style: 'bars' | 'line';
  readonly axis: 'left' | 'right';
  readonly color: string;
  /** Counts (tickets, views): whole-number ticks on its axis. */
  readonly whole?: boolean;
}

/** Tick steps for counts: never 0.2 of a ticket. */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 1e5, 1e6, 1e7];

export interface ChartSpec {
  /** Seconds since the epoch, one per day. */
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly locale: string;
  readonly height?: number;
  /** The legend's name of the x value (the day). */
  readonly xLabel: string;
}

export interface DrawnChart {
  resize(width: number): void;
  destroy(): void;
}

export function drawChart(target: HTMLElement, spec: ChartSpec, width: number): DrawnChart {
  const dayLabel = new Intl.DateTimeFormat(spec.locale, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const number = new Intl.NumberFormat(spec.locale, { maximumFractionDigits: 2 });
  const hasRight = spec.series.some((series) => series.axis === 'right');
  const bars = uPlot.paths.bars?.({ size: [0.6, 24], gap: 2 });
  const wholeAxis = (axis: 'left' | 'right') =>
    spec.series.some((series) => series.axis === axis && series.whole) ? { incrs: WHOLE_STEPS } : {};
  // half a day either side, so the first and last days' bars are whole
  const halfDay = 43_200;
  const first = spec.x[0] ?? 0;
  const last = spec.x[spec.x.length - 1] ?? first;
  const manyPoints = spec.x.length > 12;
  const options: uPlot.Options = {
    width: Math.max(width, 240),
    height: spec.height ?? 240,
    tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    scales: {
      x: { time: true, range: (): uPlot.Range.MinMax => [first - halfDay, last + halfDay] },
      left: { range: (_u, _min, max): uPlot.Range.MinMax => [0, Math.max(1, max)] },
      right: { range: (_u, _min, max): uPlot.Range.MinMax => [0, Math.max(1, max)] },
    },
    axes: [
      {
        values: (_u, splits) => splits.map((seconds) => dayLabel.format(new Date(seconds * 1000))),
        stroke: '#1b1f24',
        grid: { stroke: '#e3e7ed' },
      },
      {
        scale: 'left',
        ...wholeAxis('left'),
        stroke: '#1b1f24',
        grid: { stroke: '#e3e7ed' },
        values: (_u, splits) => splits.map((value) => number.format(value)),
      },
      ...(hasRight
        ? [
            {
              scale: 'right',
              side: 1 as const,
              ...wholeAxis('right'),
              stroke: '#1b1f24',
              grid: { show: false },
              values: (_u: uPlot, splits: number[]) => splits.map((value) => number.format(value)),
            },
          ]
        : []),
    ],
    series: [
      {
        label: spec.xLabel,
        value: (_u, seconds) => (seconds == null ? '—' : dayLabel.format(new Date(seconds * 1000))),
      },
      ...spec.series.map(
        (series): uPlot.Series => ({
          label: series.label,
          scale: series.axis,
          stroke: series.color,
          // bars without an outline: a day of zero draws nothing rather than a dash
          width: series.style === 'bars' ? 0 : 2,
          value: (_u, value) => (value == null ? '—' : number.format(value)),
          ...(series.style === 'bars'
            ? { fill: `${series.color}cc`, ...(bars ? { paths: bars } : {}), points: { show: false } }
            : { points: { show: !manyPoints, size: 5 } }),
        }),
      ),
    ],
  };
  const data = [
    spec.x as number[],
    ...spec.series.map((series) => series.values as number[]),
  ] as uPlot.AlignedData;
  const chart = new uPlot(options, data, target);
  return {
    resize: (next) => chart.setSize({ width: Math.max(next, 240), height: spec.height ?? 240 }),
    destroy: () => chart.destroy(),
  };
}
