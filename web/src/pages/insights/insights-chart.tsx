/**
 * A dashboard chart: drawn once the uPlot chunk (insights-uplot.ts) is in, as wide as its box and
 * again when that changes. The drawing is aria-hidden; the caption says where the same figures
 * are as a table, which every insights page shows under its charts.
 */
import './insights.css';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Loading } from '../../app/components/index.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { localeOf } from '../../shows/studio/studio-form.ts';
import type { ChartSeries } from '../../shows/studio/uplot-chart.ts';
import { dayToSeconds } from './insights-data.ts';
import type { ChartSpec, DrawnChart, FunnelSpec } from './insights-uplot.ts';
import { messages } from './messages.ts';

/** The dashboards' colours, one per series of a chart (all read on the page's white). */
export const BLUE = '#0b5cad';
export const ORANGE = '#a34700';
export const GREEN = '#2e6b30';

/** A chart's first series, its main count of a day: blue bars on the left axis, whole-number ticks. */
export const COUNT_BARS = { style: 'bars', axis: 'left', color: BLUE, whole: true } as const;

export type ChartRequest =
  | { readonly kind: 'daily'; readonly spec: ChartSpec }
  | { readonly kind: 'funnel'; readonly spec: FunnelSpec };

export function InsightsChart({
  caption,
  chart,
}: {
  readonly caption: string;
  readonly chart: ChartRequest;
}) {
  const t = useT(messages);
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let drawing: DrawnChart | undefined;
    let observer: ResizeObserver | undefined;
    let gone = false;
    import('./insights-uplot.ts').then(
      ({ drawChart, drawFunnel }) => {
        const target = box.current;
        if (gone || !target) return;
        target.replaceChildren();
        drawing =
          chart.kind === 'daily'
            ? drawChart(target, chart.spec, target.clientWidth)
            : drawFunnel(target, chart.spec, target.clientWidth);
        setDrawn(true);
        observer = new ResizeObserver(() => drawing?.resize(target.clientWidth));
        observer.observe(target);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      observer?.disconnect();
      drawing?.destroy();
    };
  }, [chart]);
  return (
    <figure class="insights-chart">
      <figcaption>
        {caption} <span class="insights-note">{t('chartHidden')}</span>
      </figcaption>
      {failed ? null : <div ref={box} class="insights-chart-canvas" aria-hidden="true" />}
      {drawn || failed ? null : <Loading label={t('chartLoading')} />}
    </figure>
  );
}

/** The same chart object while its inputs stay the same, so the chart is not drawn again each render. */
export function useChart(make: () => ChartRequest, inputs: readonly unknown[]): ChartRequest {
  const ref = useRef<{ inputs: readonly unknown[]; chart: ChartRequest } | null>(null);
  if (
    !ref.current ||
    ref.current.inputs.length !== inputs.length ||
    ref.current.inputs.some((value, index) => value !== inputs[index])
  )
    ref.current = { inputs, chart: make() };
  return ref.current.chart;
}

/** A series of a daily chart: its figure of a day rather than the values themselves. */
export type DailySeries<Day> = Omit<ChartSeries, 'values'> & { readonly value: (day: Day) => number };

const NO_DAYS: readonly never[] = [];

/**
 * A chart of `loaded` days (x: the day, in the page's language), bars or a line per `series`; made
 * again when the days, the language or `inputs` change.
 */
export function useDailyChart<Day extends { readonly day: string }>(
  loaded: readonly Day[] | undefined,
  series: () => readonly DailySeries<Day>[],
  inputs: readonly unknown[] = [],
): ChartRequest {
  const t = useT(messages);
  const locale = localeOf(useLanguage().language);
  const days = loaded ?? NO_DAYS;
  return useChart(
    () => ({
      kind: 'daily',
      spec: {
        x: days.map((day) => dayToSeconds(day.day)),
        locale,
        xLabel: t('columnDay'),
        series: series().map(({ value, ...shown }) => ({ ...shown, values: days.map(value) })),
      },
    }),
    [days, locale, ...inputs],
  );
}
